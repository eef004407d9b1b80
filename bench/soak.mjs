// Soak: a vrrpd pair (a at 100, b at 90, advert_int 1) under random faults for a
// while (10 minutes by default), issue 12 "Must show". Faults: link flap, kill -9
// of the master and a restart, a SIGHUP burst, the VIP deleted from its holder,
// the holder's interface recycled (down/up), SIGUSR1/SIGUSR2 dumps.
// Every 10 s: RSS, open fds and child processes of each daemon, and the VIP holders;
// the holders are also polled every 250 ms. Verdict:
// - no growth trend: RSS, fds and children in the last third of the run no higher
//   than in the first third after a warm-up (RSS within 5 MB, fds within 2);
// - no moment with 0 or 2 holders lasting longer than 3 advert intervals once a
//   fault has settled (the fault's action complete).
//   node bench/soak.mjs [--seconds 600] [--gap 15] [--out FILE | --no-write]   (root, after npm run build)
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabNetwork, pruneStaleNamespaces, run } from '../dist/lab/netns.js'
import { startDaemon } from '../dist/lab/daemon.js'

const args = process.argv.slice(2)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const SECONDS = Number(option('--seconds', 600))
/** Faults come every GAP to 2*GAP seconds. */
const GAP = Number(option('--gap', 15))
const ADVERT_MS = 1000
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VRRPD_MAIN = join(ROOT, 'dist', 'main.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const now = () => performance.now()
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)]

function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return { ppid: Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) }
  } catch {
    return undefined
  }
}
function sampleProc(pid) {
  try {
    const parent = new Map()
    for (const e of readdirSync('/proc')) if (/^\d+$/.test(e)) parent.set(Number(e), procStat(e)?.ppid)
    const desc = [pid]
    for (let i = 0; i < desc.length; i++) for (const [p, pp] of parent) if (pp === desc[i]) desc.push(p)
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      children: desc.length - 1,
    }
  } catch {
    return { rssKb: NaN, fds: NaN, children: NaN }
  }
}

