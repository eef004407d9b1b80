/**
 * Whole-protocol scenarios: N pure routers on a simulated wire with a fake clock.
 */
import t from 'tap'
import { SimWire } from '../helpers/sim-wire.js'
import { makeConfig, makeGroup, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { masterDownIntervalMs, skewTimeMs } from '../../src/core/index.js'

function pair(a: Parameters<typeof makeInstance>[0], b: Parameters<typeof makeInstance>[0]): SimWire {
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', makeConfig([makeInstance(a)]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance(b)]))
  return wire
}

function addVipTimes(wire: SimWire, name: string): number[] {
  return wire.node(name).history.filter((h) => h.action.type === 'addVips').map((h) => h.at)
}

t.test('convergence to exactly one master, the highest priority', (t) => {
  // RFC 3768 6.4.2: the backup whose Master_Down_Timer fires first (smallest Skew_Time) wins
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', makeConfig([makeInstance({ priority: 100 })]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ priority: 150 })]))
  wire.add('c', '10.0.0.3', makeConfig([makeInstance({ priority: 50 })]))
  wire.startAll()
  t.same(wire.states(), { a: 'BACKUP', b: 'BACKUP', c: 'BACKUP' })
  wire.runUntil(masterDownIntervalMs(2, 150, 1000) - 1)
  t.same(wire.masters(), [], 'nobody is master before Master_Down_Interval')
  wire.runUntil(10_000)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('equal priorities: the higher primary address wins', (t) => {
  // RFC 3768 6.4.3: equal priority, greater primary IP address -> the sender stays master
  const wire = pair({ priority: 100 }, { priority: 100 })
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('equal priorities with mcast_src_ip / unicast_src_ip: the higher source address wins', (t) => {
  // keepalived vrrp.c vrrp_saddr_cmp: the configured source address, not the primary
  const peers = (address: string) => [{ address, at: { file: 'test.conf', line: 1 } }]
  for (const a of [{ mcastSrcIp: '10.0.0.200' }, { unicastSrcIp: '10.0.0.200', unicastPeers: peers('10.0.0.2') }]) {
    const wire = pair({ priority: 100, ...a }, { priority: 100, ...('unicastSrcIp' in a ? { unicastPeers: peers('10.0.0.200') } : {}) })
    wire.startAll()
    wire.runFor(10_000)
    t.same(wire.masters(), ['a'], `${Object.keys(a)[0]} 10.0.0.200 > 10.0.0.2 although its primary 10.0.0.1 is lower`)
    const flips = wire.node('a').history.filter((h) => h.action.type === 'stateChanged').length + wire.node('b').history.filter((h) => h.action.type === 'stateChanged').length
    wire.runFor(30_000)
    const later = wire.node('a').history.filter((h) => h.action.type === 'stateChanged').length + wire.node('b').history.filter((h) => h.action.type === 'stateChanged').length
    t.equal(later, flips, 'and it stays so')
  }
  t.end()
})

t.test('preemption: a higher-priority router joining takes over', (t) => {
  // RFC 3768 6.4.2: preempt on, advert priority lower than ours -> discard, Master_Down_Timer expires
  const wire = pair({ priority: 100 }, { priority: 150 })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  t.same(wire.masters(), ['a'])
  wire.inject('b', { type: 'startup' })
  const joined = wire.now
  wire.runFor(masterDownIntervalMs(2, 150, 1000) + 10)
  t.same(wire.masters(), ['b'])
  t.equal(wire.states().a, 'BACKUP')
  t.ok(addVipTimes(wire, 'b')[0]! - joined <= masterDownIntervalMs(2, 150, 1000) + 2)
  t.end()
})

t.test('nopreempt: a higher-priority backup holds off while a master exists', (t) => {
  // RFC 3768 6.4.2: Preempt_Mode False -> reset Master_Down_Timer on every advert
  const wire = pair({ priority: 100 }, { priority: 150, nopreempt: true })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  wire.inject('b', { type: 'startup' })
  wire.runFor(60_000)
  t.same(wire.masters(), ['a'])
  wire.cut('a')
  wire.runFor(masterDownIntervalMs(2, 150, 1000) + 10)
  t.same(wire.states().b, 'MASTER', 'takes over once the master is gone')
  t.end()
})

t.test('preempt_delay: the higher-priority backup waits the delay, then preempts', (t) => {
  // keepalived preempt_delay (not in the RFC): lower-priority adverts are accepted for the
  // delay from the first one heard; then RFC 3768 6.4.2 discards them and Master_Down_Timer runs out.
  const wire = pair({ priority: 100 }, { priority: 150, preemptDelayMs: 5000 })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  wire.inject('b', { type: 'startup' })
  wire.runFor(1500)
  const started = wire.logs('b').find((l) => l.message.includes('preempting in 5000 ms'))
  t.ok(started, 'the delay starts on the first lower-priority advert')
  const delayStart = started!.at
  wire.runUntil(delayStart + 4999)
  t.same(wire.masters(), ['a'], 'still holding inside the delay')
  // a advertises every second: the last advert accepted arrives at delayStart + 4000.
  const takeover = delayStart + 4000 + masterDownIntervalMs(2, 150, 1000)
  wire.runUntil(takeover - 1)
  t.same(wire.masters(), ['a'], 'still holding until Master_Down_Interval after the last accepted advert')
  wire.runUntil(takeover)
  t.equal(wire.states().b, 'MASTER', 'preempted exactly then')
  t.same(addVipTimes(wire, 'b'), [takeover])
  wire.runFor(wire.delayMs)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('owner (priority 255) is master at once and takes over from a running master', (t) => {
  // RFC 3768 6.4.1: Priority 255 -> transition to Master at startup
  const wire = pair({ priority: 100 }, { priority: 255, initialState: 'MASTER' })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  t.same(wire.masters(), ['a'])
  wire.inject('b', { type: 'startup' })
  t.equal(wire.states().b, 'MASTER', 'master in the same step')
  wire.runFor(10)
  t.same(wire.masters(), ['b'], 'the old master yields on the first advert')
  t.end()
})

t.test('graceful handover: priority 0 on shutdown, backup takes over within Skew_Time', (t) => {
  // RFC 3768 6.4.3 Shutdown + 6.4.2 priority 0 -> Master_Down_Timer := Skew_Time
  const wire = pair({ priority: 150 }, { priority: 100 })
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['a'])
  const stop = wire.now
  wire.inject('a', { type: 'shutdown' })
  wire.runFor(skewTimeMs(2, 100, 1000) + wire.delayMs)
  t.same(wire.masters(), ['b'])
  t.ok(addVipTimes(wire, 'b')[0]! - stop <= skewTimeMs(2, 100, 1000) + wire.delayMs)
  t.end()
})

t.test('nginx: a failing check moves the VIP to the peer and it returns on recovery', (t) => {
  // RFC 3768 6.4.2 / 6.4.3 with keepalived track_script weight semantics
  const cfgA = makeConfig([makeInstance({ priority: 100, trackScripts: [track('chk_nginx', -20)] })], { scripts: [makeScript('chk_nginx')] })
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', cfgA)
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ priority: 90 })]))
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['a'])
  wire.inject('a', { type: 'trackChanged', kind: 'script', name: 'chk_nginx', ok: false })
  t.ok(wire.logs('a').some((l) => l.message === '(VI_1) Changing effective priority from 100 to 80'))
  wire.runFor(masterDownIntervalMs(2, 90, 1000) + 10)
  t.same(wire.masters(), ['b'], 'peer took over')
  const recovered = wire.now
  wire.inject('a', { type: 'trackChanged', kind: 'script', name: 'chk_nginx', ok: true })
  wire.runFor(masterDownIntervalMs(2, 100, 1000) + 1000 + 10)
  t.same(wire.masters(), ['a'], 'VIP returned')
  t.ok(addVipTimes(wire, 'a').some((at) => at > recovered))
  t.ok(wire.node('b').history.some((h) => h.action.type === 'removeVips' && h.at > recovered))
  t.end()
})

