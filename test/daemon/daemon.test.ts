// The daemon's executor over fake ports, with the real config parser, core and
// codec: what reaches the wire, `ip addr`, GARP and notify, and in which order.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { createLogger } from '../../src/log.js'
import { decodeAdvert, encodeAdvert, authDataFromPassword } from '../../src/protocol/index.js'
import type { Advert } from '../../src/protocol/types.js'
import { FakeWorld, flush, type Recorded } from '../helpers/fake-ports.js'

const CONF = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
  notify_master "/etc/keepalived/to-master.sh"
  notify "/etc/keepalived/notify.sh"
}
`

function setup(t: Test, conf = CONF) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, conf)
  // The notify scripts need not exist here; running them without enable_script_security is keepalived's exit 6.
  const loaded = loadConfig(file, { interfaceExists: () => true, checkScript: (c) => ({ ok: true, path: c }) })
  t.ok(loaded.exitCode === 0 || loaded.exitCode === 6, 'config is valid')
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const lines: string[] = []
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  const daemon = new Daemon(loaded.config, world.ports(), log)
  return { world, daemon, lines }
}

const has = (lines: string[], text: string) => lines.some((l) => l.includes(text))
const indexOf = (events: Recorded[], pred: (e: Recorded) => boolean) => events.findIndex(pred)

function advertFrom(source: string, priority: number, over: Partial<Advert> = {}): Buffer {
  const advert: Advert = {
    version: 2,
    type: 1,
    virtualRouterId: 51,
    priority,
    adverIntervalMs: 1000,
    authType: 1,
    authData: authDataFromPassword('s3cret'),
    ipAddresses: ['10.0.0.100'],
    family: 4,
    ...over,
  }
  return encodeAdvert(advert, { source, destination: '224.0.0.18' })
}

function decodeSent(e: Recorded) {
  if (e.kind !== 'send') throw new Error('not a send')
  const r = decodeAdvert(e.payload, { family: 4, source: e.source, destination: e.destination, ttl: 255, checkTtl: true })
  if (!r.ok) throw new Error(`our own advert does not decode: ${r.reason}`)
  return r.advert
}

async function becomeMaster(world: FakeWorld, daemon: Daemon) {
  await daemon.start()
  // RFC 3768 6.4.2: Master_Down_Interval = 3 * 1 s + (256 - 100) / 256 s.
  world.advance(3000 + Math.ceil((156 * 1000) / 256) + 1)
  await flush()
}

t.test('a backup whose master-down timer runs out advertises, then sets VIPs, then sends GARP, then notifies', async (t) => {
  const { world, daemon, lines } = setup(t)
  await daemon.start()
  t.ok(has(lines, '(VI_1) Entering BACKUP STATE (init)'))
  world.advance(3000)
  t.notOk(world.events.some((e) => e.kind !== 'notify' && e.kind !== 'fifo'), 'nothing on the wire or interface before Master_Down_Interval') // RFC 3768 6.4.2
  world.events.length = 0
  world.advance(700)
  await flush()
  t.ok(has(lines, '(VI_1) Entering MASTER STATE'))
  const ev = world.events
  const firstSend = indexOf(ev, (e) => e.kind === 'send')
  const add = indexOf(ev, (e) => e.kind === 'addVip')
  const firstGarp = indexOf(ev, (e) => e.kind === 'garp')
  t.ok(firstSend >= 0 && add > firstSend, 'the advert goes out before the VIPs are set (RFC 3768 6.4.2)')
  t.ok(firstGarp > add, 'GARPs go out once the VIP is on the interface')
  t.equal(ev.filter((e) => e.kind === 'garp').length, 5, 'garp_master_repeat 5 by default')
  const sent = decodeSent(ev[firstSend]!)
  t.equal(sent.priority, 100)
  t.equal(sent.virtualRouterId, 51)
  t.equal(sent.authData.toString('latin1').replace(/\0+$/, ''), 's3cret')
  t.same(sent.ipAddresses, ['10.0.0.100'])
  const notifies = ev.filter((e): e is Extract<Recorded, { kind: 'notify' }> => e.kind === 'notify').map((e) => e.job.argv)
  t.same(notifies, [['/etc/keepalived/to-master.sh'], ['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '100']])
  t.ok(ev.some((e) => e.kind === 'fifo' && e.line === 'INSTANCE "VI_1" MASTER 100'))
  // The second GARP burst after garp_master_delay (5 s).
  world.advance(5000)
  await flush()
  t.equal(world.events.filter((e) => e.kind === 'garp').length, 10, 'a second burst after vrrp_garp_master_delay')
  await daemon.stop()
})

t.test('a master receiving a higher priority goes back to BACKUP and removes its VIPs', async (t) => {
  const { world, daemon, lines } = setup(t)
  await becomeMaster(world, daemon)
  world.events.length = 0
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.2', 150) })
  await flush()
  t.ok(has(lines, '(VI_1) Entering BACKUP STATE'))
  t.ok(world.events.some((e) => e.kind === 'removeVip' && e.address === '10.0.0.100'))
  t.equal(world.vipsPresent.size, 0)
  await daemon.stop()
})

t.test('bad packets are dropped, counted by reason and do not change the state', async (t) => {
  const { world, daemon, lines } = setup(t)
  await becomeMaster(world, daemon)
  const good = advertFrom('10.0.0.2', 150)
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 64, payload: good }) // RFC 3768 7.1 TTL
  const badSum = Buffer.from(good)
  badSum[6] = badSum[6]! ^ 0xff
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: badSum }) // checksum
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: good.subarray(0, 12) }) // truncated
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.2', 150, { virtualRouterId: 52 }) })
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.2', 150, { authData: authDataFromPassword('wrong') }) })
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.2', 150, { adverIntervalMs: 2000 }) })
  await flush()
  const status = daemon.status()
  const inst = status.instances[0]!
  t.equal(inst.state, 'MASTER', 'still master')
  t.equal(inst.stats.dropped.ttl, 1)
  t.equal(inst.stats.dropped.checksum, 1)
  t.equal(inst.stats.dropped.length, 1)
  t.equal(inst.stats.dropped.authData, 1)
  t.equal(inst.stats.dropped.interval, 1)
  t.equal(status.unattributedDrops.vrid, 1, 'an unknown VRID belongs to no instance')
  t.ok(has(lines, 'dropped advert from 10.0.0.2 on eth0: ttl'), 'drops are logged')
  // The same drop again within the window is counted but not logged again.
  const before = lines.filter((l) => l.includes(': ttl')).length
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 64, payload: good })
  t.equal(lines.filter((l) => l.includes(': ttl')).length, before, 'rate limited')
  t.equal(daemon.status().instances[0]!.stats.dropped.ttl, 2)
  await daemon.stop()
})

t.test('when no VIP at all can be added the instance goes to FAULT, with a clear log line', async (t) => {
  const { world, daemon, lines } = setup(t)
  world.failAdd = true
  await becomeMaster(world, daemon)
  await flush()
  t.ok(has(lines, '(VI_1) cannot add VIPs: 10.0.0.100/24 dev eth0: RTNETLINK answers: Operation not permitted'))
  t.ok(has(lines, '(VI_1) Entering FAULT STATE'))
  t.equal(daemon.status().instances[0]!.state, 'FAULT')
  await daemon.stop()
})

t.test('issue 12: one VIP that cannot be added is one bad VIP: the others are added, it is logged, the instance stays MASTER', async (t) => {
  const conf = CONF.replace('    10.0.0.100/24\n', '    10.0.0.100/24\n    10.0.0.101/24\n    10.0.0.102/24\n')
  const { world, daemon, lines } = setup(t, conf)
  world.failAddresses.add('10.0.0.101')
  await becomeMaster(world, daemon)
  await flush()
  t.ok(has(lines, '(VI_1) cannot add VIPs: 10.0.0.101/24 dev eth0: RTNETLINK answers: Operation not permitted'))
  t.same([...world.vipsPresent].sort(), ['10.0.0.100/24@eth0', '10.0.0.102/24@eth0'], 'the good VIPs are on the interface')
  t.equal(daemon.status().instances[0]!.state, 'MASTER', 'as keepalived (netlink_iplist): the state does not change')
  t.notOk(has(lines, 'Entering FAULT STATE'))
  await daemon.stop()
})

t.test('VIPs left on the interface by an earlier run are removed at start', async (t) => {
  const { world, daemon, lines } = setup(t)
  world.vipsPresent.add('10.0.0.100/24@eth0')
  await daemon.start()
  t.equal(world.vipsPresent.size, 0)
  t.ok(has(lines, 'removed leftover VIP 10.0.0.100'))
  await daemon.stop()
})

t.test('SIGTERM as master: priority 0 advert, VIPs removed, notify STOP', async (t) => {
  const { world, daemon } = setup(t)
  await becomeMaster(world, daemon)
  world.events.length = 0
  await daemon.stop()
  const sends = world.events.filter((e) => e.kind === 'send').map(decodeSent)
  t.same(sends.map((a) => a.priority), [0], 'RFC 3768 6.4.3: priority 0 on shutdown')
  t.ok(world.events.some((e) => e.kind === 'removeVip'))
  t.ok(world.events.some((e) => e.kind === 'notify' && e.job.argv.join(' ') === '/etc/keepalived/notify.sh INSTANCE VI_1 STOP 100'))
})

t.test('the interface going down puts the instance in FAULT; up brings it back to BACKUP', async (t) => {
  const { world, daemon, lines } = setup(t)
  await becomeMaster(world, daemon)
  world.setLink('eth0', false)
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'FAULT')
  t.equal(world.vipsPresent.size, 0, 'VIPs removed in FAULT')
  world.setLink('eth0', true)
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'BACKUP')
  t.ok(has(lines, '(VI_1) Entering FAULT STATE'))
  await daemon.stop()
})

t.test('without a VRRP socket an instance waits in FAULT instead of becoming a master nobody hears', async (t) => {
  const { world, daemon, lines } = setup(t)
  world.failOpen = 'Operation not permitted'
  await becomeMaster(world, daemon)
  t.ok(has(lines, 'cannot open VRRP socket on eth0: Operation not permitted'))
  t.equal(daemon.status().instances[0]!.state, 'FAULT')
  t.equal(world.vipsPresent.size, 0, 'no VIP taken')
  await daemon.stop()
})

t.test('a VIP removed behind a MASTER is added again and announced, with keepalived -D line', async (t) => {
  const { world, daemon, lines } = setup(t)
  await becomeMaster(world, daemon)
  t.ok(world.vipsPresent.has('10.0.0.100/24@eth0'))
  world.events.length = 0
  world.deleteVip('10.0.0.100', 24, 'eth0')
  await flush()
  t.ok(world.vipsPresent.has('10.0.0.100/24@eth0'), 'back on eth0')
  const add = indexOf(world.events, (e) => e.kind === 'addVip' && e.address === '10.0.0.100')
  const garp = indexOf(world.events, (e) => e.kind === 'garp' && e.address === '10.0.0.100')
  t.ok(add >= 0 && garp > add, 'added, then a GARP')
  t.ok(has(lines, 'Netlink reflector reports IP 10.0.0.100 removed from eth0'))
  t.ok(has(lines, '(VI_1) restoring VIP 10.0.0.100 on eth0'))
  t.equal(daemon.status().instances[0]!.state, 'MASTER', 'no flap through BACKUP')
  t.notOk(world.events.some((e) => e.kind === 'notify'), 'no notify script runs')
  await daemon.stop()
})

t.test('the same address removed while BACKUP (or added by someone else) is left alone', async (t) => {
  const { world, daemon } = setup(t)
  await daemon.start()
  world.vipsPresent.add('10.0.0.100/24@eth0')
  world.setLink('eth0', true)
  world.deleteVip('10.0.0.100', 24, 'eth0')
  await flush()
  t.notOk(world.events.some((e) => e.kind === 'addVip'), 'a BACKUP does not add it')
  t.equal(daemon.status().instances[0]!.state, 'BACKUP')
  await daemon.stop()
})

t.test('an interface deleted and created again: FAULT, then a fresh socket on the new ifindex, and the instance resumes', async (t) => {
  const { world, daemon, lines } = setup(t)
  await becomeMaster(world, daemon)
  t.equal(world.transports.length, 1)
  const first = world.transports[0]!
  world.deleteInterface('eth0')
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'FAULT')
  t.ok(has(lines, 'Netlink reports eth0 down'))
  t.equal(first.closed, true, 'the socket on the dead interface is closed')
  world.createInterface('eth0', '10.0.0.1', 42)
  await flush()
  t.ok(has(lines, 'Netlink reports eth0 up'))
  t.equal(world.transports.length, 2, 'a new socket')
  t.match(world.transports[1], { ifindex: 42, closed: false })
  t.equal(daemon.status().instances[0]!.state, 'BACKUP', 'out of FAULT')
  world.events.length = 0
  world.advance(3000 + Math.ceil((156 * 1000) / 256) + 1)
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'MASTER')
  t.ok(world.events.some((e) => e.kind === 'send'), 'adverts again')
  t.ok(world.vipsPresent.has('10.0.0.100/24@eth0'), 'VIP again')
  await daemon.stop()
})

t.test('the primary address changes: adverts leave from the new one, and elections compare the new one', async (t) => {
  const { world, daemon } = setup(t)
  await becomeMaster(world, daemon)
  world.setPrimaryAddress('eth0', '10.0.0.7')
  await flush()
  world.events.length = 0
  world.advance(2000)
  await flush()
  const sources = world.events.flatMap((e) => (e.kind === 'send' ? [e.source] : []))
  t.ok(sources.length >= 1, 'adverts still go out')
  t.same([...new Set(sources)], ['10.0.0.7'], 'from the new primary address only')
  t.match(daemon.status().instances[0], { state: 'MASTER', masterAddress: '10.0.0.7' }, 'the core knows the new address as ours')
  // RFC 3768 6.4.3: an equal priority from a lower address is discarded. 10.0.0.5 is above
  // the old 10.0.0.1 (that would have made us step down) and below the new 10.0.0.7.
  world.deliver('eth0', { family: 4, source: '10.0.0.5', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.5', 100) })
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'MASTER', 'equal priority from 10.0.0.5: we stay MASTER')
  world.deliver('eth0', { family: 4, source: '10.0.0.9', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.9', 100) })
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'BACKUP', 'equal priority from 10.0.0.9, above the new address: we step down')
  await daemon.stop()
})

t.test('an advert to another group does not make a MASTER step down', async (t) => {
  const { world, daemon } = setup(t)
  await becomeMaster(world, daemon)
  const payload = encodeAdvert(
    { version: 2, type: 1, virtualRouterId: 51, priority: 250, adverIntervalMs: 1000, authType: 1, authData: authDataFromPassword('s3cret'), ipAddresses: ['10.0.0.100'], family: 4 },
    { source: '10.0.0.2', destination: '224.0.0.1' },
  )
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.1', ttl: 255, payload })
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'MASTER')
  t.equal(daemon.drops.forInstance('VI_1').notForUs, 1, 'counted')
  await daemon.stop()
})

t.test('a core step that throws is fatal: priority 0, VIPs released, every later event ignored, `failed` settles', async (t) => {
  // An injected fault: the real step runs (the router is changed in place: VI_1 goes to
  // FAULT), then throws, so its actions (priority 0, remove the VIP) are lost, as with a
  // bug half-way through a step.
  const core = await import('../../src/core/index.js')
  const { Daemon: FaultyDaemon, EXIT_INTERNAL_ERROR } = await t.mockImport<typeof import('../../src/daemon/daemon.js')>('../../src/daemon/daemon.js', {
    '../../src/core/index.js': {
      ...core,
      stepRouter: (router: Parameters<typeof core.stepRouter>[0], event: Parameters<typeof core.stepRouter>[1], now: number) => {
        const result = core.stepRouter(router, event, now)
        if (event.type === 'interfaceChanged') throw new Error('injected fault')
        return result
      },
    },
  })
  const { world, lines } = setup(t)
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon-'))
  writeFileSync(join(dir, 'keepalived.conf'), CONF)
  const loaded = loadConfig(join(dir, 'keepalived.conf'), { interfaceExists: () => true })
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  const daemon = new FaultyDaemon(loaded.config, world.ports(), log)
  await becomeMaster(world, daemon)
  t.equal(world.vipsPresent.size, 1, 'master with its VIP')
  world.events.length = 0
  let failedWith: Error | undefined
  void daemon.failed.then((e) => (failedWith = e))
  daemon.dispatch({ type: 'interfaceChanged', interface: 'eth0', up: false })
  await flush()
  t.equal(daemon.status().instances[0]!.state, 'FAULT', 'the core had moved on (half-applied: its actions were lost)')
  t.ok(has(lines, 'internal error while handling interfaceChanged: injected fault - releasing VIPs and exiting (code 70)'))
  t.equal(EXIT_INTERNAL_ERROR, 70, "keepalived's KEEPALIVED_EXIT_PROGRAM_ERROR")
  t.same(world.events.filter((e) => e.kind === 'send').map((e) => decodeSent(e).priority), [0], 'priority 0, from what the daemon holds, not from the core (which says FAULT)')
  t.ok(world.events.some((e) => e.kind === 'removeVip' && e.address === '10.0.0.100'))
  t.equal(world.vipsPresent.size, 0, 'no VIP left behind')
  t.equal(failedWith?.message, 'injected fault', '`failed` settles once the VIPs are released')
  world.events.length = 0
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: advertFrom('10.0.0.2', 50) })
  world.advance(10_000)
  await flush()
  t.same(world.events.filter((e) => e.kind !== 'fifo'), [], 'nothing more: no advert, no VIP, no notify')
  await daemon.stop()
  t.notOk(world.events.some((e) => e.kind === 'send' || e.kind === 'addVip'), 'stopping afterwards sends nothing either')
})

t.test('the status view carries the event-loop delay the loopDelay port reports', async (t) => {
  const { daemon } = setup(t)
  t.equal(daemon.status().daemon.eventLoopDelay, undefined, 'no port, no figure')
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon-'))
  writeFileSync(join(dir, 'k.conf'), CONF)
  const loaded = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, checkScript: (c) => ({ ok: true, path: c }) })
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const delay = { p50: 0.3, p99: 1.5, max: 9, samples: 4 }
  const measured = new Daemon(loaded.config, { ...world.ports(), loopDelay: () => delay }, createLogger({ format: 'text', level: 'info', write: () => undefined }))
  t.same(measured.status().daemon.eventLoopDelay, delay)
})

t.test('a reload whose core step throws is fatal too: priority 0, the old and new VIPs released, `failed` settles', async (t) => {
  // The real reload step runs, then throws: its actions (add 10.0.0.101) are lost,
  // and the daemon already holds the new config while the core is the old one.
  const core = await import('../../src/core/index.js')
  const { Daemon: FaultyDaemon } = await t.mockImport<typeof import('../../src/daemon/daemon.js')>('../../src/daemon/daemon.js', {
    '../../src/core/index.js': {
      ...core,
      reloadRouter: (...args: Parameters<typeof core.reloadRouter>) => {
        core.reloadRouter(...args)
        throw new Error('injected reload fault')
      },
    },
  })
  const { world, lines } = setup(t)
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon-'))
  const load = (conf: string) => {
    writeFileSync(join(dir, 'keepalived.conf'), conf)
    return loadConfig(join(dir, 'keepalived.conf'), { interfaceExists: () => true, checkScript: (c) => ({ ok: true, path: c }) }).config
  }
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  const daemon = new FaultyDaemon(load(CONF), world.ports(), log)
  await becomeMaster(world, daemon)
  t.equal(world.vipsPresent.size, 1, 'master with its VIP')
  t.notOk(daemon.hasFailed)
  world.events.length = 0
  let failedWith: Error | undefined
  void daemon.failed.then((e) => (failedWith = e))
  // The new config moves the VIP: 10.0.0.100 out, 10.0.0.101 in.
  await daemon.reload(load(CONF.replace('10.0.0.100/24', '10.0.0.101/24')))
  await flush()
  t.ok(daemon.hasFailed, 'the daemon knows it failed (run.ts stops there)')
  t.ok(has(lines, 'internal error while handling reload: injected reload fault - releasing VIPs and exiting (code 70)'))
  t.same(world.events.filter((e) => e.kind === 'send').map((e) => decodeSent(e).priority), [0], 'priority 0')
  t.ok(world.events.some((e) => e.kind === 'removeVip' && e.address === '10.0.0.100'), 'the VIP of the old config is released')
  t.equal(world.vipsPresent.size, 0, 'no VIP left behind')
  t.notOk(world.events.some((e) => e.kind === 'addVip'), 'the lost reload actions are not carried out')
  t.equal(failedWith?.message, 'injected reload fault', '`failed` settles once the VIPs are released')
  world.events.length = 0
  world.advance(10_000)
  await flush()
  t.same(world.events.filter((e) => e.kind !== 'fifo'), [], 'nothing more: no advert, no VIP, no notify')
  await daemon.stop()
})
