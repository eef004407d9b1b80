// The demo lab end to end, the nginx scenario with a real check script: first
// with real keepalived standing in for vrrpd (proves the lab, the nginx hosts,
// the client loop and the timelines), then with vrrpd itself, same assertions.
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { runDemo } from '../../src/lab/demo.js'
import type { DaemonKind } from '../../src/lab/daemon.js'
import { requireRoot } from '../helpers/netns.js'
import { ensureBuilt } from '../helpers/vrrpd.js'

async function checkDemo(t: Test, daemon: DaemonKind): Promise<void> {
  const lines: string[] = []
  const started = performance.now()
  const result = await runDemo({ daemon, out: (l) => lines.push(l), ...(daemon === 'vrrpd' ? { vrrpdMain: ensureBuilt() } : {}) })
  const ms = performance.now() - started
  t.comment(lines.join('\n'))
  t.ok(result.ok, 'the demo succeeds')
  t.same(result.steps.map((s) => s.ok), result.steps.map(() => true), 'no step failed')
  t.equal(result.steps.length, 8, 'eight steps: build, nginx, daemons, client, failover, failback, handover, teardown')
  for (const s of result.steps) {
    t.ok(lines.includes(`${String(s.n).padStart(2)}. ${s.title}`), `step ${s.n} printed: ${s.title}`)
  }
  t.equal(lines.filter((l) => l.includes('✔ ok')).length, 8, 'each step printed ✔')
  // RFC 3768 6.4.2: the backup takes over only after the master is gone/lower;
  // the timeline must show the script failure before web-b's MASTER line.
  const idx = (re: RegExp): number => lines.findIndex((l) => re.test(l))
  t.ok(idx(/web-a: VRRP_Script\(chk_nginx\) failed/) >= 0, 'the script failure is in the timeline')
  t.ok(idx(/web-a: VRRP_Script\(chk_nginx\) failed/) < idx(/web-b: \(VI_1\) Entering MASTER STATE/), 'script fails before web-b takes over')
  t.match(lines.join('\n'), /the client saw errors for \d+ ms/, 'client error window reported')
  t.ok(ms < 60_000, `runs in under 60 s (${Math.round(ms)} ms)`)
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((n) => n.startsWith(`vrt-lab-${process.pid}-`))
  t.same(left, [], 'no namespace left behind')
}

if (requireRoot(t)) {
  t.test('runDemo with keepalived: every step passes and is printed', (t) => checkDemo(t, 'keepalived'))
  t.test('runDemo with vrrpd: every step passes and is printed', (t) => checkDemo(t, 'vrrpd'))
}
