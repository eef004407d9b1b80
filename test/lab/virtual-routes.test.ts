// virtual_routes and virtual_rules (issue #10 "Must show"): they appear on the master and go
// when it stops being master (SIGTERM, link cut), with vrrpd and keepalived
// 2.2.7 taking turns in one lab; vrrpd installs exactly what keepalived installs,
// as `ip route show table all` and `ip rule show` print it.
import t from 'tap'
import type { Daemon } from '../../src/lab/daemon.js'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'

const BACKUP_INIT = /\(VI_1\) Entering BACKUP STATE \(init\)/
const FAULT = /\(VI_1\) Entering FAULT STATE/
const OURS = /192\.0\.2\.0\/24|198\.51\.100\.0\/24|203\.0\.113\.0\/24|192\.0\.3\.0\/24/

function conf(lab: Lab, host: string, priority: number): string {
  const gw = lab.address(1)
  return renderKeepalivedConf({
    iface: lab.iface(host),
    priority,
    vips: [`${lab.address(100)}/24`],
    extra: [
      'virtual_routes {',
      `  192.0.2.0/24 via ${gw} dev eth0`,
      '  blackhole 198.51.100.0/24',
      '  203.0.113.0/24 dev eth0 table 100 metric 5',
      `  src ${lab.address(100)} to 192.0.3.0/24 via ${gw} dev eth0`,
      '}',
      'virtual_rules {',
      '  from 192.0.2.0/24 table 100 preference 1000',
      '  to 198.51.100.0/24 lookup main priority 1001 no_track',
      '  fwmark 7 table 100',
      '}',
    ],
  })
}
const OUR_RULES = /^(1000|1001|16384):/

/** Our routes and rules on `host`, as `ip route show table all` and `ip rule show` print them, sorted. */
async function routes(lab: Lab, host: string): Promise<string[]> {
  const r = await lab.exec(host, 'ip', ['-o', 'route', 'show', 'table', 'all'])
  const rules = await lab.exec(host, 'ip', ['rule', 'show'])
  const ours = [...r.stdout.split('\n').filter((l) => OURS.test(l)), ...rules.stdout.split('\n').filter((l) => OUR_RULES.test(l))]
  return ours.map((l) => l.trim().replace(/\s+/g, ' ')).sort()
}

async function placed(lab: Lab, on: string, off: string, label: string): Promise<string[]> {
  let last: Record<string, string[]> = {}
  try {
    await waitFor(label, async () => {
      last = { [on]: await routes(lab, on), [off]: await routes(lab, off) }
      return last[on]!.length === 7 && last[off]!.length === 0
    }, 8000, 100)
  } catch (error) {
    t.fail(`${label}: routes did not settle`, { last })
    throw error
  }
  return last[on]!
}

t.test('virtual_routes follow the master: vrrpd and keepalived install the same routes', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const all: Daemon[] = []
  t.teardown(() => Promise.all(all.map((d) => d.stop('SIGTERM', 3000))))
  t.teardown(() => lab.heal('a'))
  const vrrpd = (): Daemon => {
    const d = startVrrpd(lab, 'a', { config: conf(lab, 'a', 100) })
    all.push(d)
    return d
  }

  let v = vrrpd()
  await v.waitForLog(BACKUP_INIT, 15_000)
  const k = startKeepalived(lab, 'b', { config: conf(lab, 'b', 90) })
  all.push(k)
  await waitFor('vrrpd MASTER, keepalived BACKUP', () => v.state() === 'MASTER' && k.state() === 'BACKUP', 12_000, 50)
  const byVrrpd = await placed(lab, 'a', 'b', 'vrrpd master')
  t.pass('vrrpd MASTER: its 4 routes and 3 rules are on a, none on b (keepalived BACKUP)')
  t.comment(byVrrpd.join('\n'))

  // Leaving MASTER on SIGTERM removes them; keepalived, now master, adds its own.
  t.equal(await v.stop('SIGTERM'), 0, 'vrrpd exits 0 on SIGTERM')
  await waitFor('keepalived MASTER', () => k.state() === 'MASTER', 8000, 50)
  const byKeepalived = await placed(lab, 'b', 'a', 'keepalived master')
  t.pass('after SIGTERM to vrrpd: no route left on a, keepalived installed its routes on b')
  t.same(byVrrpd, byKeepalived, 'vrrpd installs the same routes and rules as keepalived (type, table, metric, proto, scope, src, via; rule preference, selectors, action)')

  // vrrpd back (preempt): keepalived, leaving MASTER, removes its routes; vrrpd adds them.
  v = vrrpd()
  await waitFor('vrrpd MASTER again', () => v.state() === 'MASTER' && k.state() === 'BACKUP', 12_000, 50)
  await placed(lab, 'a', 'b', 'vrrpd master again')
  t.pass('vrrpd MASTER again: routes on a only')

  // FAULT (link cut) is leaving MASTER too: even the blackhole route goes.
  const cut = performance.now()
  await lab.cut('a')
  await v.waitForLog(FAULT, 5000, cut)
  await waitFor('keepalived MASTER after the cut', () => k.state() === 'MASTER', 8000, 50)
  await placed(lab, 'b', 'a', 'link cut')
  t.pass("vrrpd in FAULT: none of its routes left (the blackhole one included); keepalived's on b")
  await lab.heal('a')
  await waitFor('vrrpd MASTER after the heal', () => v.state() === 'MASTER' && k.state() === 'BACKUP', 12_000, 50)
  await placed(lab, 'a', 'b', 'healed')
  t.pass('healed: vrrpd MASTER with its routes, keepalived removed its own')
  await v.stop('SIGTERM')
  t.same(await routes(lab, 'a'), [], 'stopped: vrrpd left no route behind')
})

