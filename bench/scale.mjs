// vrrpd next to keepalived 2.2.7 at scale (issue 9), same lab, same configs, alternating:
//   footprint  RSS and on-CPU time over S s at 1, 100, 255 and 1,000 instances, master and backup side
//   hold       1,000 instances (4 interfaces x 250 VRIDs) held for S s: false state changes,
//              VIPs held by both, advert gaps from a capture on a third host
//   fast       VRRPv3 advert_int 0.01, 20 instances, S s under `stress-ng --cpu 2`:
//              false state changes, advert gaps, vrrpd's event-loop delay (its /metrics)
//   vips       one instance with 500 VIPs, 100 instances with 10 VIPs: MASTER line -> every
//              VIP on the interface, -> every VIP's first GARP, advert gaps meanwhile
// Root, after `npm run build`. Writes bench/results/scale-<date>-<parts>.md (the commit, the load average).
//   node bench/scale.mjs [--quick] [--parts footprint,hold,fast,vips] [--sizes 1,100,255,1000]
//                        [--reps N] [--seconds S] [--hold S] [--fast S] [--kinds vrrpd,keepalived]
//                        [--settle S] [--cpu-prof DIR] [--rt-priority N] [--vrrp-rt-priority N] [--out FILE | --no-write]
// Full mode takes ~45 min in all: run it part by part (each under ~15 min), e.g.
//   --parts footprint --sizes 1,100   --parts footprint --sizes 255,1000   --parts hold   --parts fast,vips
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pruneStaleNamespaces, run } from '../dist/lab/netns.js'
import { defaultVrrpdMain } from '../dist/lab/daemon.js'
import { ScaleLab, advertGaps, countIn, layout, median, now, readPcap, renderConf, sleep, startCapture, startDaemon, stateLines, usage, vipHolders, waitCount } from './scale-lab.mjs'

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const QUICK = flag('--quick')
const PARTS = option('--parts', 'footprint,hold,fast,vips').split(',')
const SIZES = option('--sizes', QUICK ? '1,100,1000' : '1,100,255,1000').split(',').map(Number)
const REPS = Number(option('--reps', QUICK ? 1 : 3))
const FOOT_S = Number(option('--seconds', QUICK ? 10 : 60))
// Footprint: how long the pair runs after settling before the window opens. V8 compiles the
// advert path during the first minute or two (its worker threads are then half of vrrpd's CPU);
// a daemon runs for months, so --settle 120 measures its steady state.
const FOOT_SETTLE_S = Number(option('--settle', 3))
const HOLD_S = Number(option('--hold', QUICK ? 30 : 300))
const FAST_S = Number(option('--fast', QUICK ? 20 : 300))
const CPU_PROF = option('--cpu-prof', undefined)
// Both daemons under SCHED_RR at this priority (chrt -r), e.g. for the fast part: what it takes to hold 10 ms adverts under CPU stress.
const RT_PRIORITY = option('--rt-priority', undefined)
// The fast part's global_defs get `vrrp_rt_priority N` (each daemon applies it itself: keepalived to its
// VRRP process, vrrpd to its main thread), instead of chrt on the whole process.
const VRRP_RT_PRIORITY = option('--vrrp-rt-priority', undefined)
const KINDS = (option('--kinds', 'vrrpd,keepalived')).split(',')
const IFACES = 4
const HOSTS = ['a', 'b', 'obs']
const wallOffset = () => Date.now() - performance.now()

const problems = []
if (process.getuid?.() !== 0) problems.push('needs root (network namespaces)')
if (!existsSync('/usr/sbin/keepalived')) problems.push('/usr/sbin/keepalived is missing')
if (!existsSync(defaultVrrpdMain())) problems.push('dist/main.js is missing: npm run build first')
if (PARTS.includes('fast') && !existsSync('/usr/bin/stress-ng')) problems.push('stress-ng is missing')
if (problems.length) {
  for (const p of problems) console.error(`scale bench: ${p}`)
  process.exit(2)
}

let lab
let work
let stress
async function cleanup() {
  if (stress && stress.exitCode === null) {
    try {
      process.kill(-stress.pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  await lab?.teardown()
  if (work && !process.env.SCALE_KEEP) rmSync(work, { recursive: true, force: true })
}
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    console.error(`${sig}: tearing the lab down`)
    void cleanup().then(() => process.exit(130))
  })
}

