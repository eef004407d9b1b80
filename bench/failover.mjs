// vrrpd next to keepalived 2.2.7, measured in the same run, same lab, same config:
// election, graceful handover, hard failover, GARP latency, VRRPv3 at 100 ms, and
// resident memory / CPU in steady state as master with 1 and 100 instances.
// Runs as root after `npm run build` (network namespaces; nothing touches the host's
// interfaces). Times come from log lines stamped by this process on receipt.
//   node bench/failover.mjs [--quick] [--reps N] [--steady S] [--out FILE | --no-write]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabNetwork, pruneStaleNamespaces, run } from '../dist/lab/netns.js'
import { defaultVrrpdMain, startDaemon } from '../dist/lab/daemon.js'
import { procStat, processTree, threadCpuMs } from './proc-usage.mjs'

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const QUICK = flag('--quick')
const REPS = Number(option('--reps', QUICK ? 1 : 5))
const STEADY_S = Number(option('--steady', QUICK ? 5 : 30))
const KINDS = ['vrrpd', 'keepalived']
const MASTER = /\(VI_1\) Entering MASTER STATE/
const BACKUP = /\(VI_1\) Entering BACKUP STATE/
const INIT = /\(VI_1\) Entering BACKUP STATE \(init\)/
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const now = () => performance.now()

// ---------- configs (one text for both daemons) ----------
function instance(n, { iface, vrid, priority, vip, version, advertInt }) {
  const auth = version === 3 ? '' : '  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n'
  return `vrrp_instance VI_${n} {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id ${vrid}\n  priority ${priority}\n  advert_int ${advertInt}\n${auth}  virtual_ipaddress {\n    ${vip}/24 dev ${iface}\n  }\n}\n`
}
function renderConf({ count = 1, version = 2, ...rest }) {
  let out = `global_defs {\n  router_id bench\n  vrrp_version ${version}\n}\n`
  for (let n = 1; n <= count; n++) out += instance(n, { ...rest, version, vrid: count === 1 ? 51 : n, vip: count === 1 ? rest.vip : rest.vipOf(n) })
  return out
}

// ---------- the lab and daemons ----------
const labs = []
let work
async function cleanup() {
  for (const l of labs.splice(0)) await l.teardown()
  if (work) rmSync(work, { recursive: true, force: true })
}
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    console.error(`${sig}: tearing the labs down`)
    void cleanup().then(() => process.exit(130))
  })
}

let runCounter = 0
/** Start `kind` in `host` with `conf`; `spawnedAt` is taken just before the spawn. */
function start(net, kind, host, conf) {
  const dir = join(work, `${kind}-${host}-${runCounter++}`)
  mkdirSync(dir)
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, conf)
  const spawnedAt = now()
  const d = startDaemon(net, host, kind, { configPath, runDir: dir, vrrpdMain: VRRPD_MAIN })
  return Object.assign(d, { spawnedAt })
}