t.test('split brain: after the partition heals, one master within one advert interval', (t) => {
  // RFC 3768 6.4.3: a master receiving a higher-priority advert becomes backup
  const wire = pair({ priority: 100 }, { priority: 150 })
  wire.startAll()
  wire.runFor(10_000)
  wire.isolate(['a'], ['b'])
  wire.runFor(10_000)
  t.same(wire.masters().sort(), ['a', 'b'])
  wire.healAll()
  wire.runFor(1000 + 2 * wire.delayMs)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('sync group members move together', (t) => {
  // RFC 3768 6.4.2 / 6.4.3 per member; keepalived vrrp_sync.c: one member FAULT -> every member FAULT
  const conf = (prio: number) =>
    makeConfig(
      [
        makeInstance({ name: 'VI_1', priority: prio }),
        makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, priority: prio, virtualIpAddresses: [vip('10.1.0.100', 'eth1')] }),
      ],
      { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'])] },
    )
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', conf(150), ['eth0', 'eth1'])
  wire.add('b', '10.0.0.2', conf(100), ['eth0', 'eth1'])
  wire.startAll()
  wire.runFor(10_000)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['a'], ['a']])
  wire.inject('a', { type: 'interfaceChanged', interface: 'eth1', up: false })
  t.same([wire.states('VI_1').a, wire.states('VI_2').a], ['FAULT', 'FAULT'])
  wire.runFor(masterDownIntervalMs(2, 100, 1000) + 10)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['b'], ['b']])
  t.ok(wire.node('b').history.some((h) => h.action.type === 'runNotify' && h.action.owner.kind === 'GROUP' && h.action.state === 'MASTER'))
  wire.inject('a', { type: 'interfaceChanged', interface: 'eth1', up: true })
  wire.runFor(10_000)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['a'], ['a']])
  t.end()
})

