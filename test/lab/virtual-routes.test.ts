// virtual_routes (issue #10 "Must show"): the routes appear on the master and go
// when it stops being master (SIGTERM, link cut), with vrrpd and keepalived
// 2.2.7 taking turns in one lab; vrrpd installs exactly what keepalived installs,
// as `ip route show table all` prints it.
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
    ],
  })
}

/** Our routes on `host`, as `ip route show table all` prints them, sorted. */
async function routes(lab: Lab, host: string): Promise<string[]> {
  const r = await lab.exec(host, 'ip', ['-o', 'route', 'show', 'table', 'all'])
  return r.stdout.split('\n').filter((l) => OURS.test(l)).map((l) => l.trim().replace(/\s+/g, ' ')).sort()
}

async function placed(lab: Lab, on: string, off: string, label: string): Promise<string[]> {
  let last: Record<string, string[]> = {}
  try {
    await waitFor(label, async () => {
      last = { [on]: await routes(lab, on), [off]: await routes(lab, off) }
      return last[on]!.length === 4 && last[off]!.length === 0
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
  t.pass('vrrpd MASTER: its 4 routes are on a, none on b (keepalived BACKUP)')
  t.comment(byVrrpd.join('\n'))

  // Leaving MASTER on SIGTERM removes them; keepalived, now master, adds its own.
  t.equal(await v.stop('SIGTERM'), 0, 'vrrpd exits 0 on SIGTERM')
  await waitFor('keepalived MASTER', () => k.state() === 'MASTER', 8000, 50)
  const byKeepalived = await placed(lab, 'b', 'a', 'keepalived master')
  t.pass('after SIGTERM to vrrpd: no route left on a, keepalived installed its routes on b')
  t.same(byVrrpd, byKeepalived, 'vrrpd installs the same routes as keepalived (type, table, metric, proto, scope, src, via)')

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
