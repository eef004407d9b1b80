// Where a daemon's CPU goes, per thread: a pair (a MASTER, b BACKUP) with COUNT
// instances, on-CPU time of every thread of each over S seconds (schedstat).
// Root, after `npm run build`:  node bench/scale-threads.mjs [count=1000] [seconds=20] [vrrpd|keepalived]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pruneStaleNamespaces } from '../dist/lab/netns.js'
import { ScaleLab, renderConf, sleep, startDaemon, waitCount } from './scale-lab.mjs'

const [count = 1000, seconds = 20] = process.argv.slice(2, 4).map(Number)
const kind = process.argv[4] ?? 'vrrpd'
function threads(pid) {
  const out = new Map()
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()
      out.set(`${t} ${name}`, Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6)
    } catch {
      // ended
    }
  }
  return out
}
await pruneStaleNamespaces()
const work = mkdtempSync(join(tmpdir(), 'vrrpd-bench-threads-'))
const ifaces = count > 255 ? 4 : 1
const lab = await ScaleLab.create({ hosts: ['a', 'b'], ifaces: 4 })
try {
  const a = startDaemon(lab, work, kind, 'a', renderConf({ count, ifaces, priority: 200 }))
  await waitCount(a, 'MASTER', count, 120_000)
  const b = startDaemon(lab, work, kind, 'b', renderConf({ count, ifaces, priority: 100 }))
  await waitCount(b, 'BACKUP', count, 120_000)
  await sleep(3000)
  const before = [threads(a.pid()), threads(b.pid())]
  await sleep(seconds * 1000)
  const after = [threads(a.pid()), threads(b.pid())]
  for (const [i, side] of ['master', 'backup'].entries()) {
    let sum = 0
    const rows = [...after[i]].map(([k, v]) => [k, v - (before[i].get(k) ?? 0)]).sort((x, y) => y[1] - x[1])
    for (const [, v] of rows) sum += v
    console.log(`${side}: ${sum.toFixed(0)} ms in ${seconds} s (${((sum / seconds) / 10).toFixed(2)} % of a core)`)
    for (const [k, v] of rows.slice(0, 8)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`)
  }
} finally {
  await lab.teardown()
  rmSync(work, { recursive: true, force: true })
}
