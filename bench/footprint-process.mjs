// The process itself, vrrpd next to keepalived 2.2.7 in the same run: start-up
// (spawn -> "(init)" line), `-t` on the seed config, CPU over 30 s as the master of
// one instance, and RSS. Repetitions alternate the daemons (which goes first
// alternates too); medians of each. The load average is recorded before and after.
// Runs as root after `npm run build` (one network namespace per repetition;
// nothing touches the host's interfaces).
//   node bench/footprint-process.mjs [--reps N] [--idle S] [--starts N] [--out FILE | --no-write]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabNetwork, pruneStaleNamespaces } from '../dist/lab/netns.js'
import { defaultVrrpdMain, startDaemon } from '../dist/lab/daemon.js'
import { usage } from './proc-usage.mjs'

const args = process.argv.slice(2)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const REPS = Number(option('--reps', 3))
const IDLE_S = Number(option('--idle', 30))
const STARTS = Number(option('--starts', 5))
const KINDS = ['vrrpd', 'keepalived']
const INIT = /\(VI_1\) Entering BACKUP STATE \(init\)/
const MASTER = /\(VI_1\) Entering MASTER STATE/
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The seed's classic nginx pair config (interface eth0, a pgrep check script). */
const SEED = join(ROOT, 'test/fixtures/config/nginx-pair-master.conf')
const VRRPD_MAIN = defaultVrrpdMain()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const now = () => performance.now()

const conf = (iface, vip) =>
  `global_defs {\n  router_id bench\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n` +
  `  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    ${vip}/24 dev ${iface}\n  }\n}\n`


// ---------- one repetition ----------
let work
const labs = []
async function cleanup() {
  for (const l of labs.splice(0)) await l.teardown()
  if (work) rmSync(work, { recursive: true, force: true })
}
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    void cleanup().then(() => process.exit(130))
  })
}

let counter = 0
function start(net, kind, text) {
  const dir = join(work, `${kind}-${counter++}`)
  mkdirSync(dir)
  writeFileSync(join(dir, 'keepalived.conf'), text)
  const spawnedAt = now()
  const d = startDaemon(net, 'r', kind, { configPath: join(dir, 'keepalived.conf'), runDir: dir, vrrpdMain: VRRPD_MAIN })
  return Object.assign(d, { spawnedAt })
}

/** spawn -> "(init)" line, `STARTS` times. */
async function startups(net, kind) {
  const out = []
  for (let i = 0; i < STARTS; i++) {
    const d = start(net, kind, conf(net.iface, `${net.subnet}.100`))
    try {
      const init = await d.waitForLog(INIT, 10_000)
      out.push(init.at - d.spawnedAt)
    } finally {
      await d.stop('SIGTERM', 5000)
    }
  }
  return out
}

/** `-t` on the seed config, wall time of the whole process, `STARTS` times. */
function configTests(net, kind) {
  const argv =
    kind === 'vrrpd' ? [process.execPath, VRRPD_MAIN, '-t', '-f', SEED] : ['/usr/sbin/keepalived', '-t', '-f', SEED, '-p', join(work, 'kt.pid'), '-r', join(work, 'ktv.pid')]
  const out = []
  for (let i = 0; i < STARTS; i++) {
    const t0 = now()
    spawnSync('ip', ['netns', 'exec', net.ns('r'), ...argv], { stdio: 'ignore' })
    out.push(now() - t0)
  }
  return out
}

/** Master alone; CPU over `IDLE_S` s from the MASTER line, RSS at the end. */
async function idle(net, kind) {
  const d = start(net, kind, conf(net.iface, `${net.subnet}.100`))
  try {
    await d.waitForLog(MASTER, 15_000)
    const pid = d.proc.child.pid
    const a = usage(pid)
    await sleep(IDLE_S * 1000)
    const b = usage(pid)
    return { cpuMs: b.cpuMs - a.cpuMs, rssKb: b.rssKb }
  } finally {
    await d.stop('SIGTERM', 5000)
  }
}

/**
 * Node's own floor, measured beside the daemons: what any Node program pays before
 * its first line of code (`node -e` printing one line: spawn -> that line; the whole
 * process for `-t`), and an idle `setInterval` process's CPU and RSS over the same
 * window. A target below these cannot be met by a Node daemon on this machine.
 */
async function nodeFloor() {
  const startup = []
  const configTest = []
  for (let i = 0; i < STARTS; i++) {
    const t0 = now()
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write("up\\n")'], { encoding: 'utf8' })
    if (r.stdout.trim() === 'up') startup.push(now() - t0)
    const t1 = now()
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    configTest.push(now() - t1)
  }
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  try {
    await sleep(1000)
    const a = usage(child.pid)
    await sleep(IDLE_S * 1000)
    const b = usage(child.pid)
    return { startup, configTest, cpuMs: b.cpuMs - a.cpuMs, rssKb: b.rssKb }
  } finally {
    child.kill('SIGKILL')
  }
}