const vrrpdEnv = () => ({ ...(CPU_PROF ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] } : {}), ...(RT_PRIORITY ? { rtPriority: RT_PRIORITY } : {}) })
const loadNow = () => loadavg()[0].toFixed(1)
const ifacesFor = (count) => (count > 255 ? IFACES : 1)
const order = (rep) => (rep % 2 ? [...KINDS].reverse() : KINDS)

/** Removes addresses other than the lab's own from the routers (a daemon that died leaves its VIPs). */
async function scrub() {
  for (const h of ['a', 'b']) {
    const own = new Set([...Array(IFACES).keys()].map((i) => `${lab.ip(h, i)}@eth${i}`))
    const cmds = [...(await lab.addresses(h))].filter((a) => !own.has(a) && !a.startsWith('127.')).map((a) => {
      const [ip, dev] = a.split('@')
      return ['-n', lab.ns(h), 'addr', 'del', `${ip}/32`, 'dev', dev]
    })
    for (const c of cmds) await run('ip', c)
  }
}

/** The master's (a's) addresses: the advert gaps are those of its adverts. */
const masterIps = () => new Set([...Array(IFACES).keys()].map((i) => lab.ip('a', i)))

/** vrrpd with VIPs -> their addresses as `ip@ethN`. */
function vipSet(count) {
  return new Set(layout(count, ifacesFor(count)).map((i) => `10.${100 + i.iface}.${i.vrid}.1@eth${i.iface}`))
}

/**
 * A pair: a (priority 200) alone until every instance is MASTER, then b (100)
 * until every instance is BACKUP, then `settleMs`. Returns both daemons and when
 * each got there.
 */
async function startPair(kind, count, confOpts = {}, { settleMs = 3000, vrrpdArgs = [] } = {}) {
  const ifaces = ifacesFor(count)
  const timeout = 60_000 + count * 60
  const a = startDaemon(lab, work, kind, 'a', renderConf({ count, ifaces, priority: 200, ...confOpts }), { ...vrrpdEnv(), extraArgs: vrrpdArgs })
  const aMaster = await waitCount(a, 'MASTER', count, timeout)
  if (aMaster === undefined) throw new Error(`${kind}: a has ${countIn(a, 'MASTER')}/${count} MASTER after ${timeout / 1000} s`)
  const b = startDaemon(lab, work, kind, 'b', renderConf({ count, ifaces, priority: 100, ...confOpts }), { ...vrrpdEnv(), extraArgs: vrrpdArgs })
  const bBackup = await waitCount(b, 'BACKUP', count, timeout)
  if (bBackup === undefined) throw new Error(`${kind}: b has ${countIn(b, 'BACKUP')}/${count} BACKUP after ${timeout / 1000} s`)
  await sleep(settleMs)
  return { a, b, electionMs: aMaster - a.spawnedAt }
}

async function stopAll(...ds) {
  await Promise.all(ds.filter(Boolean).map((d) => d.proc.stop('SIGTERM', 15_000)))
  await scrub()
}

// ---------- 1. footprint ----------
async function footprint() {
  const samples = []
  for (const count of SIZES) {
    for (let rep = 0; rep < REPS && !interrupted; rep++) {
      for (const kind of order(rep)) {
        let a, b
        try {
          ;({ a, b } = await startPair(kind, count, {}, { settleMs: FOOT_SETTLE_S * 1000 }))
          const t0 = now()
          const [ua0, ub0] = [usage(a.pid()), usage(b.pid())]
          await sleep(FOOT_S * 1000)
          const [ua1, ub1] = [usage(a.pid()), usage(b.pid())]
          const changes = stateLines(a, t0).length + stateLines(b, t0).length
          const s = { kind, count, rep, masterCpuMs: ua1.cpuMs - ua0.cpuMs, backupCpuMs: ub1.cpuMs - ub0.cpuMs, masterRssKb: ua1.rssKb, backupRssKb: ub1.rssKb, changes, load: loadNow() }
          samples.push(s)
          console.log(`footprint ${count} #${rep + 1} ${kind.padEnd(10)} master CPU ${s.masterCpuMs.toFixed(0)} ms RSS ${(s.masterRssKb / 1024).toFixed(1)} MB | backup CPU ${s.backupCpuMs.toFixed(0)} ms RSS ${(s.backupRssKb / 1024).toFixed(1)} MB | state changes ${changes} | load ${s.load}`)
        } catch (err) {
          samples.push({ kind, count, rep, error: err.message })
          console.log(`footprint ${count} #${rep + 1} ${kind}: ERROR ${err.message}`)
        } finally {
          await stopAll(a, b)
        }
      }
    }
  }
  return samples
}