t.test('sync group, one link cut off the LAN with carrier: the backup makes no transition', (t) => {
  // keepalived vrrp_sync.c vrrp_sync_can_goto_master: a group goes MASTER only when every
  // member wants to (issue 12: h2 flapped MASTER/BACKUP every Master_Down_Interval)
  const conf = (prio: number) =>
    makeConfig(
      [
        makeInstance({ name: 'VI_1', priority: prio }),
        makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, priority: prio, virtualIpAddresses: [vip('10.1.0.100', 'eth1')] }),
      ],
      { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'])] },
    )
  const wire = new SimWire()
  wire.add('h1', '10.0.0.1', conf(100), ['eth0', 'eth1'])
  wire.add('h2', '10.0.0.2', conf(90), ['eth0', 'eth1'])
  wire.startAll()
  wire.runFor(10_000)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['h1'], ['h1']])
  const transitions = (n: string) => wire.node(n).history.filter((h) => h.action.type === 'stateChanged').length
  const before = { h1: transitions('h1'), h2: transitions('h2') }
  wire.cutLink('h1', 'eth1')
  const holders = new Set<string>()
  for (let i = 0; i < 600; i++) {
    wire.runFor(50)
    holders.add(wire.masters('VI_1').join(','))
  }
  t.same([...holders], ['h1'], 'the eth0 VIP stays on h1 for all 30 s of the cut (no ping lost)')
  t.equal(transitions('h2'), before.h2, 'h2 makes no transition')
  t.equal(transitions('h1'), before.h1, 'h1 makes none either')
  t.ok(wire.logs('h2').some((l) => l.message.includes('is not ready for MASTER - staying BACKUP')), 'h2 says why it holds')
  wire.healLink('h1', 'eth1')
  wire.runFor(10_000)
  t.equal(transitions('h2'), before.h2, 'nothing moves when the link heals')
  wire.cut('h1')
  wire.runFor(masterDownIntervalMs(2, 90, 1000) + 10)
  t.same([wire.states('VI_1').h2, wire.states('VI_2').h2], ['MASTER', 'MASTER'], 'h1 cut off on both links: h2 takes the group within Master_Down_Interval')
  t.end()
})

t.test('VRRPv3 at 10 ms intervals: convergence and failover in tens of ms', (t) => {
  // RFC 9568 6.1: Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time
  const v3 = { version: 3 as const, advertIntervalMs: 10 }
  const wire = new SimWire(0.1)
  wire.add('a', '10.0.0.1', makeConfig([makeInstance({ ...v3, priority: 100 })]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ ...v3, priority: 200 })]))
  wire.startAll()
  wire.runFor(100)
  t.same(wire.masters(), ['b'])
  const cut = wire.now
  wire.cut('b')
  wire.runFor(masterDownIntervalMs(3, 100, 10) + 1)
  t.same(wire.states().a, 'MASTER')
  t.ok(addVipTimes(wire, 'a')[0]! - cut <= 40, 'failover under 40 ms')
  wire.heal('b')
  wire.runFor(11)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('config mismatch (different auth_pass) is an error log, not silence', (t) => {
  // RFC 3768 7.1 (drop) + vrrpd: report the likely split brain
  const wire = pair({ priority: 100, authentication: { type: 'PASS', password: 'secret' } }, { priority: 90, authentication: { type: 'PASS', password: 'other' } })
  wire.startAll()
  wire.runFor(20_000)
  t.same(wire.masters().sort(), ['a', 'b'], 'the RFC drop still yields two masters')
  for (const n of ['a', 'b']) {
    const errors = wire.logs(n).filter((l) => l.level === 'error')
    t.equal(errors.length, 1, `${n}: exactly one loud line despite many adverts`)
    t.match(errors[0]!.message, /^\(VI_1\) CONFIG MISMATCH: advert from 10\.0\.0\.\d has a different auth_pass - split brain likely$/)
  }
  t.end()
})
