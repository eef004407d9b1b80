// src/io/scheduling.ts in a child node process (the settings are per process and
// would change the test runner's own threads): vrrp_priority and vrrp_cpu_affinity
// reach every thread that exists, and a thread started afterwards (a Worker, as
// the reload parser is) inherits them. A positive nice and an affinity to an online
// CPU need no privilege, so this runs as any user.
import t from 'tap'
import { execFile } from 'node:child_process'
import { ensureBuilt } from '../helpers/vrrpd.js'

const child = `
import { applyScheduling } from ${JSON.stringify(new URL('../../dist/io/scheduling.js', import.meta.url).href)}
import { Worker } from 'node:worker_threads'
import { readFileSync, readdirSync } from 'node:fs'
const lines = []
applyScheduling({ processPriority: 7, cpuAffinity: [0] }, { info: (m) => lines.push(m), warn: (m) => lines.push(m) })
const threads = () => readdirSync('/proc/self/task').map((tid) => {
  const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpus = /Cpus_allowed_list:\\s*(\\S+)/.exec(readFileSync('/proc/self/task/' + tid + '/status', 'utf8'))[1]
  return { nice: Number(f[16]), cpus }
})
const before = threads()
const w = new Worker('import { parentPort } from "node:worker_threads"; parentPort.postMessage(1); setTimeout(() => {}, 200)', { eval: true })
w.once('message', () => {
  console.log(JSON.stringify({ lines, before, after: threads() }))
  process.exit(0)
})
`

t.test('nice and affinity on every thread, inherited by a later one', async (t) => {
  ensureBuilt()
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', child], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  )
  const r = JSON.parse(out) as { lines: string[]; before: Array<{ nice: number; cpus: string }>; after: Array<{ nice: number; cpus: string }> }
  t.same(r.lines, [], 'nothing logged')
  t.ok(r.after.length > r.before.length, `a thread more after the Worker (${r.before.length} -> ${r.after.length})`)
  for (const [when, list] of [['before', r.before], ['after', r.after]] as const) {
    t.same([...new Set(list.map((x) => x.nice))], [7], `${when}: every thread at nice 7`)
    t.same([...new Set(list.map((x) => x.cpus))], ['0'], `${when}: every thread on CPU 0`)
  }
})