// ---------- 2. hold ----------
async function hold() {
  const count = 1000
  const vips = vipSet(count)
  const out = []
  for (const kind of KINDS) {
    if (interrupted) break
    let a, b, cap
    const s = { kind, count, seconds: HOLD_S }
    try {
      ;({ a, b } = await startPair(kind, count))
      cap = startCapture(lab, 'obs', work)
      await cap.ready()
      const t0 = now()
      const [ua0, ub0] = [usage(a.pid()), usage(b.pid())]
      s.loadStart = loadNow()
      let maxBoth = 0
      let maxNone = 0
      let checks = 0
      while (now() - t0 < HOLD_S * 1000 && !interrupted) {
        await sleep(Math.min(15_000, HOLD_S * 1000 - (now() - t0)))
        const h = await vipHolders(lab, ['a', 'b'], vips)
        checks++
        maxBoth = Math.max(maxBoth, h.both)
        maxNone = Math.max(maxNone, h.none)
      }
      const t1 = now()
      const [ua1, ub1] = [usage(a.pid()), usage(b.pid())]
      Object.assign(s, {
        changes: stateLines(a, t0).length + stateLines(b, t0).length,
        checks, maxBoth, maxNone,
        masterCpuPct: ((ua1.cpuMs - ua0.cpuMs) / (t1 - t0)) * 100,
        backupCpuPct: ((ub1.cpuMs - ub0.cpuMs) / (t1 - t0)) * 100,
        masterRssKb: ua1.rssKb, backupRssKb: ub1.rssKb,
        loadEnd: loadNow(),
      })
      const off = wallOffset()
      const { files, dropped } = await cap.stop()
      cap = undefined
      s.captureDropped = dropped
      s.gaps = await advertGaps(files, t0 + off, t1 + off, masterIps())
    } catch (err) {
      s.error = err.message
    } finally {
      await cap?.stop()
      await stopAll(a, b)
    }
    out.push(s)
    console.log(`hold ${kind}: ${JSON.stringify(s)}`)
  }
  return out
}

// ---------- 3. fast adverts under stress ----------
async function metricsOf(d, port) {
  const r = await run('ip', ['netns', 'exec', lab.ns(d.host), 'curl', '-s', '--max-time', '5', `http://127.0.0.1:${port}/metrics`])
  const q = (quantile) => Number(new RegExp(`vrrpd_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)`).exec(r.stdout)?.[1]) * 1000
  return { p50: q('0.5'), p99: q('0.99'), max: q('1') }
}

async function fast() {
  const count = 20
  const out = []
  for (const kind of KINDS) {
    if (interrupted) break
    let a, b, cap
    const s = { kind, count, seconds: FAST_S }
    try {
      ;({ a, b } = await startPair(kind, count, { version: 3, advertInt: 0.01, ...(VRRP_RT_PRIORITY ? { extraGlobal: `  vrrp_rt_priority ${VRRP_RT_PRIORITY}\n` } : {}) }, { settleMs: 1000, vrrpdArgs: ['--metrics-listen', '127.0.0.1:9655'] }))
      cap = startCapture(lab, 'obs', work)
      await cap.ready()
      // Two CPU hogs for the 2 cores, started after the election: the question is whether they cause a failover.
      stress = spawn('stress-ng', ['--cpu', '2', '--timeout', `${FAST_S + 5}s`, '--quiet'], { stdio: 'ignore', detached: true })
      await sleep(500)
      const t0 = now()
      s.loadStart = loadNow()
      const delay0 = kind === 'vrrpd' ? await Promise.all([metricsOf(a, 9655), metricsOf(b, 9655)]) : undefined
      await sleep(FAST_S * 1000)
      const t1 = now()
      s.changes = stateLines(a, t0).length + stateLines(b, t0).length
      s.changeLines = [...stateLines(a, t0), ...stateLines(b, t0)].slice(0, 6).map((l) => l.text)
      if (kind === 'vrrpd') {
        const [da, db] = await Promise.all([metricsOf(a, 9655), metricsOf(b, 9655)])
        s.loopDelay = { master: da, backup: db, masterBefore: delay0[0], backupBefore: delay0[1] }
      }
      s.loadEnd = loadNow()
      try {
        process.kill(-stress.pid, 'SIGKILL')
      } catch {
        // ended
      }
      const off = wallOffset()
      const { files, dropped } = await cap.stop()
      cap = undefined
      s.captureDropped = dropped
      s.gaps = await advertGaps(files, t0 + off, t1 + off, masterIps())
    } catch (err) {
      s.error = err.message
    } finally {
      if (stress?.exitCode === null) {
        try {
          process.kill(-stress.pid, 'SIGKILL')
        } catch {
          // gone
        }
      }
      await cap?.stop()
      await stopAll(a, b)
    }
    out.push(s)
    console.log(`fast ${kind}: ${JSON.stringify(s)}`)
  }
  return out
}