async function must(cmd, argv) {
  const r = await run(cmd, argv)
  if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.trim()}`)
  return r
}
const port = (net, host) => ['ip', ['-n', `${net.prefix}sw`, 'link', 'set', `p${HOSTS.indexOf(host)}`]]
const HOSTS = ['client', 'a', 'b']

/**
 * One handover: a (100) alone until MASTER (that is the election sample), then b (90)
 * joins as BACKUP; the client learns the VIP (a's MAC); then a is stopped (SIGTERM) or
 * unplugged (its bridge port down, so it loses carrier), and we time b's MASTER line
 * and the client's neighbour entry flipping to b's MAC.
 */
async function handover(net, kind, { mode, version, advertInt }) {
  const advertMs = advertInt * 1000
  const vip = `${net.subnet}.100`
  await reset(net, vip)
  const common = { iface: net.iface, vip, version, advertInt }
  const mon = net.spawn('client', 'neigh@client', 'ip', ['monitor', 'neigh'])
  // --immediate-mode: without it libpcap hands packets over in blocks, a line only
  // when the next advert arrives; -tt: the kernel's receive time, as epoch seconds.
  const adverts = net.spawn('client', 'tcpdump@client', 'tcpdump', ['-l', '-n', '-tt', '--immediate-mode', '-i', net.iface, 'ip proto 112'])
  const sample = { kind }
  let a, b
  try {
    await adverts.waitForLog(/listening on/, 5000)
    a = start(net, kind, 'a', renderConf({ ...common, priority: 100 }))
    const ma = await a.waitForLog(MASTER, 15_000)
    sample.election = ma.at - a.spawnedAt
    const init = a.proc.find(INIT)
    if (init) (sample.startup = init.at - a.spawnedAt), (sample.initToMaster = ma.at - init.at)
    b = start(net, kind, 'b', renderConf({ ...common, priority: 90 }))
    await b.waitForLog(BACKUP, 15_000)
    await sleep(2.5 * advertMs + 300) // b has heard a's adverts
    // The client talks to the VIP once (no ping here: a UDP datagram), so it ARPs and
    // holds a neighbour entry with a's MAC that the new master's GARP must replace.
    await net.exec('client', process.execPath, ['-e', `require('dgram').createSocket('udp4').send('x', 9, '${vip}', () => setTimeout(() => process.exit(0), 50))`])
    let before = {}
    for (let i = 0; i < 40 && before.mac !== net.mac('a'); i++) (before = await net.neighbour('client', vip)), await sleep(50)
    if (before.mac !== net.mac('a')) sample.note = `client learnt ${before.mac} for the VIP, not a's MAC`
    // A random phase against a's advert schedule: otherwise the time from cut to
    // takeover would depend on each daemon's start-up time, not on its timers.
    await sleep(300 + Math.random() * advertMs)
    let trigger
    if (mode === 'graceful') {
      trigger = now()
      a.proc.child.kill('SIGTERM')
    } else {
      const [cmd, argv] = port(net, 'a')
      await must(cmd, [...argv, 'down'])
      trigger = now() // after the command returned: the link is down by then
    }
    const mb = await b.waitForLog(MASTER, 15_000, trigger)
    sample.failover = mb.at - trigger
    // The last advert of a's that the client saw: the backup's master-down timer
    // restarted then, so this interval is the implemented Master_Down_Interval. Once
    // cut, a reaches no one: every advert of a's the client saw was sent before the cut.
    const fromA = adverts.lines.filter((l) => l.at <= mb.at + 50 && l.text.includes(`${net.ip('a')} > 224.0.0.18`))
    const wallToPerf = Date.now() - now()
    const lastAdvert = fromA.length ? Number(fromA[fromA.length - 1].text.split(' ')[0]) * 1000 - wallToPerf : NaN
    if (mode === 'cut' && Number.isFinite(lastAdvert)) sample.downInterval = mb.at - lastAdvert
    const re = new RegExp(`^${vip.replace(/\./g, '\\.')} .*lladdr ${net.mac('b')}`)
    const g = await mon.waitForLog(re, 4000, { since: trigger }).catch(() => undefined)
    if (g) sample.garp = g.at - mb.at
    else sample.note = 'no neighbour update for the VIP within 4 s'
  } finally {
    await Promise.all([a?.stop('SIGTERM', 3000), b?.stop('SIGTERM', 3000), mon.stop('SIGTERM', 1000), adverts.stop('SIGTERM', 1000)])
    if (mode === 'cut') {
      const [cmd, argv] = port(net, 'a')
      await must(cmd, [...argv, 'up'])
    }
  }
  return sample
}

/** No VIP left on the routers, no neighbour entry on the client. */
async function reset(net, vip) {
  for (const h of ['a', 'b']) await run('ip', ['-n', net.ns(h), 'addr', 'del', `${vip}/24`, 'dev', net.iface])
  await run('ip', ['-n', net.ns('client'), 'neigh', 'flush', 'all'])
}

// ---------- resources ----------
function usage(pid) {
  let rssKb = 0
  let cpuMs = 0
  let schedMs = 0
  const pids = processTree(pid)
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))
      rssKb += m ? Number(m[1]) : 0
      cpuMs += procStat(p)?.cpuMs ?? 0
      // On-CPU time in ns (CONFIG_SCHED_INFO), per thread: utime+stime only counts
      // 10 ms ticks. Node's GC and libuv threads count too.
      for (const t of readdirSync(`/proc/${p}/task`)) schedMs += threadCpuMs(p, t)
    } catch {
      // a short-lived child (an `ip` command) that ended meanwhile
    }
  }
  const names = pids.map((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim()
    } catch {
      return '?'
    }
  })
  return { rssKb, cpuMs, schedMs, procs: names.join('+') }
}

