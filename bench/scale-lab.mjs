// The lab of bench/scale.mjs: routers and an observer in network namespaces, each
// with IFACES veths (eth0..ethN-1), eth<i> of every host on bridge br<i> in a switch
// namespace of its own; nothing touches the host's interfaces. Also: configs for
// many instances, a daemon with its log lines stamped, RSS/CPU of a process tree,
// captures on the observer and their advert gaps, VIP holders.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { killNamespaceProcesses, run } from '../dist/lab/netns.js'
import { LoggedProcess } from '../dist/lab/proc.js'
import { daemonCommand } from '../dist/lab/daemon.js'

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export const now = () => performance.now()

async function must(cmd, argv) {
  const r = await run(cmd, argv, 30_000)
  if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.trim()}`)
  return r.stdout
}

/** `ip -n NS -batch -`: many commands in one process (a lab of 4 interfaces x 3 hosts is ~60 commands). */
async function batch(ns, lines) {
  const argv = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-']
  await new Promise((resolve, reject) => {
    const p = spawn('ip', argv, { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${argv.join(' ')}: ${err.trim()}`))))
    p.stdin.end(lines.join('\n') + '\n')
  })
}

let labCounter = 0
/** Hosts with `ifaces` interfaces each; host k has 10.9<i>.0.<11+k> on eth<i>. */
export class ScaleLab {
  procs = new Set()
  torn = false
  constructor(prefix, hosts, ifaces) {
    Object.assign(this, { prefix, hosts, ifaces })
  }
  static async create({ hosts, ifaces }) {
    // vrt-lab-<pid>-: pruneStaleNamespaces() (dist/lab/netns.js) removes these after a crash.
    const lab = new ScaleLab(`vrt-lab-${process.pid}-s${labCounter++}-`, hosts, ifaces)
    try {
      const sw = lab.ns('sw')
      await must('ip', ['netns', 'add', sw])
      for (const h of hosts) await must('ip', ['netns', 'add', lab.ns(h)])
      const root = []
      const swCmds = []
      for (let i = 0; i < ifaces; i++) swCmds.push(`link add br${i} type bridge`, `link set br${i} up`)
      await batch(sw, swCmds)
      for (const [k, h] of hosts.entries()) {
        const cmds = ['link set lo up']
        for (let i = 0; i < ifaces; i++) {
          root.push(`link add eth${i} netns ${lab.ns(h)} type veth peer name p${k}x${i} netns ${sw}`)
          cmds.push(`addr add ${lab.ip(h, i)}/24 dev eth${i}`, `link set eth${i} up`)
        }
        lab[`cmds_${h}`] = cmds
      }
      await batch(undefined, root)
      const ports = []
      for (const k of hosts.keys()) for (let i = 0; i < ifaces; i++) ports.push(`link set p${k}x${i} master br${i} up`)
      await batch(sw, ports)
      for (const h of hosts) await batch(lab.ns(h), lab[`cmds_${h}`])
    } catch (err) {
      await lab.teardown()
      throw err
    }
    return lab
  }
  ns(host) {
    return `${this.prefix}${host}`
  }
  ip(host, i) {
    return `10.9${i}.0.${11 + this.hosts.indexOf(host)}`
  }
  spawn(host, name, cmd, argv, env) {
    const p = LoggedProcess.spawn(name, 'ip', ['netns', 'exec', this.ns(host), cmd, ...argv], env)
    this.procs.add(p)
    void p.exited.then(() => this.procs.delete(p))
    return p
  }
  /** IPv4 addresses per interface of `host`. */
  async addresses(host) {
    const r = await run('ip', ['-n', this.ns(host), '-j', '-4', 'addr', 'show'])
    const out = new Set()
    for (const link of JSON.parse(r.stdout || '[]')) for (const a of link.addr_info ?? []) out.add(`${a.local}@${link.ifname}`)
    return out
  }
  async teardown() {
    if (this.torn) return
    this.torn = true
    await Promise.all([...this.procs].map((p) => p.stop('SIGTERM', 5000)))
    const names = [...this.hosts.map((h) => this.ns(h)), this.ns('sw')]
    await killNamespaceProcesses(names)
    for (const n of names) await run('ip', ['netns', 'del', n])
  }
}