// ---------- 4. big VIP sets ----------
/** `ip monitor address` lines "N: ethX inet A/32 scope global ethX" -> first time each A appeared. */
function addTimes(mon) {
  const t = new Map()
  for (const l of mon.lines) {
    const m = /^\d+: (eth\d+)\s+inet (\d+\.\d+\.\d+\.\d+)\//.exec(l.text)
    if (m && !l.text.startsWith('Deleted') && !t.has(`${m[2]}@${m[1]}`)) t.set(`${m[2]}@${m[1]}`, l.at)
  }
  return t
}

async function bigVips(kind, count, perInstance) {
  const vipsOf = (inst) => [...Array(perInstance).keys()].map((k) => `10.${100 + Math.floor(k / 250) + (count > 1 ? inst.vrid : 0)}.${(k % 250) + 1}.${count > 1 ? 1 : 1}/32`)
  // 500 VIPs: 10.100.1-250.1 and 10.101.1-250.1; 100 x 10: 10.(100+vrid).(1..10).1
  const s = { kind, count, perInstance }
  const mon = lab.spawn('a', 'ip-monitor@a', 'ip', ['monitor', 'address'])
  const cap = startCapture(lab, 'obs', work, 'arp or ip proto 112')
  let a
  try {
    await sleep(300)
    await cap.ready()
    a = startDaemon(lab, work, kind, 'a', renderConf({ count, ifaces: 1, priority: 200, vips: vipsOf }), vrrpdEnv())
    const all = await waitCount(a, 'MASTER', count, 60_000)
    if (all === undefined) throw new Error(`${countIn(a, 'MASTER')}/${count} MASTER after 60 s`)
    await sleep(4000) // the first GARP burst (garp_master_repeat 5, 1 a second... keepalived sends the 5 at once) and adverts meanwhile
    const masterAt = new Map()
    for (const l of a.proc.lines) {
      const m = /\((\S+)\) Entering MASTER STATE/.exec(l.text)
      if (m && !masterAt.has(m[1])) masterAt.set(m[1], l.at)
    }
    const adds = addTimes(mon)
    const off = wallOffset()
    const { files, dropped } = await cap.stop()
    s.captureDropped = dropped
    // First GARP per VIP and first advert per instance (wall clock -> bench clock).
    const garp = new Map()
    const firstAdvert = new Map()
    for (const f of files) {
      await readPcap(f, (ts, line) => {
        const m = /Request who-has (\d+\.\d+\.\d+\.\d+) (?:\(\S+\) )?tell \1/.exec(line) ?? /Reply (\d+\.\d+\.\d+\.\d+) is-at/.exec(line)
        if (m && !garp.has(m[1])) garp.set(m[1], ts - off)
        const adv = /IP (\S+) > \S+: VRRPv\d, Advertisement, vrid (\d+), prio (\d+)/.exec(line)
        if (adv && adv[1] === lab.ip('a', 0) && adv[3] !== '0' && !firstAdvert.has(`VI_${adv[2]}`)) firstAdvert.set(`VI_${adv[2]}`, ts - off)
      })
    }
    const toVips = []
    const toGarps = []
    const advertToVips = []
    const advertToGarps = []
    let missingVips = 0
    let missingGarps = 0
    for (const inst of layout(count, 1)) {
      const at = masterAt.get(inst.name)
      if (at === undefined) continue
      const list = vipsOf(inst).map((v) => v.split('/')[0])
      const addAt = list.map((v) => adds.get(`${v}@eth0`))
      const garpAt = list.map((v) => garp.get(v))
      missingVips += addAt.filter((x) => x === undefined).length
      missingGarps += garpAt.filter((x) => x === undefined).length
      const lastVip = Math.max(...addAt.filter((x) => x !== undefined))
      const lastGarp = Math.max(...garpAt.filter((x) => x !== undefined))
      toVips.push(lastVip - at)
      toGarps.push(lastGarp - at)
      const adv = firstAdvert.get(inst.name)
      if (adv !== undefined) advertToVips.push(lastVip - adv), advertToGarps.push(lastGarp - adv)
    }
    const firstMaster = Math.min(...masterAt.values())
    Object.assign(s, {
      missingVips, missingGarps,
      masterToAllVipsMs: { median: median(toVips), max: Math.max(...toVips) },
      masterToLastFirstGarpMs: { median: median(toGarps), max: Math.max(...toGarps) },
      advertToAllVipsMs: { median: median(advertToVips), max: Math.max(...advertToVips) },
      advertToLastFirstGarpMs: { median: median(advertToGarps), max: Math.max(...advertToGarps) },
      firstMasterToLastVipMs: Math.max(...adds.values()) - firstMaster,
      gaps: await advertGaps(files, (firstAdvert.size ? Math.min(...firstAdvert.values()) : firstMaster) + off, firstMaster + off + 4000, masterIps()),
      load: loadNow(),
    })
  } catch (err) {
    s.error = err.message
  } finally {
    await cap.stop().catch(() => {})
    await mon.stop('SIGTERM', 2000)
    await stopAll(a)
  }
  console.log(`vips ${count}x${perInstance} ${kind}: ${JSON.stringify(s)}`)
  return s
}

