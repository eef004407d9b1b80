// The long config fuzz run of issue 12: N seeded cases (default 100,000) through
// loadConfig from dist/ (run `npm run build` first). Counts throws, exit codes
// and slow cases (> 2 s), and catches a real hang: the cases run in a worker, and
// a case that has not finished after 20 s is a hang (the worker is killed and the
// run goes on with the next seed).
// Usage: node bench/config-fuzz.mjs [cases=100000] [firstSeed=1] [--out FILE | --no-write]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fuzzCase, makeFuzzFixtures, runFuzzCase } from '../dist/lab/config-fuzz.js'

const SLOW_MS = 2000
const HANG_MS = 20_000

if (!isMainThread) {
  const { from, to, dir } = workerData
  const fix = join(dir, 'fix')
  const work = join(dir, 'case')
  for (let seed = from; seed < to; seed++) {
    parentPort.postMessage({ type: 'start', seed })
    // CPU of the whole process (this worker's thread, V8's GC threads, an idle main
    // thread): on a loaded machine it tells a slow case from a starved one.
    const cpu0 = process.cpuUsage()
    const r = runFuzzCase(fuzzCase(seed, fix), work)
    const cpu = process.cpuUsage(cpu0)
    parentPort.postMessage({ type: 'done', seed, ms: r.ms, cpuMs: (cpu.user + cpu.system) / 1000, exitCode: r.exitCode, error: r.error })
  }
} else {
  const args = process.argv.slice(2)
  const positional = args.filter((a) => !a.startsWith('--'))
  const total = Number(positional[0] ?? 100_000)
  const first = Number(positional[1] ?? 1)
  const outIdx = args.indexOf('--out')
  const write = !args.includes('--no-write')
  // /dev/shm when there is one: the run writes three files per case.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vrrpd-config-fuzz-'))
  mkdirSync(join(dir, 'case'))
  makeFuzzFixtures(join(dir, 'fix'))
  const load0 = loadavg()
  const started = Date.now()
  const stats = { cases: 0, throws: [], hangs: [], slow: [], codes: {}, badCodes: [], maxMs: 0, maxSeed: 0, maxCpuMs: 0, maxCpuSeed: 0, sumMs: 0 }
  const self = fileURLToPath(import.meta.url)
  let next = first
  const end = first + total
  // SIGTERM/SIGINT: stop and write what has been run so far.
  let stop = false
  let worker
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => {
    stop = true
    void worker?.terminate()
  })
  while (next < end && !stop) {
    next = await new Promise((resolve) => {
      const w = new Worker(self, { workerData: { from: next, to: end, dir } })
      worker = w
      let current = next
      let timer
      const arm = () => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          stats.hangs.push(current)
          stats.cases++
          void w.terminate()
          resolve(current + 1)
        }, HANG_MS)
      }
      w.on('message', (m) => {
        if (m.type === 'start') {
          current = m.seed
          arm()
          return
        }
        clearTimeout(timer)
        stats.cases++
        stats.sumMs += m.ms
        if (m.ms > stats.maxMs) [stats.maxMs, stats.maxSeed] = [m.ms, m.seed]
        if (m.error) stats.throws.push(`${m.seed}: ${m.error.split('\n')[0]}`)
        else if (![0, 4, 5, 6].includes(m.exitCode)) stats.badCodes.push(`${m.seed}: ${m.exitCode}`)
        else stats.codes[m.exitCode] = (stats.codes[m.exitCode] ?? 0) + 1
        if (m.ms > SLOW_MS) stats.slow.push(`${m.seed}: ${Math.round(m.ms)} ms (CPU ${Math.round(m.cpuMs)} ms)`)
        if (m.cpuMs > stats.maxCpuMs) [stats.maxCpuMs, stats.maxCpuSeed] = [m.cpuMs, m.seed]
        if (stats.cases % 5000 === 0) process.stderr.write(`${stats.cases} cases, ${Math.round((Date.now() - started) / 1000)} s\n`)
      })
      w.on('exit', () => {
        clearTimeout(timer)
        resolve(Math.max(current + 1, next))
      })
      w.on('error', (e) => {
        stats.throws.push(`${current}: worker error ${e.message}`)
      })
    })
  }
  rmSync(dir, { recursive: true, force: true })
  const load1 = loadavg()
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {}
  const report = [
    `# Config fuzz run, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `\`node bench/config-fuzz.mjs ${total} ${first}\` on commit ${commit}, Node ${process.version}.`,
    `Load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')} (2 cores, shared).`,
    '',
    `- cases: ${stats.cases} (seeds from ${first}, ${stop ? 'stopped early' : `to ${end - 1}`}), wall time ${Math.round((Date.now() - started) / 1000)} s, mean ${(stats.sumMs / Math.max(1, stats.cases)).toFixed(1)} ms per case`,
    `- throws: ${stats.throws.length}${stats.throws.length ? `: ${stats.throws.slice(0, 10).join('; ')}` : ''}`,
    `- hangs (> ${HANG_MS / 1000} s, worker killed): ${stats.hangs.length}${stats.hangs.length ? `: seeds ${stats.hangs.slice(0, 10).join(', ')}` : ''}`,
    `- slow cases (> ${SLOW_MS / 1000} s): ${stats.slow.length}${stats.slow.length ? `: ${stats.slow.slice(0, 50).join('; ')}` : ''}`,
    `- slowest case: ${Math.round(stats.maxMs)} ms (seed ${stats.maxSeed}); most CPU: ${Math.round(stats.maxCpuMs)} ms (seed ${stats.maxCpuSeed})`,
    `- exit codes: ${Object.entries(stats.codes).map(([c, n]) => `${c}: ${n}`).join(', ')}; other: ${stats.badCodes.length}`,
    '',
  ].join('\n')
  process.stdout.write(report)
  if (write) {
    const out = outIdx >= 0 ? args[outIdx + 1] : join(fileURLToPath(new URL('.', import.meta.url)), 'results', `config-fuzz-${new Date().toISOString().slice(0, 10)}.md`)
    writeFileSync(out, report)
    process.stderr.write(`written to ${out}\n`)
  }
  process.exitCode = stats.throws.length + stats.hangs.length + stats.badCodes.length + stats.slow.length > 0 ? 1 : 0
}
