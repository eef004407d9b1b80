// Soak: a vrrpd pair (a at 100, b at 90, VRID 51) and, in the same lab as the
// reference, a keepalived 2.2.7 pair (ka at 100, kb at 90, VRID 52), under the same
// random faults for a while (10 minutes by default): issues 12 and 13 "Must show".
// Faults, each done to both pairs at once (to the VIP holder, or the same role):
// link flap, kill -9 of the holder and a restart, a SIGHUP burst, the VIP deleted
// from its holder, the holder's interface down/up, the holder's interface deleted and
// created again (same name, MAC and address, new ifindex), SIGUSR1/SIGUSR2 dumps.
// Every 10 s: RSS, open fds and child processes of each daemon, and the VIP holders;
// the holders are also polled every 250 ms. Verdict (vrrpd's; keepalived's figures are
// reported beside them):
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
import { Daemon, daemonCommand, startDaemon } from '../dist/lab/daemon.js'

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

function conf(iface, priority, vip, vrid) {
  return `vrrp_instance VI_1 {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id ${vrid}\n  priority ${priority}\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`
}

/** `ip ...` that must succeed. */
async function ip(args) {
  const r = await run('ip', args)
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`)
}

/** The pids whose parent is `pid`. */
function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)')
  await pruneStaleNamespaces()
  const work = mkdtempSync(join(tmpdir(), 'vrrpd-soak-'))
  const hosts = ['a', 'b', 'ka', 'kb']
  const net = await LabNetwork.create({ hosts, subnet: '10.78.0' })
  // The two pairs: vrrpd under test, keepalived 2.2.7 as the reference, same faults.
  const pairs = {
    vrrpd: { kind: 'vrrpd', hosts: ['a', 'b'], vip: `${net.subnet}.100`, vrid: 51 },
    keepalived: { kind: 'keepalived', hosts: ['ka', 'kb'], vip: `${net.subnet}.101`, vrid: 52 },
  }
  const pairNames = Object.keys(pairs)
  const prio = [100, 90]
  const daemons = {}
  const start = (pair, h) => {
    const p = pairs[pair]
    const dir = join(work, h)
    mkdirSync(dir, { recursive: true })
    const configPath = join(dir, 'keepalived.conf')
    writeFileSync(configPath, conf(net.iface, prio[p.hosts.indexOf(h)], p.vip, p.vrid))
    if (p.kind === 'vrrpd') {
      daemons[h] = startDaemon(net, h, 'vrrpd', { configPath, runDir: dir, vrrpdMain: VRRPD_MAIN })
    } else {
      // keepalived writes its dumps to $TMPDIR: its own, so other keepalived runs' /tmp files are left alone.
      const { cmd, args } = daemonCommand('keepalived', { configPath, runDir: dir })
      daemons[h] = new Daemon('keepalived', h, net.spawn(h, `keepalived@${h}`, cmd, args, { ...process.env, TMPDIR: dir }))
    }
  }
  const holders = async (pair) => {
    const out = []
    for (const h of pairs[pair].hosts) if ((await net.addresses(h)).includes(pairs[pair].vip)) out.push(h)
    return out
  }
  const port = (h) => `p${hosts.indexOf(h)}`
  const sw = `${net.prefix}sw`
  const faults = {
    'link flap': async (pair, h) => {
      for (let i = 0; i < 6; i++) {
        await run('ip', ['-n', sw, 'link', 'set', port(h), 'down'])
        await sleep(500)
        await run('ip', ['-n', sw, 'link', 'set', port(h), 'up'])
        await sleep(500)
      }
    },
    'kill -9 and restart': async (pair, h) => {
      const pid = daemons[h].proc.child.pid
      // keepalived's VRRP child first (it would otherwise see its parent go and stop cleanly).
      for (const c of childrenOf(pid)) process.kill(c, 'SIGKILL')
      daemons[h].proc.child.kill('SIGKILL')
      await daemons[h].proc.exited
      await sleep(2000)
      start(pair, h)
      await daemons[h].waitForLog(/\(VI_1\) Entering (BACKUP|MASTER) STATE/, 20_000)
    },
    'SIGHUP burst': async (pair, h) => {
      for (let i = 0; i < 20; i++) daemons[h].proc.child.kill('SIGHUP'), await sleep(50)
      await sleep(1000)
    },
    'VIP deleted': async (pair, h) => {
      await net.exec(h, 'ip', ['addr', 'del', `${pairs[pair].vip}/24`, 'dev', net.iface])
    },
    'interface down/up': async (pair, h) => {
      await net.exec(h, 'ip', ['link', 'set', net.iface, 'down'])
      await sleep(1000)
      await net.exec(h, 'ip', ['link', 'set', net.iface, 'up'])
    },
    // Deleted and created again: same name, MAC and address, a new ifindex (a VLAN or bond
    // rebuilt, a VM NIC hot-plugged). Deleting one end of the veth pair deletes the other.
    'interface recreated': async (pair, h) => {
      const ns = net.ns(h)
      await ip(['-n', ns, 'link', 'del', net.iface])
      await sleep(1000)
      await ip(['link', 'add', net.iface, 'netns', ns, 'address', net.mac(h), 'type', 'veth', 'peer', 'name', port(h), 'netns', sw])
      await ip(['-n', sw, 'link', 'set', port(h), 'master', 'br0', 'up'])
      await ip(['-n', ns, 'addr', 'add', `${net.ip(h)}/24`, 'dev', net.iface])
      await ip(['-n', ns, 'link', 'set', net.iface, 'up'])
    },
    'dumps': async (pair, h) => {
      daemons[h].proc.child.kill('SIGUSR1')
      daemons[h].proc.child.kill('SIGUSR2')
    },
  }
  const onHolder = new Set(['VIP deleted', 'interface down/up', 'interface recreated', 'kill -9 and restart', 'link flap'])

  const samples = []
  const events = []
  const violations = Object.fromEntries(pairNames.map((p) => [p, []]))
  let settledAt = 0
  let faultRunning = false
  const badSince = {}
  const started = now()
  const t = () => Math.round((now() - started) / 100) / 10
  try {
    for (const pair of pairNames) start(pair, pairs[pair].hosts[0])
    for (const pair of pairNames) await daemons[pairs[pair].hosts[0]].waitForLog(/\(VI_1\) Entering MASTER STATE/, 20_000)
    for (const pair of pairNames) start(pair, pairs[pair].hosts[1])
    for (const pair of pairNames) await daemons[pairs[pair].hosts[1]].waitForLog(/\(VI_1\) Entering BACKUP STATE/, 20_000)
    settledAt = now()
    const end = now() + SECONDS * 1000
    // The holder watch: 250 ms polls, a violation is a run of != 1 holders longer than
    // 3 advert intervals that starts after the last fault settled and no fault is running.
    const watch = (async () => {
      while (now() < end) {
        for (const pair of pairNames) {
          const h = await holders(pair)
          const bad = h.length !== 1 && !faultRunning
          if (bad) {
            badSince[pair] ??= Math.max(now(), settledAt)
            if (now() - badSince[pair] > 3 * ADVERT_MS && !violations[pair].some((v) => v.since === badSince[pair])) violations[pair].push({ since: badSince[pair], at: t(), holders: h, after: events.at(-1)?.fault })
          } else badSince[pair] = undefined
        }
        await sleep(250)
      }
    })()
    const sampler = (async () => {
      while (now() < end) {
        const row = { t: t() }
        for (const pair of pairNames) row[pair] = (await holders(pair)).join('+') || 'none'
        for (const h of hosts) row[h] = sampleProc(daemons[h].proc.child.pid)
        samples.push(row)
        await sleep(10_000)
      }
    })()
    while (now() < end - 30_000) {
      await sleep((GAP + Math.random() * GAP) * 1000)
      const name = pick(Object.keys(faults))
      const role = Math.floor(Math.random() * 2)
      const targets = {}
      for (const pair of pairNames) {
        const current = (await holders(pair))[0] ?? pairs[pair].hosts[role]
        targets[pair] = onHolder.has(name) ? current : pairs[pair].hosts[role]
      }
      faultRunning = true
      for (const pair of pairNames) badSince[pair] = undefined
      const at = t()
      const results = await Promise.allSettled(pairNames.map((pair) => faults[name](pair, targets[pair])))
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${pairNames[i]}: ${String(r.reason).slice(0, 200)}`] : []))
      events.push({ at, fault: name, hosts: pairNames.map((p) => targets[p]).join(' and '), ok: failed.length === 0, error: failed.join('; ') })
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
  for (const h of hosts) {
    const first = steady.slice(0, third)
    const last = steady.slice(-third)
    trend[h] = Object.fromEntries(['rssKb', 'fds', 'children'].map((k) => [k, Math.round((avg(last, h, k) - avg(first, h, k)) * 10) / 10]))
    if (pairs.vrrpd.hosts.includes(h) && !(trend[h].rssKb < 5 * 1024 && trend[h].fds <= 2 && trend[h].children <= 1)) growthOk = false
  }
  const verdict = growthOk && violations.vrrpd.length === 0 ? 'PASS' : 'FAIL'
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  const violationLines = (pair) => (violations[pair].length ? violations[pair].map((v) => `- at ${v.at} s: holders ${JSON.stringify(v.holders)} (after ${v.after ?? 'start'})`) : ['none'])
  const mb = (s, h) => (s[h].rssKb / 1024).toFixed(1)
  const md = [
    `# Soak: vrrpd pair and keepalived 2.2.7 pair under the same random faults, ${SECONDS} s, a fault every ${GAP}-${2 * GAP} s`,
    '',
    `Commit ${commit}, ${new Date().toISOString()}, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    '',
    `**Verdict (vrrpd): ${verdict}** (growth trend ${growthOk ? 'none' : 'FOUND or too few samples'}; holder violations: ${violations.vrrpd.length}). keepalived 2.2.7, the reference, same faults: ${violations.keepalived.length} holder violations.`,
    '',
    `Growth, last third minus first third after 60 s (RSS KiB, fds, children; a, b vrrpd; ka, kb keepalived with its VRRP child): ${JSON.stringify(trend)}`,
    '',
    '## Faults (vrrpd host and keepalived host)',
    '',
    ...events.map((e) => `- ${e.at} s: ${e.fault} on ${e.hosts}${e.ok ? '' : ` (failed: ${e.error})`}`),
    '',
    '## Holder violations (0 or 2 holders > 3 advert intervals after a fault settled)',
    '',
    'vrrpd:',
    '',
    ...violationLines('vrrpd'),
    '',
    'keepalived (reference):',
    '',
    ...violationLines('keepalived'),
    '',
    '## Samples (every 10 s)',
    '',
    '| t (s) | vrrpd holders | keepalived holders | a RSS MB | a fds | b RSS MB | b fds | ka RSS MB | kb RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...samples.map((s) => `| ${s.t} | ${s.vrrpd} | ${s.keepalived} | ${mb(s, 'a')} | ${s.a.fds} | ${mb(s, 'b')} | ${s.b.fds} | ${mb(s, 'ka')} | ${mb(s, 'kb')} |`),
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