/** `count` instances as master alone on a LAN, both daemons side by side in labs of their own. */
async function resources(count) {
  const run1 = async (kind, i) => {
    const net = await LabNetwork.create({ hosts: ['r'], subnet: `10.79.${i}` })
    labs.push(net)
    const conf = renderConf({ count, iface: net.iface, version: 2, advertInt: 1, vip: `${net.subnet}.100`, vipOf: (n) => `10.${80 + i}.${n}.1` })
    const d = start(net, kind, 'r', conf)
    try {
      await d.waitForLog(new RegExp(`\\(VI_${count}\\) Entering MASTER STATE`), 30_000)
      const deadline = now() + 20_000
      while (d.proc.lines.filter((l) => /Entering MASTER STATE/.test(l.text)).length < count && now() < deadline) await sleep(100)
      const masters = d.proc.lines.filter((l) => /Entering MASTER STATE/.test(l.text)).length
      const atMaster = usage(d.proc.pid)
      await sleep(STEADY_S * 1000)
      const end = usage(d.proc.pid)
      return { kind, count, masters, rssKb: end.rssKb, cpuTotalMs: end.cpuMs, cpuSteadyMs: end.cpuMs - atMaster.cpuMs, schedSteadyMs: end.schedMs - atMaster.schedMs, procs: end.procs }
    } finally {
      await d.stop('SIGTERM', 5000)
    }
  }
  return Promise.all(KINDS.map((k, i) => run1(k, i + (count === 1 ? 0 : 2))))
}

// ---------- statistics and report ----------
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmt = (v, unit) => (unit === 'ms' ? `${Math.round(v)} ms` : unit === 'ms1' ? `${v.toFixed(1)} ms` : unit === 'MB' ? `${(v / 1024).toFixed(1)} MB` : `${Math.round(v)} ${unit}`)
function cell(xs, unit) {
  if (!xs.length) return 'n/a'
  const m = fmt(median(xs), unit)
  return xs.length === 1 ? m : `${m} (${fmt(Math.min(...xs), unit)}–${fmt(Math.max(...xs), unit)})`
}
function row(label, expected, unit, byKind) {
  const [v, k] = KINDS.map((kind) => byKind[kind] ?? [])
  if (!v.length || !k.length) return `| ${label} | ${expected} | ${cell(v, unit)} | ${cell(k, unit)} | n/a | n/a |`
  const ratio = median(k) === 0 ? 'n/a (keepalived 0)' : (median(v) / median(k)).toFixed(2)
  const d = median(v) - median(k)
  const delta = `${d < 0 ? '−' : '+'}${fmt(Math.abs(d), unit)}`
  return `| ${label} | ${expected} | ${cell(v, unit)} | ${cell(k, unit)} | ${ratio} | ${delta} |`
}
const pick = (samples, field) => Object.fromEntries(KINDS.map((k) => [k, samples.filter((s) => s.kind === k && typeof s[field] === 'number').map((s) => s[field])]))

// ---------- main ----------
const VRRPD_MAIN = defaultVrrpdMain()
const problems = []
if (process.getuid?.() !== 0) problems.push('needs root (network namespaces)')
if (!existsSync('/usr/sbin/keepalived')) problems.push('/usr/sbin/keepalived is missing (scripts/setup.sh)')
if (!existsSync(VRRPD_MAIN)) problems.push(`${VRRPD_MAIN} is missing: npm run build first`)
if (problems.length) {
  for (const p of problems) console.error(`failover bench: ${p}`)
  process.exit(2)
}

