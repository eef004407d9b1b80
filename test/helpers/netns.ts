/**
 * A network lab for tests: hosts in their own network namespaces, each with
 * one veth `eth0` plugged into a bridge that lives in a namespace of its own,
 * so nothing is created in (or sent on) the machine's own namespace.
 *
 *     const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
 *     await lab.exec('a', 'ip', ['addr', 'add', `${lab.address(100)}/24`, 'dev', lab.iface('a')])
 *     const child = lab.node('b', 'test/fixtures/io/receiver.ts', [])
 *
 * Names are `vrt-<pid>-<rand>-<host>`; everything is removed at t.teardown, at
 * process exit and on SIGINT/SIGTERM, and namespaces left behind by dead test
 * processes are removed when the next lab starts.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes } from 'node:crypto'

/** The part of a tap Test the lab uses. */
export interface LabTest {
  teardown(fn: () => unknown): void
  fail(message: string): unknown
  plan(n: number, comment?: string): unknown
}

export interface LabOptions {
  /** Host names: short identifiers (letters, digits; at most 10 characters). */
  hosts: string[]
  /** Give each host an IPv6 address too, with DAD off; IPv6 is disabled otherwise, to keep its noise out. */
  ipv6?: boolean
}

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface Lab {
  /** Unique tag of this lab: part of every namespace name. */
  readonly id: string
  /** The IPv4 /24 of the lab's network, e.g. `10.213.7`. */
  readonly subnet: string
  readonly prefixLength: 24
  /** The namespace of a host (or `bridge`). */
  netns(host: string): string
  /** `${subnet}.${n}`: a free address in the lab network (hosts use .11 and up; .100-.199 are free for VIPs). */
  address(n: number): string
  ip(host: string): string
  /** The host's IPv6 address (only with `ipv6: true`). */
  ip6(host: string): string
  mac(host: string): string
  /** The host's interface on the lab network, inside its namespace (`eth0`). */
  iface(host: string): string
  ifindex(host: string): number
  /** Runs a command inside a host's namespace; rejects on a non-zero exit unless `allowFail`. */
  exec(host: string, cmd: string, args: string[], opts?: { allowFail?: boolean; timeoutMs?: number }): Promise<ExecResult>
  /** Starts a process inside a host's namespace; it is killed at teardown. */
  spawn(host: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess
  /** Starts `node script` inside a host's namespace (TypeScript scripts work, as under tap). */
  node(host: string, script: string, args: string[], opts?: SpawnOptions): ChildProcess
  /** Unplugs a host: its bridge port goes down, so its eth0 loses carrier. */
  cut(host: string): Promise<void>
  heal(host: string): Promise<void>
  /** The MAC the host's neighbour table has for `ip` (lowercase), if any. */
  neighbour(host: string, ip: string): Promise<string | undefined>
  /**
   * A second network: a direct veth pair between two hosts, with addresses from
   * another /24. Returns each side's interface name and address.
   */
  connect(a: string, b: string): Promise<Record<string, { iface: string; ip: string; ifindex: number }>>
  teardown(): Promise<void>
}

interface HostInfo {
  ns: string
  ip: string
  ip6: string
  mac: string
  ifindex: number
  peer: string
}

const live = new Set<{ namespaces: string[]; children: Set<ChildProcess> }>()
let handlersInstalled = false

function cleanupSync(entry: { namespaces: string[]; children: Set<ChildProcess> }): void {
  for (const c of entry.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const ns of entry.namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
    } catch {
      // already gone
    }
  }
  live.delete(entry)
}

function installHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', () => {
    for (const e of [...live]) cleanupSync(e)
  })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const e of [...live]) cleanupSync(e)
      process.exit(sig === 'SIGINT' ? 130 : 143)
    })
  }
}

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === 1 ? error.message : '') })
    })
  })
}

