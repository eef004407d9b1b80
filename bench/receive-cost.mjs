// What one received packet costs a single running vrrpd (issues 9 and 12): one
// daemon (MASTER, one instance) in a lab, a third host floods it with the hostile
// mix of bench/flood-sender.mjs, and V8's own GC trace (--trace-gc-nvp, its
// `allocated=` and `promoted=` per collection) says how many bytes the daemon
// allocated and promoted per packet it read. Also: on-CPU time per packet read
// (every thread), RssAnon / RssFile growth, and the share of packets read (the
// rest the kernel dropped from the full socket buffer).
//   node bench/receive-cost.mjs [--packets N] [--pps N] [--kinds K,K] [--main PATH] [--node-args=A,B] [--label TEXT]
// Root, after `npm run build`. --main runs another build (e.g. a copy of an older
// dist/ inside the checkout, so node_modules resolves), to compare builds in one session.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabNetwork, pruneStaleNamespaces } from '../dist/lab/netns.js'
import { startDaemon } from '../dist/lab/daemon.js'
import { queryControlSocket } from '../dist/daemon/control-socket.js'
import { usage } from './proc-usage.mjs'

const args = process.argv.slice(2)
const option = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt)
const PACKETS = Number(option('--packets', 300_000))
const PPS = Number(option('--pps', 20_000))
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MAIN = option('--main', join(ROOT, 'dist', 'main.js'))
const LABEL = option('--label', MAIN)
/** Comma-separated kinds of bench/flood-sender.mjs (default: all of them). */
const KINDS = option('--kinds', 'vrid,auth,ttl,version,checksum,random,mutated').split(',')
const NODE_ARGS = (args.find((a) => a.startsWith('--node-args='))?.slice('--node-args='.length) ?? '').split(',').filter(Boolean)
const SENDER = join(ROOT, 'bench', 'flood-sender.mjs')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const conf = (iface) =>
  `vrrp_instance VI_1 {\n  state BACKUP\n  interface ${iface}\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    10.78.0.100/24\n  }\n}\n`

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)
  return { anonKb: kb('RssAnon'), fileKb: kb('RssFile') }
}

/** Resident kB per mapped file (and per kind of anonymous mapping), from /proc/PID/smaps. */
function residentByMapping(pid) {
  const out = new Map()
  let name = ''
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) name = head[1] || '[anon]'
    else if (line.startsWith('Rss:')) out.set(name, (out.get(name) ?? 0) + Number(line.split(/\s+/)[1]))
  }
  return out
}

async function drops(dir) {
  const r = await queryControlSocket(join(dir, 'vrrpd.sock'))
  if (!r.ok) throw new Error(`control socket: ${r.error}`)
  const sum = (o) => Object.values(o).reduce((n, v) => n + (v ?? 0), 0)
  return sum(r.status.unattributedDrops) + r.status.instances.reduce((n, i) => n + sum(i.stats.dropped), 0)
}

/** Sums `allocated=` and `promoted=` over the GC trace lines logged in [from, to]. */
function gcTotals(lines, from, to) {
  let allocated = 0
  let promoted = 0
  let scavenges = 0
  let fullGcs = 0
  for (const l of lines) {
    if (l.at < from || l.at > to) continue
    const a = /\ballocated=(\d+)/.exec(l.text)
    if (!a) continue
    allocated += Number(a[1])
    promoted += Number(/\bpromoted=(\d+)/.exec(l.text)?.[1] ?? 0)
    if (/\bgc=s\b/.test(l.text)) scavenges++
    else fullGcs++
  }
  return { allocated, promoted, scavenges, fullGcs }
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)')
  await pruneStaleNamespaces()
  const work = mkdtempSync(join(tmpdir(), 'vrrpd-receive-cost-'))
  const net = await LabNetwork.create({ hosts: ['a', 'x'], subnet: '10.78.0' })
  let d
  try {
    const dir = join(work, 'a')
    mkdirSync(dir)
    writeFileSync(join(dir, 'keepalived.conf'), conf(net.iface))
    d = startDaemon(net, 'a', 'vrrpd', { configPath: join(dir, 'keepalived.conf'), runDir: dir, vrrpdMain: MAIN, nodeArgs: ['--trace-gc-nvp', ...NODE_ARGS] })
    await d.waitForLog(/\(VI_1\) Entering MASTER STATE/, 30_000)
    await sleep(3000)
    const pid = d.proc.child.pid
    const load = loadavg().map((x) => x.toFixed(2)).join(' ')
    const before = { ...usage(pid), ...memory(pid), drops: await drops(dir) }
    const mappingsBefore = residentByMapping(pid)
    const t0 = performance.now()
    const sender = net.spawn('x', 'flood@x', process.execPath, [SENDER, JSON.stringify({ iface: net.iface, count: PACKETS, pps: PPS, vrid: 51, pass: 's3cret', kinds: KINDS, captures: '/work/shared/captures' })])
    await sender.exited
    await sleep(500) // the socket buffer drains
    const t1 = performance.now()
    const after = { ...usage(pid), ...memory(pid), drops: await drops(dir) }
    const grown = [...residentByMapping(pid)].map(([k, v]) => [k, v - (mappingsBefore.get(k) ?? 0)]).filter(([, d]) => Math.abs(d) >= 256)
    const sent = JSON.parse(sender.lines.find((l) => l.text.startsWith('{')).text)
    const read = after.drops - before.drops
    const gc = gcTotals(d.proc.lines, t0, t1)
    const result = {
      label: LABEL,
      kinds: KINDS.join(','),
      nodeArgs: NODE_ARGS.join(' ') || 'none',
      load,
      sent: sent.sent,
      pps: sent.pps,
      read,
      readShare: Math.round((read / sent.sent) * 1000) / 10,
      bytesPerPacket: Math.round(gc.allocated / read),
      promotedPerPacket: Math.round((gc.promoted / read) * 10) / 10,
      scavenges: gc.scavenges,
      fullGcs: gc.fullGcs,
      cpuUsPerPacket: Math.round(((after.cpuMs - before.cpuMs) * 1000) / read * 10) / 10,
      anonGrowthMb: Math.round((after.anonKb - before.anonKb) / 102.4) / 10,
      fileGrowthMb: Math.round((after.fileKb - before.fileKb) / 102.4) / 10,
      /** Mappings whose resident size changed by 256 kB or more (kB). */
      grownMappings: Object.fromEntries(grown),
    }
    console.log(JSON.stringify(result))
  } finally {
    await d?.stop('SIGTERM', 3000)
    await net.teardown()
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