const started = now()
const load0 = loadavg()
const results = { handovers: {}, resources: [] }
const SCENARIOS = [
  ['v2-graceful', { mode: 'graceful', version: 2, advertInt: 1 }],
  ['v2-cut', { mode: 'cut', version: 2, advertInt: 1 }],
  ['v3-graceful', { mode: 'graceful', version: 3, advertInt: 0.1 }],
  ['v3-cut', { mode: 'cut', version: 3, advertInt: 0.1 }],
].filter(([name]) => !QUICK || name !== 'v2-cut')
let failed = false
try {
  await pruneStaleNamespaces()
  work = mkdtempSync(join(tmpdir(), 'vrrpd-bench-failover-'))
  const net = await LabNetwork.create({ hosts: HOSTS, subnet: '10.78.0' })
  labs.push(net)
  for (const [name, sc] of SCENARIOS) {
    results.handovers[name] = []
    for (let rep = 0; rep < REPS && !interrupted; rep++) {
      // Alternate which daemon goes first, so slow drift in the machine's load is shared.
      for (const kind of rep % 2 ? [...KINDS].reverse() : KINDS) {
        const s = await handover(net, kind, sc).catch((err) => ({ kind, error: err.message.split('\n')[0] }))
        results.handovers[name].push(s)
        const show = ['startup', 'election', 'failover', 'downInterval', 'garp'].filter((f) => typeof s[f] === 'number').map((f) => `${f} ${Math.round(s[f])} ms`)
        console.log(`${name} #${rep + 1} ${kind.padEnd(10)} ${s.error ? `ERROR ${s.error}` : show.join(', ')}${s.note ? ` (${s.note})` : ''}`)
        if (s.error) failed = true
      }
    }
  }
  await net.teardown()
  labs.splice(labs.indexOf(net), 1)
  for (const count of [1, 100]) {
    if (interrupted) break
    const r = await resources(count)
    results.resources.push(...r)
    for (const x of r) console.log(`resources ${count} ${x.kind.padEnd(10)} masters ${x.masters}/${count}, procs ${x.procs}, RSS ${fmt(x.rssKb, 'MB')}, CPU total ${Math.round(x.cpuTotalMs)} ms, in ${STEADY_S} s steady ${Math.round(x.cpuSteadyMs)} ms (on-CPU ${x.schedSteadyMs.toFixed(1)} ms)`)
    for (const l of labs.splice(0)) await l.teardown()
  }
} finally {
  await cleanup()
}
if (interrupted) process.exit(130)

