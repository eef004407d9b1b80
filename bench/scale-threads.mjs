// Where a daemon's CPU goes, per thread: a pair (a MASTER, b BACKUP) with COUNT
// instances, on-CPU time of every thread of each over S seconds (schedstat), and
// how often each thread woke up (voluntary context switches), over the daemon's
// process tree (keepalived: parent + VRRP child).
// Root, after `npm run build`:  [SETTLE_S=3] node bench/scale-threads.mjs [count=1000] [seconds=20] [vrrpd|keepalived] [node flags for vrrpd...]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pruneStaleNamespaces } from '../dist/lab/netns.js'
import { ScaleLab, renderConf, sleep, startDaemon, waitCount } from './scale-lab.mjs'

const [count = 1000, seconds = 20] = process.argv.slice(2, 4).map(Number)
const kind = process.argv[4] ?? 'vrrpd'
// vrrpd's node flags to try, e.g. --single-threaded-gc
const nodeArgs = process.argv.slice(5)
function children(pid) {
  const out = [pid]
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8')
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e))
    } catch {
      // gone
    }
  }
  return out
}
/** thread -> [on-CPU ms, voluntary context switches] */
function threads(pid) {
  const out = new Map()
  for (const p of children(pid)) {
    for (const t of readdirSync(`/proc/${p}/task`)) {
      try {
        const name = readFileSync(`/proc/${p}/task/${t}/comm`, 'utf8').trim()
        const wakes = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${p}/task/${t}/status`, 'utf8'))?.[1] ?? 0)
        out.set(`${t} ${name}`, [Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6, wakes])
      } catch {
        // ended
      }
    }
  }
  return out
}
await pruneStaleNamespaces()
const work = mkdtempSync(join(tmpdir(), 'vrrpd-bench-threads-'))
const ifaces = count > 255 ? 4 : 1
const lab = await ScaleLab.create({ hosts: ['a', 'b'], ifaces: 4 })
try {
  const a = startDaemon(lab, work, kind, 'a', renderConf({ count, ifaces, priority: 200 }), { nodeArgs })
  await waitCount(a, 'MASTER', count, 120_000)
  const b = startDaemon(lab, work, kind, 'b', renderConf({ count, ifaces, priority: 100 }), { nodeArgs })
  await waitCount(b, 'BACKUP', count, 120_000)
  // SETTLE_S: how long the pair runs before the window (3 s by default; V8 is still
  // compiling the advert path for a minute or two, see bench/README.md).
  await sleep(Number(process.env.SETTLE_S ?? 3) * 1000)
  const before = [threads(a.pid()), threads(b.pid())]
  const t0 = performance.now()
  await sleep(seconds * 1000)
  // With --trace-gc among the flags: the collections in the window.
  for (const [side, d] of [['master', a], ['backup', b]]) {
    const gcs = d.proc.lines.filter((l) => l.at >= t0 && /Scavenge|Mark-Compact|Mark-sweep|Minor/.test(l.text))
    if (gcs.length) console.log(`${side}: ${gcs.length} GC lines, e.g. ${gcs.slice(-2).map((l) => l.text.trim()).join(' | ')}`)
  }
  // With --trace-opt / --trace-deopt among the flags: what V8 (re)compiled in the window,
  // by function (steady state should compile nothing; a deopt loop shows up here).
  for (const [side, d] of [['master', a], ['backup', b]]) {
    const jit = d.proc.lines.filter((l) => l.at >= t0 && /\[(compiling method|completed compiling|bailout|deoptimiz|marking|optimizing)/.test(l.text))
    if (!jit.length) continue
    const byFn = new Map()
    for (const l of jit) {
      const fn = /<JSFunction (\S+)/.exec(l.text)?.[1] ?? '?'
      const kind = /\[(\w+)/.exec(l.text)?.[1] ?? '?'
      byFn.set(`${kind} ${fn}`, (byFn.get(`${kind} ${fn}`) ?? 0) + 1)
    }
    console.log(`${side}: ${jit.length} JIT lines in the window; most frequent:`)
    for (const [k, n] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`  ${String(n).padStart(5)}  ${k}`)
  }
  const after = [threads(a.pid()), threads(b.pid())]
  for (const [i, side] of ['master', 'backup'].entries()) {
    let sum = 0
    let wakes = 0
    const rows = [...after[i]].map(([k, [ms, w]]) => [k, ms - (before[i].get(k)?.[0] ?? 0), w - (before[i].get(k)?.[1] ?? 0)]).sort((x, y) => y[1] - x[1])
    for (const [, ms, w] of rows) (sum += ms), (wakes += w)
    console.log(`${kind} ${side}: ${sum.toFixed(0)} ms in ${seconds} s (${(sum / seconds / 10).toFixed(2)} % of a core), ${wakes} wake-ups (${((sum * 1000) / Math.max(1, wakes)).toFixed(1)} µs each)`)
    for (const [k, ms, w] of rows.slice(0, 6)) console.log(`  ${ms.toFixed(1).padStart(8)} ms ${String(w).padStart(7)} wake-ups  ${k}`)
  }
} finally {
  await lab.teardown()
  rmSync(work, { recursive: true, force: true })
}
