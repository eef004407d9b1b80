// A vrrpd pair holding 200 instances (issue 9, counts only; timings are bench/scale.mjs's):
// once settled, no instance changes state and every VIP is held by exactly one router.
import t from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'

const COUNT = 200
const HOLD_MS = 15_000
const STATE_LINE = /\((VI_\d+)\) Entering (MASTER|BACKUP|FAULT) STATE/

/** COUNT instances on eth0, VRIDs 1..COUNT, one /32 VIP each (outside the lab's /24). */
function conf(lab: Lab, host: string, priority: number): string {
  let out = 'global_defs {\n  router_id scale\n}\n'
  for (let vrid = 1; vrid <= COUNT; vrid++) {
    out += `vrrp_instance VI_${vrid} {\n  state BACKUP\n  interface ${lab.iface(host)}\n  virtual_router_id ${vrid}\n  priority ${priority}\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    172.31.${vrid}.1/32\n  }\n}\n`
  }
  return out
}

/** Each instance's last state, from the state lines received so far. */
function states(d: Vrrpd): Map<string, string> {
  const last = new Map<string, string>()
  for (const l of d.proc.lines) {
    const m = STATE_LINE.exec(l.text)
    if (m) last.set(m[1]!, m[2]!)
  }
  return last
}
const countIn = (d: Vrrpd, state: string): number => [...states(d).values()].filter((s) => s === state).length

/** The VIPs (172.31.x.1) on `host`'s lab interface. */
async function vipsOn(lab: Lab, host: string): Promise<Set<string>> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return new Set([...r.stdout.matchAll(/inet (172\.31\.\d+\.1)\//g)].map((m) => m[1]!))
}

t.test(`${COUNT} instances held by a pair: no false transition, every VIP held once`, async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const a = startVrrpd(lab, 'a', { config: conf(lab, 'a', 150) })
  t.teardown(() => a.stop())
  await waitFor(`a: ${COUNT} instances MASTER`, () => countIn(a, 'MASTER') === COUNT, 60_000, 200)
  const b = startVrrpd(lab, 'b', { config: conf(lab, 'b', 100) })
  t.teardown(() => b.stop())
  await waitFor(`b: ${COUNT} instances BACKUP`, () => countIn(b, 'BACKUP') === COUNT, 30_000, 200)
  t.pass(`a is MASTER and b BACKUP for all ${COUNT} instances`)

  const settled = performance.now()
  const all = Array.from({ length: COUNT }, (_, i) => `172.31.${i + 1}.1`)
  let checks = 0
  while (performance.now() - settled < HOLD_MS) {
    const [onA, onB] = await Promise.all([vipsOn(lab, 'a'), vipsOn(lab, 'b')])
    const missing = all.filter((v) => !onA.has(v))
    t.same(missing, [], `check ${++checks}: every VIP on a`)
    t.same([...onB], [], `check ${checks}: no VIP on b`)
    await new Promise((r) => setTimeout(r, 2500))
  }
  const late = [...a.proc.lines, ...b.proc.lines].filter((l) => l.at >= settled && STATE_LINE.test(l.text)).map((l) => l.text)
  t.same(late, [], `no state change in ${HOLD_MS / 1000} s once settled`)
  t.equal(a.proc.child.exitCode, null, 'a still runs')
  t.equal(b.proc.child.exitCode, null, 'b still runs')
})