async function vips() {
  const out = []
  for (let rep = 0; rep < REPS && !interrupted; rep++) {
    for (const kind of order(rep)) {
      out.push({ rep, ...(await bigVips(kind, 1, 500)) })
      out.push({ rep, ...(await bigVips(kind, 100, 10)) })
    }
  }
  return out
}

// ---------- main ----------
// The commit measured: taken at the start (HEAD may move while a long run goes on).
const commit = (() => {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() ? ' (src modified)' : ''
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() + dirty
  } catch {
    return 'unknown'
  }
})()
const started = now()
const load0 = loadavg()
const results = {}
try {
  await pruneStaleNamespaces()
  work = mkdtempSync(join(tmpdir(), 'vrrpd-bench-scale-'))
  lab = await ScaleLab.create({ hosts: HOSTS, ifaces: IFACES })
  if (PARTS.includes('footprint')) results.footprint = await footprint()
  if (PARTS.includes('hold') && !interrupted) results.hold = await hold()
  if (PARTS.includes('fast') && !interrupted) results.fast = await fast()
  if (PARTS.includes('vips') && !interrupted) results.vips = await vips()
} finally {
  await cleanup()
}
if (interrupted) process.exit(130)

// ---------- report ----------
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a')
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
const range = (xs, fmt) => {
  const ok = xs.filter(Number.isFinite)
  if (!ok.length) return 'n/a'
  return ok.length === 1 ? fmt(ok[0]) : `${fmt(median(ok))} (${fmt(Math.min(...ok))}–${fmt(Math.max(...ok))})`
}
const ratio = (v, k) => (Number.isFinite(v) && Number.isFinite(k) && k > 0 ? (v / k).toFixed(2) : 'n/a')
const lines = []
if (results.footprint) {
  const F = results.footprint
  lines.push(`## 1. Footprint: pair a (priority 200, MASTER) / b (100, BACKUP), advert_int 1, ${FOOT_S} s from ${FOOT_SETTLE_S} s after every instance settled; ${REPS} sample(s) per daemon, alternating`, '')
  lines.push('| instances | side | vrrpd CPU ms / ' + FOOT_S + ' s | keepalived CPU ms / ' + FOOT_S + ' s | ratio (medians) | vrrpd % core | keepalived % core | vrrpd RSS MB | keepalived RSS MB | state changes in window (v / k) |', '|---|---|---|---|---|---|---|---|---|---|')
  for (const count of SIZES) {
    for (const [side, cpu, rss] of [['master', 'masterCpuMs', 'masterRssKb'], ['backup', 'backupCpuMs', 'backupRssKb']]) {
      const of = (kind, f) => F.filter((s) => s.kind === kind && s.count === count && !s.error).map((s) => s[f])
      const [vc, kc] = [of('vrrpd', cpu), of('keepalived', cpu)]
      const ch = (kind) => of(kind, 'changes').reduce((x, y) => x + y, 0)
      lines.push(`| ${count} | ${side} | ${range(vc, f0)} | ${range(kc, f0)} | ${ratio(median(vc), median(kc))} | ${f1(median(vc) / (FOOT_S * 10))} | ${f1(median(kc) / (FOOT_S * 10))} | ${range(of('vrrpd', rss).map((x) => x / 1024), f1)} | ${range(of('keepalived', rss).map((x) => x / 1024), f1)} | ${side === 'master' ? `${ch('vrrpd')} / ${ch('keepalived')}` : ''} |`)
    }
  }
  const errs = F.filter((s) => s.error)
  if (errs.length) lines.push('', ...errs.map((s) => `- ${s.count} #${s.rep + 1} ${s.kind}: ${s.error}`))
  lines.push('', `Load average (1 min) at each sample: ${F.map((s) => s.load).filter(Boolean).join(', ')}.`, '')
}
const gapCells = (g) => (g ? `${f1(g.p50)} / ${f1(g.p99)} / ${f1(g.max)} ms (${g.packets} adverts, ${g.instances} instances)` : 'n/a')
if (results.hold) {
  lines.push(`## 2. Hold: 1,000 instances (4 interfaces x 250 VRIDs, one VIP each), advert_int 1, ${HOLD_S} s, one run per daemon`, '')
  lines.push('| | ' + results.hold.map((s) => s.kind).join(' | ') + ' |', '|---|' + results.hold.map(() => '---|').join(''))
  const r = (label, fn) => lines.push(`| ${label} | ${results.hold.map((s) => (s.error ? `ERROR ${s.error}` : fn(s))).join(' | ')} |`)
  r('false state changes (both routers)', (s) => s.changes)
  r(`VIPs held by both (max over ${results.hold[0]?.checks ?? '?'} checks)`, (s) => s.maxBoth)
  r('VIPs held by none (max over the checks)', (s) => s.maxNone)
  r('advert gap p50 / p99 / max (capture on a third host)', (s) => gapCells(s.gaps))
  r('capture: packets dropped by the kernel', (s) => s.captureDropped)
  r('master CPU, % of a core', (s) => f1(s.masterCpuPct))
  r('backup CPU, % of a core', (s) => f1(s.backupCpuPct))
  r('RSS master / backup, MB', (s) => `${f1(s.masterRssKb / 1024)} / ${f1(s.backupRssKb / 1024)}`)
  r('load average at start / end', (s) => `${s.loadStart} / ${s.loadEnd}`)
  lines.push('')
}
if (results.fast) {
  lines.push(`## 3. Fast adverts under stress: VRRPv3 advert_int 0.01, 20 instances, ${FAST_S} s with \`stress-ng --cpu 2\` on the host`, '')
  lines.push('| | ' + results.fast.map((s) => s.kind).join(' | ') + ' |', '|---|' + results.fast.map(() => '---|').join(''))
  const r = (label, fn) => lines.push(`| ${label} | ${results.fast.map((s) => (s.error ? `ERROR ${s.error}` : fn(s))).join(' | ')} |`)
  r('false state changes (both routers)', (s) => s.changes)
  r('master advert gap p50 / p99 / max', (s) => gapCells(s.gaps))
  r('capture: packets dropped by the kernel', (s) => s.captureDropped)
  r('event-loop delay p99 / max, master (vrrpd /metrics, since start)', (s) => (s.loopDelay ? `${f1(s.loopDelay.master.p99)} / ${f1(s.loopDelay.master.max)} ms` : '— (not measured)'))
  r('event-loop delay p99 / max, backup', (s) => (s.loopDelay ? `${f1(s.loopDelay.backup.p99)} / ${f1(s.loopDelay.backup.max)} ms` : '—'))
  r('load average at start / end', (s) => `${s.loadStart} / ${s.loadEnd}`)
  const changed = results.fast.filter((s) => s.changeLines?.length)
  if (changed.length) lines.push('', ...changed.map((s) => `- ${s.kind}: ${s.changeLines.join(' · ')}`))
  lines.push('')
}
if (results.vips) {
  const V = results.vips
  lines.push(`## 4. Big VIP sets: one router alone, MASTER line -> VIPs on the interface (\`ip monitor address\` in its namespace) and -> each VIP's first GARP (capture on a third host); ${REPS} sample(s) per daemon`, '')
  lines.push('| case | daemon | MASTER line -> all its VIPs on eth0, ms | MASTER line -> last VIP\'s first GARP, ms | first advert as master -> all its VIPs, ms | first advert -> last VIP\'s first GARP, ms | first MASTER line -> last VIP of all, ms | advert gap max in the 4 s after MASTER | missing VIPs / GARPs |', '|---|---|---|---|---|---|---|---|---|')
  for (const [count, per] of [[1, 500], [100, 10]]) {
    for (const kind of KINDS) {
      const ss = V.filter((s) => s.kind === kind && s.count === count && !s.error)
      lines.push(`| ${count} x ${per} VIPs | ${kind} | ${range(ss.map((s) => s.masterToAllVipsMs.max), f0)} | ${range(ss.map((s) => s.masterToLastFirstGarpMs.max), f0)} | ${range(ss.map((s) => s.advertToAllVipsMs.max), f0)} | ${range(ss.map((s) => s.advertToLastFirstGarpMs.max), f0)} | ${range(ss.map((s) => s.firstMasterToLastVipMs), f0)} | ${range(ss.map((s) => s.gaps.max), f0)} ms | ${ss.map((s) => `${s.missingVips}/${s.missingGarps}`).join(', ')} |`)
    }
  }
  const errs = V.filter((s) => s.error)
  if (errs.length) lines.push('', ...errs.map((s) => `- ${s.count}x${s.perInstance} ${s.kind}: ${s.error}`))
  lines.push('')
}
const keepalivedVersion = (() => {
  const r = spawnSync('/usr/sbin/keepalived', ['-v'], { encoding: 'utf8' })
  return `${r.stdout}${r.stderr}`.split('\n')[0].trim() || 'keepalived'
})()
const date = new Date().toISOString()
const report = [
  `# scale bench: vrrpd vs keepalived (${date.slice(0, 10)}, ${PARTS.join(', ')})`,
  '',
  `Run ${date}, commit ${commit}, \`node bench/scale.mjs${args.length ? ' ' + args.join(' ') : ''}\`, ${Math.round((now() - started) / 1000)} s.${RT_PRIORITY ? ` Both daemons ran under \`chrt -r ${RT_PRIORITY}\` (SCHED_RR).` : ''}${VRRP_RT_PRIORITY ? ` The fast part's configs set \`vrrp_rt_priority ${VRRP_RT_PRIORITY}\`.` : ''}`,
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}, Node ${process.version}, ${keepalivedVersion}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at end (a 2-core VM shared with other sessions' builds and tests: both daemons ran under the same load, alternating).`,
  '',
  'CPU is on-CPU time from /proc/PID/task/*/schedstat summed over the process tree (keepalived: parent + VRRP child; vrrpd: every node thread); RSS is VmRSS summed the same way. A "state change" is an "Entering ... STATE" line after the pair settled.',
  '',
  ...lines,
]
console.log('\n' + report.join('\n'))
const out = option('--out', QUICK || flag('--no-write') ? undefined : fileURLToPath(new URL(`./results/scale-${date.slice(0, 10)}-${PARTS.join('-')}${PARTS.includes('footprint') ? `-${SIZES.join('-')}` : ''}${RT_PRIORITY ? `-rt${RT_PRIORITY}` : ''}.md`, import.meta.url)))
if (out) {
  writeFileSync(out, report.join('\n'))
  console.log(`written to ${out}`)
}
process.exit(0)
