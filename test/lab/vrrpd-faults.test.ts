// issue 12 "faults to survive", each on a real pair in a lab:
// - kill -9 of the master and a restart, beside keepalived 2.2.7 doing the same;
// - a link flap storm, then exactly one VIP holder within 3 advert intervals;
// - 200 SIGHUPs in 10 s: the VIP is never deleted (`ip monitor address`);
// - check scripts that hang, fork children that never exit, print 10 MB: no leak.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { holders, pairConf } from '../helpers/pair-lab.js'
import type { Daemon } from '../../src/lab/daemon.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `pid` and its descendants, children first (so a parent cannot react to a child's death). */
function tree(pid: number): number[] {
  const parent = new Map<number, number>()
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8')
      parent.set(Number(e), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone
    }
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p)
  return out.reverse()
}

/** Processes whose command line carries `marker` (the sleeps our check script forks). */
function markedPids(marker: number): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try {
      return readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(String(marker))
    } catch {
      return false
    }
  }).map(Number)
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
}

t.test('kill -9 of the master, then a restart: the stale VIP is cleaned up, as keepalived does', async (t) => {
  if (!requireRoot(t)) return
  const results: Record<string, { staleAfterKill: string[]; final: string[]; cleaned: boolean }> = {}
  for (const kind of ['keepalived', 'vrrpd'] as const) {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const vip = lab.address(100)
    const start = (host: string, prio: number): Daemon => {
      const config = pairConf(lab, host, prio, vip)
      const d = kind === 'vrrpd' ? startVrrpd(lab, host, { config }) : startKeepalived(lab, host, { config })
      t.teardown(() => d.stop())
      return d
    }
    const a = start('a', 100)
    await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
    const b = start('b', 90)
    await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 15_000)
    await sleep(2500)
    for (const pid of tree(a.proc.child.pid!)) process.kill(pid, 'SIGKILL')
    await a.proc.exited
    await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
    const staleAfterKill = await waitFor(`${kind}: b to add the VIP`, async () => {
      const h = await holders(lab, ['a', 'b'], vip)
      return h.includes('b') ? h : undefined
    }, 5000, 100)
    const restarted = performance.now()
    const a2 = start('a', 100)
    await a2.waitForLog(/\(VI_1\) Entering MASTER STATE/, 20_000, restarted)
    const final = await waitFor(`${kind}: one holder after the restart`, async () => {
      const h = await holders(lab, ['a', 'b'], vip)
      return h.length === 1 ? h : undefined
    }, 10_000, 100).catch(() => holders(lab, ['a', 'b'], vip))
    // Did the restarted daemon see (and remove or adopt) the address before becoming master?
    const cleaned = kind === 'vrrpd' ? !!a2.proc.find(/removed leftover VIP/) : true
    results[kind] = { staleAfterKill, final, cleaned }
    await a2.stop()
    await b.stop()
  }
  t.same(results.keepalived!.staleAfterKill, ['a', 'b'], 'keepalived: kill -9 leaves the VIP on the dead master (2 holders until the restart)')
  t.same(results.vrrpd!.staleAfterKill, results.keepalived!.staleAfterKill, 'vrrpd: the same')
  t.same(results.keepalived!.final, ['a'], 'keepalived: after the restart the VIP is on a only')
  t.same(results.vrrpd!.final, ['a'], 'vrrpd: after the restart the VIP is on a only, as keepalived')
  t.ok(results.vrrpd!.cleaned, 'vrrpd says it removed the leftover VIP at start')
})

t.test('a link flap storm, then exactly one VIP holder within 3 advert intervals', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const vip = lab.address(100)
  const a = startVrrpd(lab, 'a', { config: pairConf(lab, 'a', 100, vip) })
  t.teardown(() => a.stop())
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  const b = startVrrpd(lab, 'b', { config: pairConf(lab, 'b', 90, vip) })
  t.teardown(() => b.stop())
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 15_000)
  // Cut and heal a every 0.5 s (the shape; 12 s here instead of 60 to keep CI fast).
  const stormEnd = performance.now() + 12_000
  let flaps = 0
  while (performance.now() < stormEnd) {
    await lab.cut('a')
    await sleep(500)
    await lab.heal('a')
    await sleep(500)
    flaps++
  }
  const healed = performance.now()
  // 3 advert intervals (advert_int 1) after the last heal: one holder, and it stays one.
  await sleep(3000)
  const samples: string[][] = []
  for (let i = 0; i < 10; i++) {
    samples.push(await holders(lab, ['a', 'b'], vip))
    await sleep(500)
  }
  t.ok(flaps >= 10, `${flaps} flaps`)
  t.ok(samples.every((h) => h.length === 1), `exactly one holder from 3 s after the storm on: ${JSON.stringify(samples)}`)
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000, healed).catch(() => undefined)
  await waitFor('a (priority 100) to hold the VIP again', async () => JSON.stringify(await holders(lab, ['a', 'b'], vip)) === '["a"]', 10_000, 200)
  t.pass('a, the higher priority, ends up the only holder')
  t.equal(a.proc.child.exitCode, null, 'a is still running')
})