// ---------- configs ----------
/** Instance n (1-based) of `count`: interface n % ifaces... spread as 250 VRIDs per interface. */
export function layout(count, ifaces) {
  const perIface = Math.ceil(count / ifaces)
  if (perIface > 255) throw new Error(`${count} instances do not fit ${ifaces} interfaces`)
  const out = []
  for (let n = 0; n < count; n++) out.push({ name: `VI_${n + 1}`, iface: Math.floor(n / perIface), vrid: (n % perIface) + 1 })
  return out
}

/**
 * One keepalived.conf for both daemons. `vips(inst)` lists an instance's VIPs
 * (default one /32 per instance: 10.(100+iface).(vrid).1).
 */
export function renderConf({ count, ifaces, priority, version = 2, advertInt = 1, vips, extraGlobal = '' }) {
  let out = `global_defs {\n  router_id scale\n  vrrp_version ${version}\n${extraGlobal}}\n`
  for (const inst of layout(count, ifaces)) {
    const list = vips ? vips(inst) : [`10.${100 + inst.iface}.${inst.vrid}.1/32`]
    const auth = version === 3 ? '' : '  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n'
    out += `vrrp_instance ${inst.name} {\n  state BACKUP\n  interface eth${inst.iface}\n  virtual_router_id ${inst.vrid}\n  priority ${priority}\n  advert_int ${advertInt}\n${auth}  virtual_ipaddress {\n${list.map((v) => `    ${v} dev eth${inst.iface}\n`).join('')}  }\n}\n`
  }
  return out
}

// ---------- daemons ----------
let runCounter = 0
/**
 * Starts `kind` in `host`; vrrpd gets `nodeArgs` (--cpu-prof) before its script and
 * `extraArgs` after; `rtPriority` runs either under `chrt -r` (SCHED_RR).
 */
export function startDaemon(lab, work, kind, host, conf, { nodeArgs = [], extraArgs = [], rtPriority } = {}) {
  const dir = join(work, `${kind}-${host}-${runCounter++}`)
  mkdirSync(dir)
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, conf)
  // VRRPD_MAIN: another build of vrrpd (an older commit's dist/main.js, for an A/B).
  const { cmd, args } = daemonCommand(kind, { configPath, runDir: dir, ...(process.env.VRRPD_MAIN ? { vrrpdMain: process.env.VRRPD_MAIN } : {}) })
  const spawnedAt = now()
  const argv = kind === 'vrrpd' ? [...nodeArgs, ...args, ...extraArgs] : args
  // chrt execs in place: the pid stays the daemon's.
  const proc = rtPriority ? lab.spawn(host, `${kind}@${host}`, 'chrt', ['-r', String(rtPriority), cmd, ...argv]) : lab.spawn(host, `${kind}@${host}`, cmd, argv)
  return { kind, host, proc, spawnedAt, dir, pid: () => proc.child.pid }
}

const STATE_LINE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/
/** State lines of `d` received after `since` (the "(init)" lines included). */
export function stateLines(d, since = 0) {
  return d.proc.lines.filter((l) => l.at >= since && STATE_LINE.test(l.text))
}
/** Instances whose last state line says `state`. */
export function countIn(d, state) {
  const last = new Map()
  for (const l of d.proc.lines) {
    const m = STATE_LINE.exec(l.text)
    if (m) last.set(m[1], m[2])
  }
  let n = 0
  for (const s of last.values()) if (s === state) n++
  return n
}
/** Waits until `n` instances of `d` are in `state`; returns the time, or undefined after `timeoutMs`. */
export async function waitCount(d, state, n, timeoutMs) {
  const end = now() + timeoutMs
  while (now() < end) {
    if (countIn(d, state) >= n) return now()
    if (d.proc.child.exitCode !== null) throw new Error(`${d.kind}@${d.host} exited: ${d.proc.lines.slice(-5).map((l) => l.text).join(' | ')}`)
    await sleep(200)
  }
  return undefined
}