// ---------- the run ----------
const commit = (() => {
  try {
    const c = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()
    return dirty ? `${c} (with uncommitted changes)` : c
  } catch {
    return 'unknown'
  }
})()
const loadBefore = loadavg()
const samples = Object.fromEntries([...KINDS, 'node'].map((k) => [k, { startup: [], configTest: [], cpuMs: [], rssKb: [] }]))
await pruneStaleNamespaces()
work = mkdtempSync(join(tmpdir(), 'vrrpd-footprint-'))
try {
  for (let rep = 0; rep < REPS && !interrupted; rep++) {
    const net = await LabNetwork.create({ hosts: ['r'], subnet: '10.78.0' })
    labs.push(net)
    const order = rep % 2 === 0 ? KINDS : [...KINDS].reverse()
    for (const kind of order) {
      const s = samples[kind]
      s.startup.push(...(await startups(net, kind)))
      s.configTest.push(...configTests(net, kind))
      const r = await idle(net, kind)
      s.cpuMs.push(r.cpuMs)
      s.rssKb.push(r.rssKb)
      console.log(`rep ${rep + 1} ${kind.padEnd(10)} start-up ${s.startup.slice(-STARTS).map((x) => x.toFixed(0)).join('/')} ms, -t ${s.configTest.slice(-STARTS).map((x) => x.toFixed(0)).join('/')} ms, CPU ${r.cpuMs.toFixed(1)} ms in ${IDLE_S} s, RSS ${(r.rssKb / 1024).toFixed(1)} MB, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    }
    await net.teardown()
    labs.splice(labs.indexOf(net), 1)
    const floor = await nodeFloor()
    for (const field of ['startup', 'configTest']) samples.node[field].push(...floor[field])
    samples.node.cpuMs.push(floor.cpuMs)
    samples.node.rssKb.push(floor.rssKb)
    console.log(`rep ${rep + 1} node alone  first line ${floor.startup.map((x) => x.toFixed(0)).join('/')} ms, node -e 0 ${floor.configTest.map((x) => x.toFixed(0)).join('/')} ms, CPU ${floor.cpuMs.toFixed(1)} ms in ${IDLE_S} s, RSS ${(floor.rssKb / 1024).toFixed(1)} MB`)
  }
} finally {
  await cleanup()
}
if (interrupted) process.exit(130)
const loadAfter = loadavg()

// ---------- the table ----------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmt = (x, unit) => (unit === 'MB' ? (x / 1024).toFixed(1) : x.toFixed(unit === 'ms1' ? 1 : 0))
function row(name, target, unit, field) {
  const [v, k, n] = [...KINDS, 'node'].map((kind) => samples[kind][field])
  const cell = (xs) => (xs.length === 0 ? 'n/a' : `${fmt(median(xs), unit)} (${fmt(Math.min(...xs), unit)}–${fmt(Math.max(...xs), unit)})`)
  return `| ${name} | ${target} | ${cell(v)} | ${cell(k)} | ${(median(v) / median(k)).toFixed(1)} | ${cell(n)} |`
}
const lines = [
  `| figure | target (issue 9) | vrrpd median (min–max) | keepalived median (min–max) | ratio | node alone (floor) |`,
  '|---|---|---|---|---|---|',
  row(`start-up: spawn -> "(init)" line, ms (n=${samples.vrrpd.startup.length})`, '<= 80 ms quiet', 'ms', 'startup'),
  row(`\`-t\` on the seed config, whole process, ms (n=${samples.vrrpd.configTest.length})`, '<= 150 ms', 'ms', 'configTest'),
  row(`on-CPU time in ${IDLE_S} s from the MASTER line, 1 instance, ms (n=${samples.vrrpd.cpuMs.length})`, `<= 10 ms per 30 s`, 'ms1', 'cpuMs'),
  row(`RSS after that, 1 instance, MB (n=${samples.vrrpd.rssKb.length})`, '<= 45 MB', 'MB', 'rssKb'),
]
const keepalivedVersion = `${spawnSync('/usr/sbin/keepalived', ['-v'], { encoding: 'utf8' }).stderr ?? ''}`.split('\n')[0].trim()
const report = [
  `# footprint of the process: vrrpd vs ${keepalivedVersion || 'keepalived'}`,
  '',
  `- date: ${new Date().toISOString()}; commit measured: ${commit}`,
  `- machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Linux ${release()}, Node ${process.version}`,
  `- load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  `- ${REPS} repetitions, daemons alternating; ${STARTS} starts and ${STARTS} \`-t\` runs per daemon and repetition; one master alone in a network namespace, advert_int 1, one VIP`,
  `- command: \`node bench/footprint-process.mjs ${args.join(' ')}\``,
  '',
  ...lines,
  '',
  '"node alone" is any Node program\'s floor on this machine in the same run: spawn -> the first line of `node -e` (start-up row), the whole `node -e 0` process (`-t` row), and an idle `node -e "setInterval(() => {}, 1000)"` over the same window (CPU and RSS rows).',
  '',
]
console.log(`\n${report.join('\n')}`)
if (!args.includes('--no-write')) {
  // A second run the same day gets its own file: earlier results are kept, not overwritten.
  const base = join(ROOT, 'bench/results', `footprint-process-${new Date().toISOString().slice(0, 10)}`)
  let n = 1
  while (existsSync(n === 1 ? `${base}.md` : `${base}-${n}.md`)) n++
  const out = option('--out', n === 1 ? `${base}.md` : `${base}-${n}.md`)
  writeFileSync(out, report.join('\n'))
  console.log(`written to ${out}`)
}