// ---------- the table ----------
const H = results.handovers
const all = (...names) => names.flatMap((n) => H[n] ?? [])
const v2 = all('v2-graceful', 'v2-cut')
const v3 = all('v3-graceful', 'v3-cut')
const R = (count, field) => Object.fromEntries(KINDS.map((k) => [k, results.resources.filter((x) => x.kind === k && x.count === count).map((x) => x[field])]))
const lines = [
  '| case | expected | vrrpd median (min–max) | keepalived median (min–max) | ratio vrrpd/keepalived | difference |',
  '|---|---|---|---|---|---|',
  row('0. start -> "(init)" line (process start-up)', '—', 'ms', pick(v2, 'startup')),
  row('1a. election: start -> MASTER, alone, prio 100, advert_int 1', '3 s + skew 0.61 s = 3.61 s', 'ms', pick(v2, 'election')),
  row('1b. election: "(init)" line -> MASTER', '3.61 s', 'ms', pick(v2, 'initToMaster')),
  row('2. graceful handover: SIGTERM master -> backup (90) MASTER', 'skew (256-90)/256 s = 0.65 s', 'ms', pick(H['v2-graceful'] ?? [], 'failover')),
  row('3a. hard failover: master link cut -> backup MASTER', '3.65 s minus 0–1 s (time since the last advert)', 'ms', pick(H['v2-cut'] ?? [], 'failover')),
  row('3b. hard failover: last advert seen from master -> backup MASTER', 'Master_Down 3 x 1 s + 0.65 s = 3.65 s', 'ms', pick(H['v2-cut'] ?? [], 'downInterval')),
  row('4. GARP: backup MASTER line -> client neighbour entry = new MAC', '~0', 'ms', pick(v2, 'garp')),
  row('5a. v3 advert_int 0.1: election, start -> MASTER', '0.3 s + 0.061 s = 0.36 s', 'ms', pick(v3, 'election')),
  row('5b. v3: election, "(init)" line -> MASTER', '0.36 s', 'ms', pick(v3, 'initToMaster')),
  row('5c. v3: graceful handover (SIGTERM)', 'skew 0.065 s', 'ms', pick(H['v3-graceful'] ?? [], 'failover')),
  row('5d. v3: hard failover, link cut -> backup MASTER', '0.365 s minus 0–0.1 s', 'ms', pick(H['v3-cut'] ?? [], 'failover')),
  row('5e. v3: hard failover, last advert seen -> backup MASTER', '0.3 s + 0.065 s = 0.365 s', 'ms', pick(H['v3-cut'] ?? [], 'downInterval')),
  row('5f. v3: GARP, MASTER line -> client neighbour entry', '~0', 'ms', pick(v3, 'garp')),
  row('6a. RSS, 1 instance as master', '—', 'MB', R(1, 'rssKb')),
  row(`6b. CPU (utime+stime) in ${STEADY_S} s steady state, 1 instance`, '—', 'ms', R(1, 'cpuSteadyMs')),
  row(`6b'. on-CPU time (schedstat) in ${STEADY_S} s steady state, 1 instance`, '—', 'ms1', R(1, 'schedSteadyMs')),
  row('6c. CPU total (start-up + election + steady), 1 instance', '—', 'ms', R(1, 'cpuTotalMs')),
  row('6d. RSS, 100 instances as master', '—', 'MB', R(100, 'rssKb')),
  row(`6e. CPU (utime+stime) in ${STEADY_S} s steady state, 100 instances`, '—', 'ms', R(100, 'cpuSteadyMs')),
  row(`6e'. on-CPU time (schedstat) in ${STEADY_S} s steady state, 100 instances`, '—', 'ms1', R(100, 'schedSteadyMs')),
  row('6f. CPU total (start-up + election + steady), 100 instances', '—', 'ms', R(100, 'cpuTotalMs')),
]
const keepalivedVersion = (() => {
  try {
    const r = spawnSync('/usr/sbin/keepalived', ['-v'], { encoding: 'utf8' })
    return `${r.stdout}${r.stderr}`.split('\n')[0].trim() || 'keepalived'
  } catch {
    return 'keepalived'
  }
})()
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
})()
const date = new Date().toISOString()
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}, Node ${process.version}, ${keepalivedVersion}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at end`
const errors = Object.entries(H).flatMap(([n, ss]) => ss.filter((s) => s.error || s.note).map((s) => `- ${n} ${s.kind}: ${s.error ?? s.note}`))
const report = [
  `# failover bench: vrrpd vs keepalived (${date.slice(0, 10)})`,
  '',
  `Run ${date}, commit ${commit}, \`node bench/failover.mjs${args.length ? ' ' + args.join(' ') : ''}\`: ${REPS} repetition(s) per daemon and scenario, alternating, ${Math.round((now() - started) / 1000)} s in all.`,
  `Machine: ${machine}.`,
  '',
  ...lines,
  '',
  `Samples: rows 0, 1a, 1b and 4 pool the v2 graceful and hard-failover runs; 5a, 5b and 5f pool the two v3 scenarios. Resources: ${STEADY_S} s after the last instance entered MASTER, summed over the daemon's process tree (${KINDS.map((k) => `${k}: ${results.resources.find((x) => x.kind === k)?.procs ?? '?'}`).join(', ')}), the two daemons side by side in labs of their own, one sample each.`,
  '',
  'How: every time is the difference of two stamps taken by the bench process on receipt of a line (daemon log lines, `ip monitor neigh` and `tcpdump -l` in the client namespace), so pipe and scheduling latency (a few ms, more under load) sits on both ends. "Start" is just before the spawn; "cut" is when `ip link set <bridge port> down` has returned, at a random phase against the master\'s advert schedule; "last advert seen" is the kernel\'s receive time of the master\'s last advert in the client namespace (tcpdump -tt --immediate-mode), moved onto the bench\'s clock through Date.now() - performance.now(). utime+stime counts 10 ms ticks; schedstat is the kernel\'s on-CPU time in ns.',
  ...(errors.length ? ['', 'Errors and notes:', ...errors] : []),
  '',
]
console.log('\n' + report.join('\n'))
const out = option('--out', QUICK || flag('--no-write') ? undefined : fileURLToPath(new URL(`./results/failover-${date.slice(0, 10)}.md`, import.meta.url)))
if (out) {
  writeFileSync(out, report.join('\n'))
  console.log(`written to ${out}`)
}
process.exit(failed ? 1 : 0)
