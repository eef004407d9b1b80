// A hostile flood against a running pair, vrrpd and keepalived 2.2.7 side by side
// (issue 12 "Must show"): a third host sends 1M packets (unknown VRIDs from 65,000
// spoofed sources, wrong auth_pass, TTL 64, version 1, bad checksums, random bytes,
// mutated captured adverts) at a MASTER (priority 100) and a BACKUP (90); then a
// 10 s flood at up to 100k packets/s for CPU. Measured per daemon: role changes,
// VIP holders, RSS growth, log lines per minute, CPU, and for vrrpd the drop
// counters against the packets sent (kernel socket-buffer drops shown apart).
//   node bench/flood.mjs [--packets N] [--pps N] [--cpu-pps N] [--cpu-seconds S] [--captures DIR] [--node-args=A,B]
//                        [--main PATH] [--daemons vrrpd,keepalived] [--out FILE | --no-write]
// --main runs another vrrpd build (a copy of an older dist/ inside the checkout, so
// node_modules resolves) to compare builds in one session; --daemons floods only some.
// Runs as root after `npm run build`; everything happens in network namespaces.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabNetwork, pruneStaleNamespaces } from '../dist/lab/netns.js'
import { startDaemon } from '../dist/lab/daemon.js'
import { queryControlSocket } from '../dist/daemon/control-socket.js'
import { VRRPD_NODE_FLAGS } from '../dist/node-flags.js'
import { procStat, processTree } from './proc-usage.mjs'

const args = process.argv.slice(2)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const PACKETS = Number(option('--packets', 1_000_000))
const PPS = Number(option('--pps', 20_000))
const CPU_PPS = Number(option('--cpu-pps', 100_000))
const CPU_SECONDS = Number(option('--cpu-seconds', 10))
const CAPTURES = option('--captures', '/work/shared/captures')
/** Node options for vrrpd (e.g. `--node-args=--max-semi-space-size=1`, comma-separated) to measure a V8 flag. */
const NODE_ARGS = (args.find((a) => a.startsWith('--node-args='))?.slice('--node-args='.length) ?? '').split(',').filter(Boolean)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SENDER = join(ROOT, 'bench', 'flood-sender.mjs')
const VRRPD_MAIN = option('--main', join(ROOT, 'dist', 'main.js'))
const DAEMONS = option('--daemons', 'vrrpd,keepalived').split(',')
const KINDS = ['vrid', 'auth', 'ttl', 'version', 'checksum', 'random', 'mutated']
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const now = () => performance.now()

/** RSS (KiB) and CPU (ms) of `pid` and its descendants (keepalived: parent + VRRP child). */
function usage(pid) {
  const pids = processTree(pid)
  let rssKb = 0
  let anonKb = 0
  let fileKb = 0
  let cpuMs = 0
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8')
      rssKb += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
      // RssAnon is the daemon's own memory; RssFile its binary's and libraries' pages
      // it has touched (shared, clean: node's optimising compiler, first used by the flood).
      anonKb += Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
      fileKb += Number(/RssFile:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
      cpuMs += procStat(p)?.cpuMs ?? 0
    } catch {
      // ended meanwhile
    }
  }
  return { rssKb, anonKb, fileKb, cpuMs }
}

function conf(iface, priority, vip) {
  return `vrrp_instance VI_1 {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id 51\n  priority ${priority}\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`
}

async function kernelDrops(net, host) {
  const r = await net.exec(host, 'cat', ['/proc/net/raw'])
  return r.stdout.split('\n').slice(1).filter((l) => /^\s*\d+: [0-9A-F]{8}:0070 /.test(l)).reduce((n, l) => n + Number(l.trim().split(/\s+/).at(-1)), 0)
}
async function vrrpdDrops(dir) {
  const r = await queryControlSocket(join(dir, 'vrrpd.sock'))
  if (!r.ok) return NaN
  const sum = (o) => Object.values(o).reduce((n, v) => n + (v ?? 0), 0)
  return sum(r.status.unattributedDrops) + r.status.instances.reduce((n, i) => n + sum(i.stats.dropped), 0)
}
async function holders(net, vip) {
  const out = []
  for (const h of ['a', 'b']) if ((await net.addresses(h)).some((a) => a === vip || a.startsWith(`${vip}/`))) out.push(h)
  return out
}