function conf(iface, priority, vip) {
  return `vrrp_instance VI_1 {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id 51\n  priority ${priority}\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)')
  await pruneStaleNamespaces()
  const work = mkdtempSync(join(tmpdir(), 'vrrpd-soak-'))
  const net = await LabNetwork.create({ hosts: ['a', 'b'], subnet: '10.78.0' })
  const vip = `${net.subnet}.100`
  const prio = { a: 100, b: 90 }
  const daemons = {}
  const start = (h) => {
    const dir = join(work, h)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'keepalived.conf'), conf(net.iface, prio[h], vip))
    daemons[h] = startDaemon(net, h, 'vrrpd', { configPath: join(dir, 'keepalived.conf'), runDir: dir, vrrpdMain: VRRPD_MAIN })
  }
  const holders = async () => {
    const out = []
    for (const h of ['a', 'b']) if ((await net.addresses(h)).includes(vip)) out.push(h)
    return out
  }
  const port = (h) => ['-n', `${net.prefix}sw`, 'link', 'set', `p${['a', 'b'].indexOf(h)}`]
  const faults = {
    'link flap': async (h) => {
      for (let i = 0; i < 6; i++) {
        await run('ip', [...port(h), 'down'])
        await sleep(500)
        await run('ip', [...port(h), 'up'])
        await sleep(500)
      }
    },
    'kill -9 and restart': async (h) => {
      daemons[h].proc.child.kill('SIGKILL')
      await daemons[h].proc.exited
      await sleep(2000)
      start(h)
      await daemons[h].waitForLog(/\(VI_1\) Entering (BACKUP|MASTER) STATE/, 20_000)
    },
    'SIGHUP burst': async (h) => {
      for (let i = 0; i < 20; i++) daemons[h].proc.child.kill('SIGHUP'), await sleep(50)
      await sleep(1000)
    },
    'VIP deleted': async (h) => {
      await net.exec(h, 'ip', ['addr', 'del', `${vip}/24`, 'dev', net.iface])
    },
    'interface recycle': async (h) => {
      await net.exec(h, 'ip', ['link', 'set', net.iface, 'down'])
      await sleep(1000)
      await net.exec(h, 'ip', ['link', 'set', net.iface, 'up'])
    },
    'dumps': async (h) => {
      daemons[h].proc.child.kill('SIGUSR1')
      daemons[h].proc.child.kill('SIGUSR2')
    },
  }

  const samples = []
  const events = []
  const violations = []
  let settledAt = 0
  let faultRunning = false
  let badSince
  const started = now()
  const t = () => Math.round((now() - started) / 100) / 10
  try {
    start('a')
    await daemons.a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 20_000)
    start('b')
    await daemons.b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 20_000)
    settledAt = now()
    const end = now() + SECONDS * 1000
    // The holder watch: 250 ms polls, a violation is a run of != 1 holders longer than
    // 3 advert intervals that starts after the last fault settled and no fault is running.
    const watch = (async () => {
      while (now() < end) {
        const h = await holders()
        const bad = h.length !== 1 && !faultRunning
        if (bad) {
          badSince ??= Math.max(now(), settledAt)
          if (now() - badSince > 3 * ADVERT_MS && !violations.some((v) => v.since === badSince)) violations.push({ since: badSince, at: t(), holders: h, after: events.at(-1)?.fault })
        } else badSince = undefined
        await sleep(250)
      }
    })()
    const sampler = (async () => {
      while (now() < end) {
        const row = { t: t(), holders: (await holders()).join('+') || 'none' }
        for (const h of ['a', 'b']) row[h] = sampleProc(daemons[h].proc.child.pid)
        samples.push(row)
        await sleep(10_000)
      }
    })()
    while (now() < end - 30_000) {
      await sleep((GAP + Math.random() * GAP) * 1000)
      const name = pick(Object.keys(faults))
      const current = (await holders())[0] ?? pick(['a', 'b'])
      const target = name === 'VIP deleted' || name === 'interface recycle' || name === 'kill -9 and restart' || name === 'link flap' ? current : pick(['a', 'b'])
      faultRunning = true
      badSince = undefined
      const at = t()
      try {
        await faults[name](target)
        events.push({ at, fault: name, host: target, ok: true })
      } catch (e) {
        events.push({ at, fault: name, host: target, ok: false, error: String(e).slice(0, 200) })
      }
      settledAt = now()
      faultRunning = false
    }
    await Promise.all([watch, sampler])
  } finally {
    await Promise.all(Object.values(daemons).map((d) => d.stop('SIGTERM', 3000)))
    await net.teardown()
    rmSync(work, { recursive: true, force: true })
  }

  // Growth trend: first third after a 60 s warm-up against the last third.
  const steady = samples.filter((s) => s.t >= 60)
  const third = Math.max(1, Math.floor(steady.length / 3))
  const avg = (rows, h, k) => rows.reduce((n, r) => n + r[h][k], 0) / rows.length
  const trend = {}
  let growthOk = steady.length >= 3
  for (const h of ['a', 'b']) {
    const first = steady.slice(0, third)
    const last = steady.slice(-third)
    trend[h] = Object.fromEntries(['rssKb', 'fds', 'children'].map((k) => [k, Math.round((avg(last, h, k) - avg(first, h, k)) * 10) / 10]))
    if (!(trend[h].rssKb < 5 * 1024 && trend[h].fds <= 2 && trend[h].children <= 1)) growthOk = false
  }
  const verdict = growthOk && violations.length === 0 ? 'PASS' : 'FAIL'
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  const md = [
    `# Soak: vrrpd pair under random faults, ${SECONDS} s, a fault every ${GAP}-${2 * GAP} s`,
    '',
    `Commit ${commit}, ${new Date().toISOString()}, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    '',
    `**Verdict: ${verdict}** (growth trend ${growthOk ? 'none' : 'FOUND or too few samples'}; holder violations: ${violations.length})`,
    '',
    `Growth, last third minus first third after 60 s (RSS KiB, fds, children): ${JSON.stringify(trend)}`,
    '',
    '## Faults',
    '',
    ...events.map((e) => `- ${e.at} s: ${e.fault} on ${e.host}${e.ok ? '' : ` (failed: ${e.error})`}`),
    '',
    '## Holder violations (0 or 2 holders > 3 advert intervals after a fault settled)',
    '',
    ...(violations.length ? violations.map((v) => `- at ${v.at} s: holders ${JSON.stringify(v.holders)} (after ${v.after ?? 'start'})`) : ['none']),
    '',
    '## Samples (every 10 s)',
    '',
    '| t (s) | holders | a RSS MB | a fds | a children | b RSS MB | b fds | b children |',
    '|---|---|---|---|---|---|---|---|',
    ...samples.map((s) => `| ${s.t} | ${s.holders} | ${(s.a.rssKb / 1024).toFixed(1)} | ${s.a.fds} | ${s.a.children} | ${(s.b.rssKb / 1024).toFixed(1)} | ${s.b.fds} | ${s.b.children} |`),
    '',
  ].join('\n')
  console.log(md)
  if (!args.includes('--no-write')) {
    const out = option('--out', join(ROOT, 'bench', 'results', `soak-${new Date().toISOString().slice(0, 10)}-${SECONDS}s.md`))
    writeFileSync(out, md)
    console.error(`wrote ${out}`)
  }
  process.exitCode = verdict === 'PASS' ? 0 : 1
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 2
})