// ---------- resources ----------
// RSS and on-CPU time of a daemon's process tree (the daemon is the child of
// `ip netns exec`, which execs in place: same pid).
export { usage } from './proc-usage.mjs'

// ---------- captures ----------
/** tcpdump on every interface of `host`, to pcap files; stop() returns the file names and kernel drops. */
export function startCapture(lab, host, dir, filter = 'ip proto 112') {
  const procs = []
  for (let i = 0; i < lab.ifaces; i++) {
    const file = join(dir, `${host}-eth${i}-${runCounter++}.pcap`)
    procs.push({ file, p: lab.spawn(host, `tcpdump@${host}:eth${i}`, 'tcpdump', ['-n', '-B', '16384', '-i', `eth${i}`, '-w', file, filter]) })
  }
  return {
    ready: () => Promise.all(procs.map(({ p }) => p.waitForLog(/listening on/, 10_000))),
    async stop() {
      await Promise.all(procs.map(({ p }) => p.stop('SIGTERM', 5000)))
      const dropped = procs.reduce((s, { p }) => s + Number(/(\d+) packets? dropped by kernel/.exec(p.lines.map((l) => l.text).join('\n'))?.[1] ?? 0), 0)
      return { files: procs.map((x) => x.file), dropped }
    },
  }
}

/** Reads a pcap through `tcpdump -r -tt`; calls `fn(tsMs, line)` per packet (wall-clock ms). */
export async function readPcap(file, fn) {
  const p = spawn('tcpdump', ['-r', file, '-n', '-tt'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const rl = createInterface({ input: p.stdout })
  for await (const line of rl) {
    const ts = Number(line.slice(0, line.indexOf(' ')))
    if (Number.isFinite(ts)) fn(ts * 1000, line)
  }
}

const ADVERT = /IP (\d+\.\d+\.\d+\.\d+) > \d+\.\d+\.\d+\.\d+: VRRPv\d, Advertisement, vrid (\d+), prio (\d+)/
/**
 * Gaps between consecutive adverts of one instance (interface, source, VRID) seen
 * in the pcaps, for packets in [fromWall, toWall] (wall-clock ms), from `sources`
 * (a Set of addresses; default any).
 */
export async function advertGaps(files, fromWall, toWall, sources) {
  const gaps = []
  const perInstanceMax = new Map()
  let packets = 0
  for (const [i, file] of files.entries()) {
    const last = new Map()
    await readPcap(file, (ts, line) => {
      if (ts < fromWall || ts > toWall) return
      const m = ADVERT.exec(line)
      if (!m || (sources && !sources.has(m[1]))) return
      packets++
      const key = `${i}|${m[1]}|${m[2]}`
      const prev = last.get(key)
      last.set(key, ts)
      if (prev !== undefined) {
        const g = ts - prev
        gaps.push(g)
        if (g > (perInstanceMax.get(key) ?? 0)) perInstanceMax.set(key, g)
      }
    })
  }
  gaps.sort((a, b) => a - b)
  return { packets, instances: perInstanceMax.size, gaps: gaps.length, p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), max: gaps[gaps.length - 1] ?? NaN }
}

export function quantile(sorted, q) {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}
export function median(xs) {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b)
  if (!s.length) return NaN
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** VIP holders: the addresses in `vips` held by each of `hosts`, and those held by more than one / none. */
export async function vipHolders(lab, hosts, vips) {
  const held = await Promise.all(hosts.map((h) => lab.addresses(h)))
  let both = 0
  let none = 0
  for (const v of vips) {
    const n = held.filter((s) => s.has(v)).length
    if (n > 1) both++
    if (n === 0) none++
  }
  return { both, none, perHost: held.map((s) => [...vips].filter((v) => s.has(v)).length) }
}