async function flood(net, spec) {
  const p = net.spawn('x', 'flood@x', process.execPath, [SENDER, JSON.stringify({ iface: net.iface, vrid: 51, pass: 's3cret', captures: CAPTURES, kinds: KINDS, ...spec })])
  await p.exited
  const line = p.lines.find((l) => l.text.startsWith('{'))
  if (!line) throw new Error(`flood sender failed: ${p.lines.map((l) => l.text).join('\n')}`)
  return JSON.parse(line.text)
}

async function measure(kind, work) {
  const net = await LabNetwork.create({ hosts: ['a', 'b', 'x'], subnet: '10.77.0' })
  const vip = `${net.subnet}.100`
  const dirs = {}
  const start = (host, priority) => {
    const dir = (dirs[host] = join(work, `${kind}-${host}`))
    mkdirSync(dir)
    writeFileSync(join(dir, 'keepalived.conf'), conf(net.iface, priority, vip))
    return startDaemon(net, host, kind, { configPath: join(dir, 'keepalived.conf'), runDir: dir, vrrpdMain: VRRPD_MAIN, nodeArgs: NODE_ARGS })
  }
  const d = {}
  try {
    d.a = start('a', 100)
    await d.a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 20_000)
    d.b = start('b', 90)
    await d.b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 20_000)
    await sleep(3000)
    const row = { kind, hosts: {}, loadAtStart: loadavg().map((x) => x.toFixed(2)).join(' ') }
    const before = {}
    for (const h of ['a', 'b']) {
      before[h] = { ...usage(d[h].proc.child.pid), drops: kind === 'vrrpd' ? await vrrpdDrops(dirs[h]) : NaN, kernel: await kernelDrops(net, h) }
    }
    const t0 = now()
    row.flood = await flood(net, { count: PACKETS, pps: PPS })
    await sleep(12_000) // the last summary window closes
    const minutes = (now() - t0) / 60_000
    for (const h of ['a', 'b']) {
      const u = usage(d[h].proc.child.pid)
      const lines = d[h].proc.lines.filter((l) => l.at >= t0)
      row.hosts[h] = {
        rssBeforeKb: before[h].rssKb,
        rssGrowthKb: u.rssKb - before[h].rssKb,
        anonGrowthKb: u.anonKb - before[h].anonKb,
        fileGrowthKb: u.fileKb - before[h].fileKb,
        cpuMs: Math.round(u.cpuMs - before[h].cpuMs),
        logLines: lines.length,
        linesPerMinute: Math.round((lines.length / minutes) * 10) / 10,
        transitions: lines.filter((l) => /Entering \w+ STATE/.test(l.text)).length,
        counted: kind === 'vrrpd' ? (await vrrpdDrops(dirs[h])) - before[h].drops : undefined,
        kernelDropped: (await kernelDrops(net, h)) - before[h].kernel,
        sampleLines: lines.slice(0, 4).map((l) => l.text.slice(0, 200)),
      }
    }
    row.holders = await holders(net, vip)
    // CPU under the fastest flood we can send, up to CPU_PPS.
    const cpu0 = { a: usage(d.a.proc.child.pid).cpuMs, b: usage(d.b.proc.child.pid).cpuMs }
    const t1 = now()
    row.cpuFlood = await flood(net, { count: CPU_PPS * CPU_SECONDS, pps: CPU_PPS })
    const secs = (now() - t1) / 1000
    for (const h of ['a', 'b']) row.hosts[h].cpuPercentAtFlood = Math.round(((usage(d[h].proc.child.pid).cpuMs - cpu0[h]) / 10 / secs) * 10) / 10
    await sleep(1500)
    row.holdersAfterCpuFlood = await holders(net, vip)
    row.transitionsAfterCpuFlood = ['a', 'b'].map((h) => d[h].proc.lines.filter((l) => l.at >= t1 && /Entering \w+ STATE/.test(l.text)).length)
    return row
  } finally {
    await Promise.all(Object.values(d).map((x) => x.stop('SIGTERM', 3000)))
    await net.teardown()
  }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)')
  await pruneStaleNamespaces()
  const work = mkdtempSync(join(tmpdir(), 'vrrpd-flood-bench-'))
  const load = loadavg().map((x) => x.toFixed(2)).join(' ')
  const rows = []
  try {
    for (const kind of DAEMONS) {
      console.error(`flooding a ${kind} pair...`)
      rows.push(await measure(kind, work))
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ')
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  const md = render(rows, { commit, load, loadAfter })
  console.log(md)
  if (!args.includes('--no-write')) {
    const out = option('--out', join(ROOT, 'bench', 'results', `flood-${new Date().toISOString().slice(0, 10)}.md`))
    writeFileSync(out, md)
    console.error(`wrote ${out}`)
  }
}

function render(rows, meta) {
  const out = [
    `# Hostile flood: vrrpd vs keepalived 2.2.7`,
    '',
    `Commit ${meta.commit}${VRRPD_MAIN === join(ROOT, 'dist', 'main.js') ? '' : ` (vrrpd from ${VRRPD_MAIN})`}, ${new Date().toISOString()}, ${cpus().length} CPUs, Linux ${release()}, Node ${process.version}; vrrpd's node options: ${[...VRRPD_NODE_FLAGS, ...NODE_ARGS].join(' ') || 'none'} (its own, src/node-flags.ts, then --node-args).`,
    `Load average (1/5/15 min) before: ${meta.load}; after: ${meta.loadAfter}.`,
    `Flood: ${PACKETS.toLocaleString('en-US')} packets at up to ${PPS.toLocaleString('en-US')}/s from one host, kinds ${KINDS.join(', ')}, 65,000 spoofed sources; then ${CPU_SECONDS} s at up to ${CPU_PPS.toLocaleString('en-US')}/s for CPU.`,
    '',
    '| daemon | host | sent (pps) | role changes | VIP holders after | RSS before | RSS growth (anon / file) | log lines | lines/min | counted by daemon | kernel socket drops | counted + kernel = sent? | CPU during flood | CPU % at fast flood (pps) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of rows) {
    for (const h of ['a', 'b']) {
      const x = r.hosts[h]
      out.push(`| ${r.kind} | ${h} (${h === 'a' ? 'MASTER 100' : 'BACKUP 90'}) | ${r.flood.sent.toLocaleString('en-US')} (${r.flood.pps}) | ${x.transitions} | ${r.holders.join(',') || 'none'} | ${(x.rssBeforeKb / 1024).toFixed(1)} MB | ${(x.rssGrowthKb / 1024).toFixed(1)} MB (${(x.anonGrowthKb / 1024).toFixed(1)} / ${(x.fileGrowthKb / 1024).toFixed(1)}) | ${x.logLines} | ${x.linesPerMinute} | ${x.counted ?? 'n/a (not counted)'} | ${x.kernelDropped} | ${x.counted === undefined ? 'n/a' : x.counted + x.kernelDropped === r.flood.sent ? 'yes' : `no (${x.counted + x.kernelDropped})`} | ${x.cpuMs} ms | ${x.cpuPercentAtFlood} (${r.cpuFlood.pps}) |`)
    }
  }
  out.push('', 'Load average when each pair was flooded: ' + rows.map((r) => `${r.kind}: ${r.loadAtStart}`).join('; ') + '.')
  out.push('', 'VIP holders after the fast flood: ' + rows.map((r) => `${r.kind}: ${r.holdersAfterCpuFlood.join(',') || 'none'} (role changes ${r.transitionsAfterCpuFlood.join('/')})`).join('; '), '')
  out.push('First log lines during the flood:', '')
  for (const r of rows) for (const h of ['a', 'b']) out.push(`- ${r.kind} ${h}:`, ...r.hosts[h].sampleLines.map((l) => `  - \`${l}\``))
  out.push('', '```json', JSON.stringify(rows, null, 1), '```', '')
  return out.join('\n')
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
