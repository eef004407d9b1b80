// The no_accept filter in the daemon: which instances are filtered, and the
// order keepalived keeps (drop rule before the VIPs, removed after them, the
// table gone at stop); the instance events (notify_master_rx_lower_pri, FIFO).
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { vipFilterFor } from '../../src/daemon/vip-filter.js'
import { createLogger } from '../../src/log.js'
import type { VipFilter } from '../../src/io/nftables.js'
import { encodeAdvert } from '../../src/protocol/index.js'
import { FakeWorld, flush, type Recorded } from '../helpers/fake-ports.js'

const conf = (extra: string, global = '') => `
global_defs {
${global}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  version 3
  virtual_ipaddress {
    10.0.0.100/24
  }
${extra}
}
`

function load(t: Test, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-filter-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, text)
  const loaded = loadConfig(file, { interfaceExists: () => true, checkScript: (c) => ({ ok: true, path: c }) })
  t.ok(loaded.exitCode === 0 || loaded.exitCode === 6, 'config is valid')
  return loaded.config
}

function setup(t: Test, text: string) {
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const filter: VipFilter = {
    add: async (owner, vips) => void world.events.push({ kind: 'fifo', line: `filter add ${owner} ${vips.map((v) => v.address).join(',')}` }),
    remove: async (owner, vips) => void world.events.push({ kind: 'fifo', line: `filter remove ${owner} ${vips.map((v) => v.address).join(',')}` }),
    close: async () => void world.events.push({ kind: 'fifo', line: 'filter close' }),
  }
  const lines: string[] = []
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  const daemon = new Daemon(load(t, text), { ...world.ports(), vipFilter: filter }, log)
  return { world, daemon, lines }
}

const show = (e: Recorded) => (e.kind === 'fifo' ? e.line : e.kind === 'addVip' || e.kind === 'removeVip' ? `${e.kind} ${e.address}` : e.kind)
const relevant = (events: Recorded[]) => events.map(show).filter((s) => /^(filter|addVip|removeVip)/.test(s))

async function becomeMaster(world: FakeWorld, daemon: Daemon) {
  await daemon.start()
  world.advance(4000)
  await flush()
}

t.test('no_accept: the drop rule goes in before the VIP, out after it, and the table at stop', async (t) => {
  const { world, daemon } = setup(t, conf('  no_accept'))
  await becomeMaster(world, daemon)
  await daemon.stop()
  await flush()
  t.same(relevant(world.events), ['filter add VI_1 10.0.0.100', 'addVip 10.0.0.100', 'removeVip 10.0.0.100', 'filter remove VI_1 10.0.0.100', 'filter close'])
})

t.test('accept mode: nothing is filtered (the set is only ever emptied), the table still goes at stop', async (t) => {
  const { world, daemon } = setup(t, conf('  accept'))
  await becomeMaster(world, daemon)
  await daemon.stop()
  await flush()
  t.same(relevant(world.events), ['filter remove VI_1 10.0.0.100', 'addVip 10.0.0.100', 'removeVip 10.0.0.100', 'filter remove VI_1 10.0.0.100', 'filter close'])
})

t.test('a reload into accept mode while MASTER takes the VIP out of the drop set at once; back again puts it in', async (t) => {
  const { world, daemon } = setup(t, conf('  no_accept'))
  await becomeMaster(world, daemon)
  world.events.length = 0
  await daemon.reload(load(t, conf('  accept')))
  await flush()
  t.same(relevant(world.events), ['filter remove VI_1 10.0.0.100'])
  world.events.length = 0
  await daemon.reload(load(t, conf('  no_accept')))
  await flush()
  t.same(relevant(world.events), ['filter add VI_1 10.0.0.100'])
  await daemon.stop()
})

t.test("notify_master_rx_lower_pri runs with its own arguments only; the FIFO gets keepalived's line", async (t) => {
  const { world, daemon } = setup(t, conf('  accept\n  notify_master_rx_lower_pri "/usr/local/bin/rx-lower.sh arg1"', ' vrrp_notify_fifo /run/fifo'))
  await becomeMaster(world, daemon)
  world.events.length = 0
  const advert = { version: 3 as const, type: 1 as const, virtualRouterId: 51, priority: 50, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: ['10.0.0.100'], family: 4 as const }
  world.deliver('eth0', { family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload: encodeAdvert(advert, { source: '10.0.0.2', destination: '224.0.0.18' }) })
  await flush()
  const notify = world.events.flatMap((e) => (e.kind === 'notify' ? [e.job.argv] : []))
  t.same(notify, [['/usr/local/bin/rx-lower.sh', 'arg1']])
  t.ok(world.events.some((e) => e.kind === 'fifo' && e.line === 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100'))
  await daemon.stop()
})

t.test("vipFilterFor: keepalived's line when no_accept needs a filter the config did not set up", async (t) => {
  const logged: string[] = []
  const log = (_l: string, m: string) => void logged.push(m)
  vipFilterFor(load(t, conf('  no_accept')), log)
  t.same(logged, ['use_vmac or no_accept/strict specified, but no firewall configured - using nftables'])
  logged.length = 0
  vipFilterFor(load(t, conf('  no_accept', ' nftables')), log)
  vipFilterFor(load(t, conf('  accept')), log)
  t.same(logged, [], 'nftables configured, or accept mode: no line')
  vipFilterFor(load(t, conf('  no_accept', ' nftables "bad name"')), log)
  t.match(logged, [/is not a plain nft name; using vrrpd/])
})