async function must(cmd: string, args: string[]): Promise<ExecResult> {
  const r = await run(cmd, args)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`)
  return r
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes namespaces of labs whose test process has died (a crash skips teardown). */
async function removeStaleNamespaces(): Promise<void> {
  const r = await run('ip', ['netns', 'list'])
  for (const line of r.stdout.split('\n')) {
    const m = /^(vrt-(\d+)-[0-9a-f]{4}-\S+)/.exec(line)
    if (m && !pidAlive(Number(m[2]))) await run('ip', ['netns', 'del', m[1]!])
  }
}

/** The argv that makes a child node run TypeScript the way tap runs this test. */
function nodeLoaderArgs(): string[] {
  return process.execArgv.filter((a) => a === '--enable-source-maps' || (a.startsWith('--import=') && a.includes('typescript')))
}

/**
 * Skips the calling test file when not root (namespaces need CAP_NET_ADMIN);
 * under CI (`CI=true`) that is a failure instead, so the lab tests cannot
 * silently stop running. Returns whether the tests may go on.
 */
export function requireRoot(t: LabTest): boolean {
  if (process.getuid?.() === 0) return true
  if (process.env.CI === 'true') {
    t.fail('lab tests need root (network namespaces); CI must run them as root')
  } else {
    t.plan(0, 'skipped: lab tests need root to create network namespaces')
  }
  return false
}

/**
 * {@link requireRoot} for a file whose other tests need no root (io adapters with
 * unit tests beside their lab tests): without root the lab part is one skipped
 * test and the unit tests still run (a plan(0) after them would fail the file);
 * under CI it is a failure, as for requireRoot.
 */
export function requireRootForLabPart(t: LabTest & { skip(name: string, cb: () => void): unknown }): boolean {
  if (process.getuid?.() === 0) return true
  if (process.env.CI === 'true') t.fail('lab tests need root (network namespaces); CI must run them as root')
  else t.skip('lab tests: need root to create network namespaces', () => {})
  return false
}

/** Creates a lab; it is torn down with the test. */
export async function createLab(t: LabTest, opts: LabOptions): Promise<Lab> {
  installHandlers()
  await removeStaleNamespaces()
  for (const h of opts.hosts) {
    if (!/^[a-z][a-z0-9]{0,9}$/i.test(h) || h === 'bridge') throw new Error(`lab host name must be 1-10 letters/digits (not "bridge"): ${h}`)
  }
  const rand = randomBytes(2)
  const id = `${process.pid}-${rand.toString('hex')}`
  // 10.200-254.x: per run, so captures or logs from concurrent labs are told apart.
  const x = 200 + (rand[0]! % 55)
  const y = rand[1]!
  const subnet = `10.${x}.${y}`
  const entry = { namespaces: [] as string[], children: new Set<ChildProcess>() }
  live.add(entry)
  const nsName = (h: string): string => `vrt-${id}-${h}`
  const bridgeNs = nsName('bridge')
  const hosts = new Map<string, HostInfo>()
  let connections = 0
  let tornDown = false

  const hostOf = (h: string): HostInfo => {
    const info = hosts.get(h)
    if (!info) throw new Error(`no host "${h}" in this lab (hosts: ${[...hosts.keys()].join(', ')})`)
    return info
  }

  async function addNamespace(ns: string, ipv6: boolean): Promise<void> {
    await must('ip', ['netns', 'add', ns])
    entry.namespaces.push(ns)
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    const sysctls = ipv6
      ? ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']
      : ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']
    await must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', ...sysctls])
  }

  const lab: Lab = {
    id,
    subnet,
    prefixLength: 24,
    netns: (h) => (h === 'bridge' ? bridgeNs : hostOf(h).ns),
    address: (n) => `${subnet}.${n}`,
    ip: (h) => hostOf(h).ip,
    ip6: (h) => {
      if (!opts.ipv6) throw new Error('lab created without ipv6: true')
      return hostOf(h).ip6
    },
    mac: (h) => hostOf(h).mac,
    iface: (h) => {
      hostOf(h) // an unknown host is an error here too
      return 'eth0'
    },
    ifindex: (h) => hostOf(h).ifindex,
    async exec(h, cmd, args, o = {}) {
      const r = await run('ip', ['netns', 'exec', lab.netns(h), cmd, ...args], o.timeoutMs)
      if (r.code !== 0 && !o.allowFail) throw new Error(`[${h}] ${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`)
      return r
    },
    spawn(h, cmd, args, o = {}) {
      const child = spawn('ip', ['netns', 'exec', lab.netns(h), cmd, ...args], { stdio: 'pipe', ...o })
      entry.children.add(child)
      child.on('exit', () => entry.children.delete(child))
      return child
    },
    node: (h, script, args, o) => lab.spawn(h, process.execPath, [...nodeLoaderArgs(), script, ...args], o),
    async cut(h) {
      await must('ip', ['-n', bridgeNs, 'link', 'set', hostOf(h).peer, 'down'])
    },
    async heal(h) {
      await must('ip', ['-n', bridgeNs, 'link', 'set', hostOf(h).peer, 'up'])
    },
    async neighbour(h, ip) {
      const r = await must('ip', ['-n', hostOf(h).ns, '-j', 'neigh', 'show', ip])
      const entries = JSON.parse(r.stdout || '[]') as { dst: string; lladdr?: string }[]
      return entries.find((e) => e.dst === ip)?.lladdr?.toLowerCase()
    },
    async connect(a, b) {
      const n = ++connections
      const net = `10.${x}.${(y + n) % 256}`
      const name = `eth${n}`
      await must('ip', ['-n', hostOf(a).ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', name, 'netns', hostOf(b).ns])
      const out: Record<string, { iface: string; ip: string; ifindex: number }> = {}
      for (const [i, h] of [a, b].entries()) {
        const ip = `${net}.${11 + i}`
        await must('ip', ['-n', hostOf(h).ns, 'addr', 'add', `${ip}/24`, 'dev', name])
        await must('ip', ['-n', hostOf(h).ns, 'link', 'set', name, 'up'])
        const link = JSON.parse((await must('ip', ['-n', hostOf(h).ns, '-j', 'link', 'show', name])).stdout) as { ifindex: number }[]
        out[h] = { iface: name, ip, ifindex: link[0]!.ifindex }
      }
      return out
    },
    async teardown() {
      if (tornDown) return
      tornDown = true
      const children = [...entry.children]
      for (const c of children) c.kill('SIGTERM')
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve()
              const timer = setTimeout(() => (c.kill('SIGKILL'), resolve()), 2000)
              c.once('exit', () => (clearTimeout(timer), resolve()))
            }),
        ),
      )
      for (const ns of [...entry.namespaces].reverse()) await run('ip', ['netns', 'del', ns])
      live.delete(entry)
    },
  }
  t.teardown(() => lab.teardown())

  try {
    await addNamespace(bridgeNs, false)
    await must('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0'])
    await must('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up'])
    for (const [i, h] of opts.hosts.entries()) {
      const ns = nsName(h)
      await addNamespace(ns, opts.ipv6 === true)
      const n = 11 + i
      const mac = `02:${x.toString(16)}:${y.toString(16).padStart(2, '0')}:00:00:${n.toString(16).padStart(2, '0')}`
      const peer = `v-${h}`
      // Both ends are created straight inside their namespaces: the machine's own never sees them.
      await must('ip', ['-n', bridgeNs, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns, 'address', mac])
      await must('ip', ['-n', bridgeNs, 'link', 'set', peer, 'master', 'br0', 'up'])
      const ip = `${subnet}.${n}`
      const ip6 = `fd00:${x.toString(16)}:${y.toString(16)}::${n.toString(16)}`
      await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
      if (opts.ipv6) await must('ip', ['-n', ns, '-6', 'addr', 'add', `${ip6}/64`, 'dev', 'eth0', 'nodad'])
      await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up'])
      const link = JSON.parse((await must('ip', ['-n', ns, '-j', 'link', 'show', 'eth0'])).stdout) as { ifindex: number }[]
      hosts.set(h, { ns, ip, ip6, mac, ifindex: link[0]!.ifindex, peer })
    }
  } catch (error) {
    await lab.teardown()
    throw error
  }
  return lab
}

/** Polls `check` until it returns a value other than undefined/false, or rejects after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
