// The daemon's SIGHUP path over fake ports: what a reload changes outside the
// core. The multicast membership follows the new config (issue 8 item 2), a
// unicast instance's socket joins no group (item 7), and the script tracker and
// notify runner get the new global_defs (item 2).
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import type { Config } from '../../src/config/model.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { createLogger } from '../../src/log.js'
import { FakeWorld, flush } from '../helpers/fake-ports.js'

function conf(opts: { global?: string[]; instance?: string[]; blocks?: string[] } = {}): string {
  return `global_defs {
${(opts.global ?? []).join('\n')}
}
${(opts.blocks ?? []).join('\n')}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.0.0.100/24
  }
${(opts.instance ?? []).join('\n')}
}
`
}

function loader(t: Test): (text: string) => Config {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon-reload-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return (text) => {
    const file = join(dir, 'keepalived.conf')
    writeFileSync(file, text)
    const r = loadConfig(file, { interfaceExists: () => true, checkScript: (path) => ({ ok: true, path }) })
    // 6: scripts run without enable_script_security, which keepalived -t reports too; they still run.
    if (r.exitCode !== 0 && r.exitCode !== 6) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
    return r.config
  }
}

async function started(t: Test, config: Config) {
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const lines: string[] = []
  const daemon = new Daemon(config, world.ports(), createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) }))
  await daemon.start()
  t.teardown(() => daemon.stop())
  return { world, daemon, lines }
}

const membership = (world: FakeWorld) => world.transports.map((tr) => [tr.opts.unicastPeers.length === 0 ? tr.opts.multicastGroup : 'unicast', tr.closed ? 'closed' : 'open'])

t.test('a new vrrp_mcast_group4: the socket joins the new group (the old one closes) and adverts go there', async (t) => {
  const load = loader(t)
  const { world, daemon } = await started(t, load(conf()))
  t.same(membership(world), [['224.0.0.18', 'open']])
  await daemon.reload(load(conf({ global: ['vrrp_mcast_group4 224.0.0.19'] })))
  t.same(membership(world), [['224.0.0.18', 'closed'], ['224.0.0.19', 'open']])
  world.advance(5000) // master-down runs out: VI_1 becomes MASTER and advertises
  await flush()
  const sends = world.events.filter((e) => e.kind === 'send')
  t.ok(sends.length > 0)
  t.same([...new Set(sends.map((e) => (e.kind === 'send' ? e.destination : '')))], ['224.0.0.19'])
  // Unchanged group: the socket stays.
  await daemon.reload(load(conf({ global: ['vrrp_mcast_group4 224.0.0.19'] })))
  t.same(membership(world), [['224.0.0.18', 'closed'], ['224.0.0.19', 'open']])
})

t.test('a unicast instance: its socket joins no group; moving it to multicast reopens it joined', async (t) => {
  const load = loader(t)
  const unicast = ['unicast_src_ip 10.0.0.1', 'unicast_peer {', '  10.0.0.2', '}']
  const { world, daemon } = await started(t, load(conf({ instance: unicast })))
  t.same(world.transports.map((tr) => tr.opts.unicastPeers), [['10.0.0.2']], 'opened with its peers: no IP_ADD_MEMBERSHIP')
  await daemon.reload(load(conf()))
  t.same(membership(world), [['unicast', 'closed'], ['224.0.0.18', 'open']])
  await daemon.reload(load(conf({ instance: unicast })))
  t.same(membership(world).at(-1), ['unicast', 'open'])
})

t.test('reload gives the script tracker the new scripts and script security, the notify runner the new script_user', async (t) => {
  const load = loader(t)
  const script = (weight: number) => [`vrrp_script chk {`, `  script "/opt/chk.sh"`, `  weight ${weight}`, `}`]
  const tracked = ['track_script {', '  chk', '}']
  const { world, daemon } = await started(t, load(conf({ blocks: script(-20), instance: tracked })))
  t.equal(world.scriptTrackers.length, 1)
  t.same(world.scriptTrackers[0]!.security, { enableScriptSecurity: false })
  await daemon.reload(load(conf({ global: ['enable_script_security', 'script_user nobody'], blocks: script(-30), instance: tracked })))
  t.equal(world.scriptTrackers.length, 1, 'the same tracker: it carries the results')
  t.same(world.scriptTrackers[0]!.calls.map((c) => c.call), ['start', 'reload'])
  t.same(world.scriptTrackers[0]!.calls[1], { call: 'reload', scripts: ['chk'], security: { enableScriptSecurity: true, scriptUser: { user: 'nobody' } } })
  t.same(world.notifyUsers.at(-1), { user: 'nobody' })
  await daemon.reload(load(conf()))
  t.same(world.scriptTrackers[0]!.calls.at(-1), { call: 'stop' }, 'no script tracked any more: the tracker stops')
  t.same(world.notifyUsers.at(-1), undefined, 'script_user back to the default')
})