// static_ipaddress / static_routes: set at start whatever the state, kept across
// state changes, removed at stop; vrrpd beside keepalived, one on each host.
t.test('static_ipaddress, static_routes, static_rules: set at start, kept, removed at stop, as keepalived', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const all: Daemon[] = []
  t.teardown(() => Promise.all(all.map((d) => d.stop('SIGTERM', 3000))))
  const STATIC = /198\.18\.0\.0\/16|198\.19\.0\.0\/16/
  const staticConf = (host: string, own: number, priority: number): string =>
    [
      'static_ipaddress {',
      `  ${lab.address(own)}/24 dev eth0`,
      '}',
      'static_routes {',
      `  198.18.0.0/16 via ${lab.address(1)} dev eth0`,
      '  blackhole 198.19.0.0/16',
      '}',
      'static_rules {',
      '  from 198.18.0.0/16 table 100 preference 2000',
      '}',
      conf(lab, host, priority),
    ].join('\n')
  const state = async (host: string, own: number): Promise<{ address: boolean; routes: string[] }> => {
    const addr = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])
    const r = await lab.exec(host, 'ip', ['-o', 'route', 'show', 'table', 'all'])
    const rules = await lab.exec(host, 'ip', ['rule', 'show'])
    const lines = [...r.stdout.split('\n').filter((l) => STATIC.test(l)), ...rules.stdout.split('\n').filter((l) => l.startsWith('2000:'))]
    return { address: addr.stdout.includes(` ${lab.address(own)}/24`), routes: lines.map((l) => l.trim().replace(/\s+/g, ' ')).sort() }
  }

  const v = startVrrpd(lab, 'a', { config: staticConf('a', 200, 100) })
  all.push(v)
  await v.waitForLog(BACKUP_INIT, 15_000)
  const k = startKeepalived(lab, 'b', { config: staticConf('b', 201, 90) })
  all.push(k)
  await k.waitForLog(BACKUP_INIT, 15_000)
  // Both set them at start, before any election.
  const va = await waitFor('vrrpd static entries', async () => { const s = await state('a', 200); return s.address && s.routes.length === 3 && s }, 5000, 100)
  const kb = await waitFor('keepalived static entries', async () => { const s = await state('b', 201); return s.address && s.routes.length === 3 && s }, 5000, 100)
  t.pass('both daemons set the static address, the 2 static routes and the static rule at start')
  t.same(va.routes, kb.routes, 'vrrpd sets the same static routes as keepalived')
  await waitFor('vrrpd MASTER', () => v.state() === 'MASTER' && k.state() === 'BACKUP', 12_000, 50)
  t.same(await state('a', 200), va, 'vrrpd MASTER: static entries unchanged')
  t.same(await state('b', 201), kb, 'keepalived BACKUP: static entries unchanged')
  await Promise.all([v.stop('SIGTERM'), k.stop('SIGTERM')])
  t.same(await state('a', 200), { address: false, routes: [] }, 'vrrpd stopped: static address and routes removed')
  t.same(await state('b', 201), { address: false, routes: [] }, 'keepalived stopped: static address and routes removed (the same)')
})