t.test('200 SIGHUPs in 10 s: the VIP is never deleted', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a'] })
  const vip = lab.address(100)
  const a = startVrrpd(lab, 'a', { config: pairConf(lab, 'a', 100, vip) })
  t.teardown(() => a.stop())
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  await waitFor('the VIP on a', async () => (await holders(lab, ['a'], vip)).length === 1, 5000, 100)
  const monitor = lab.spawn('a', 'ip', ['monitor', 'address'])
  let events = ''
  monitor.stdout!.on('data', (c: Buffer) => (events += c.toString()))
  await sleep(500)
  const pid = a.proc.child.pid!
  for (let i = 0; i < 200; i++) {
    process.kill(pid, 'SIGHUP')
    await sleep(50)
  }
  await waitFor('the reloads to finish', () => a.proc.lines.filter((l) => /Reload finished/.test(l.text)).length >= 1, 30_000, 200)
  await sleep(3000)
  monitor.kill()
  const deleted = events.split('\n').filter((l) => l.startsWith('Deleted') && l.includes(` ${vip}/`))
  t.same(deleted, [], 'no RTM_DELADDR for the VIP')
  t.same(await holders(lab, ['a'], vip), ['a'], 'the VIP is on a')
  t.equal(a.state(), 'MASTER')
  t.equal(a.proc.child.exitCode, null, 'vrrpd is still running')
})

t.test('check scripts that hang, fork children that never exit, or print 10 MB: no leak', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a'] })
  const vip = lab.address(100)
  const marker = 900_000 + Math.floor(Math.random() * 90_000)
  const scripts = [
    `vrrp_script hangs {\n  script "/bin/sleep 1000"\n  interval 1\n  timeout 2\n}`,
    `vrrp_script forks {\n  script "/bin/sh -c '/bin/sleep ${marker} & /bin/sleep ${marker} & exit 0'"\n  interval 1\n}`,
    `vrrp_script chatty {\n  script "/bin/sh -c 'head -c 10000000 /dev/zero | tr \\"\\\\\\\\0\\" x; exit 0'"\n  interval 1\n  timeout 5\n}`,
  ].join('\n')
  const config = `global_defs {\n  script_user root\n}\n${scripts}\n${pairConf(lab, 'a', 100, vip, { extra: ['track_script {', '  hangs weight 0', '  forks weight 0', '  chatty weight 0', '}'] })}`
  const a = startVrrpd(lab, 'a', { config })
  t.teardown(() => a.stop())
  // Whatever happens, no test leftovers: the marked sleeps are ours.
  t.teardown(() => {
    for (const p of markedPids(marker)) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        // gone
      }
    }
  })
  await a.waitForLog(/\(VI_1\) Entering (MASTER|FAULT) STATE/, 20_000)
  const pid = a.proc.child.pid!
  const sample = () => ({
    children: tree(pid).length - 1,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    rss: rssKiB(pid),
    orphans: markedPids(marker).length,
  })
  await sleep(8000)
  const first = sample()
  await sleep(15_000)
  const second = sample()
  t.ok(second.children <= 10, `vrrpd's own descendants stay few (${first.children} -> ${second.children})`)
  t.ok(second.fds - first.fds <= 4, `file descriptors do not grow (${first.fds} -> ${second.fds})`)
  t.ok(second.rss - first.rss < 8 * 1024, `RSS does not grow with the output (${first.rss} -> ${second.rss} KiB)`)
  t.ok(second.orphans <= 4, `children a check script left behind are killed with its process group (${first.orphans} -> ${second.orphans})`)
  t.ok(a.proc.find(/hangs.*timed_out|Script `?hangs`? .*timed.out/i) ?? a.proc.find(/timed_out/), 'the hanging script is reported as timed out')
  t.equal(a.proc.child.exitCode, null, 'vrrpd is still running')
})
