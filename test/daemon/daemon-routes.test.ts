// virtual_routes / virtual_rules and static_* over fake ports: when the daemon
// asks for them, in which order, and what a reload changes.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import type { Config } from '../../src/config/model.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { createLogger } from '../../src/log.js'
import { FakeWorld, flush } from '../helpers/fake-ports.js'

function conf(routes: string[], statics = ''): string {
  return `${statics}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.0.0.100/24
  }
  virtual_routes {
${routes.map((r) => `    ${r}`).join('\n')}
  }
  virtual_rules {
    from 10.0.0.0/24 table 100 preference 1000
  }
}
`
}

function load(t: Test, text: string): Config {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-routes-'))
  writeFileSync(join(dir, 'k.conf'), text)
  const r = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true })
  t.equal(r.exitCode, 0, 'config is valid')
  return r.config
}

function setup(t: Test, config: Config) {
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const calls: string[] = []
  const rec = (what: string) => async (e: { text: string }) => (calls.push(`${what} ${e.text}`), { ok: true as const })
  const routes = { add: rec('add'), remove: rec('remove'), addRule: rec('addRule'), removeRule: rec('removeRule'), close: () => {} }
  const base = world.ports()
  const addresses = { ...base.addresses, add: async (v: Parameters<typeof base.addresses.add>[0]) => (calls.push(`addVip ${v.address}`), base.addresses.add(v)) }
  const daemon = new Daemon(config, { ...base, addresses, routes }, createLogger({ format: 'text', level: 'error', write: () => {} }))
  return { world, daemon, calls }
}

const MASTER_DOWN_MS = 3000 + Math.ceil((156 * 1000) / 256) + 1

t.test('on MASTER: VIPs, then routes, then rules; leaving MASTER removes them', async (t) => {
  const { world, daemon, calls } = setup(t, load(t, conf(['192.0.2.0/24 via 10.0.0.254 dev eth0', 'blackhole 198.51.100.0/24 no_track'])))
  await daemon.start()
  world.advance(MASTER_DOWN_MS)
  await flush()
  t.same(calls, ['addVip 10.0.0.100', 'add 192.0.2.0/24 via 10.0.0.254 dev eth0', 'add blackhole 198.51.100.0/24 no_track', 'addRule from 10.0.0.0/24 table 100 preference 1000'])
  calls.length = 0
  world.setLink('eth0', false) // FAULT
  await flush()
  t.same(calls.filter((c) => !c.startsWith('addVip')), ['remove 192.0.2.0/24 via 10.0.0.254 dev eth0', 'remove blackhole 198.51.100.0/24 no_track', 'removeRule from 10.0.0.0/24 table 100 preference 1000'])
  await daemon.stop()
})

t.test('a reload of a master applies only the difference', async (t) => {
  const { world, daemon, calls } = setup(t, load(t, conf(['192.0.2.0/24 via 10.0.0.254 dev eth0', 'blackhole 198.51.100.0/24 no_track'])))
  await daemon.start()
  world.advance(MASTER_DOWN_MS)
  await flush()
  calls.length = 0
  await daemon.reload(load(t, conf(['192.0.2.0/24 via 10.0.0.254 dev eth0', 'blackhole 203.0.113.0/24 no_track'])))
  await flush()
  t.same(calls, ['remove blackhole 198.51.100.0/24 no_track', 'add blackhole 203.0.113.0/24 no_track'], 'kept route untouched, the old one removed, the new one added')
  await daemon.stop()
})

t.test('static routes and rules: set at start (after clearing leftovers), removed at stop, whatever the state', async (t) => {
  const statics = 'static_routes {\n  198.18.0.0/16 via 10.0.0.254 dev eth0\n}\nstatic_rules {\n  from 198.18.0.0/16 table 100 preference 2000\n}\n'
  const { daemon, calls } = setup(t, load(t, conf(['192.0.2.0/24 via 10.0.0.254 dev eth0'], statics)))
  await daemon.start()
  await flush()
  t.same(calls, [
    'removeRule from 198.18.0.0/16 table 100 preference 2000',
    'remove 198.18.0.0/16 via 10.0.0.254 dev eth0',
    'add 198.18.0.0/16 via 10.0.0.254 dev eth0',
    'addRule from 198.18.0.0/16 table 100 preference 2000',
  ], 'BACKUP: only the static entries, leftovers cleared first')
  calls.length = 0
  await daemon.stop()
  t.same(calls, ['removeRule from 198.18.0.0/16 table 100 preference 2000', 'remove 198.18.0.0/16 via 10.0.0.254 dev eth0'])
})
