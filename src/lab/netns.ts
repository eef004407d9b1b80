/**
 * The demo lab's own small network builder: one namespace per host, each with an
 * `eth0` joined to a bridge that lives in a namespace of its own, so nothing ever
 * touches the host's interfaces. Deliberately self-contained (the demo runs for
 * users from dist/, without the test helpers).
 */
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { LoggedProcess } from './proc.js'

/** Result of a command run to completion. */
export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

/** Run `cmd args` and collect its output; never rejects (code -1 when it could not start). */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout, stderr: stderr || (err && code === -1 ? err.message : '') })
    })
  })
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`)
  return r.stdout
}

/** Namespace names are `vrt-lab-<pid>-<n>-<host>`: unique per process and per lab. */
const NS_ROOT = 'vrt-lab-'
let labCounter = 0

/**
 * SIGKILLs whatever still runs in the namespaces `names`. Children the processes
 * forked themselves (keepalived's VRRP child, nginx workers) would outlive a
 * SIGKILLed parent: end them by pid before the namespaces are deleted.
 */
export async function killNamespaceProcesses(names: readonly string[]): Promise<void> {
  for (const n of names) {
    const pids = (await run('ip', ['netns', 'pids', n])).stdout.split(/\s+/).filter(Boolean)
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}

/** Delete namespaces left by lab runs whose process is gone (a crash or SIGKILL). */
export async function pruneStaleNamespaces(): Promise<string[]> {
  let names: string[] = []
  try {
    names = readdirSync('/run/netns')
  } catch {
    return []
  }
  const stale = names.filter((n) => {
    const m = /^vrt-lab-(\d+)-/.exec(n)
    if (!m) return false
    try {
      process.kill(Number(m[1]), 0)
      return false
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH'
    }
  })
  for (const n of stale) await run('ip', ['netns', 'del', n])
  return stale
}

/** Options of {@link LabNetwork.create}. */
export interface NetworkOptions {
  /** Host names, e.g. ['client', 'web-a', 'web-b']. */
  hosts: string[]
  /** The /24 the hosts share, as its first three octets (default '10.77.0'). */
  subnet?: string
  /** Last octet of the first host's address (default 11); the others follow. */
  firstOctet?: number
}

/** Hosts on one bridged LAN, each in its own network namespace. */
export class LabNetwork {
  readonly iface = 'eth0'
  private readonly macs = new Map<string, string>()
  private readonly procs = new Set<LoggedProcess>()
  private torn = false

  private constructor(
    readonly prefix: string,
    readonly subnet: string,
    private readonly addrs: Map<string, string>,
  ) {}

  /** Build the namespaces, the bridge and the links; on failure, remove what was made. */
  static async create(opts: NetworkOptions): Promise<LabNetwork> {
    const prefix = `${NS_ROOT}${process.pid}-${labCounter++}-`
    const subnet = opts.subnet ?? '10.77.0'
    const first = opts.firstOctet ?? 11
    const addrs = new Map(opts.hosts.map((h, i) => [h, `${subnet}.${first + i}`]))
    const net = new LabNetwork(prefix, subnet, addrs)
    try {
      await net.build(opts.hosts)
    } catch (err) {
      await net.teardown()
      throw err
    }
    return net
  }

  private get bridgeNs(): string {
    return `${this.prefix}sw`
  }

  private async build(hosts: string[]): Promise<void> {
    const sw = this.bridgeNs
    await must('ip', ['netns', 'add', sw])
    await must('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge'])
    await must('ip', ['-n', sw, 'link', 'set', 'br0', 'up'])
    for (const [i, host] of hosts.entries()) {
      const ns = this.ns(host)
      const port = `p${i}`
      await must('ip', ['netns', 'add', ns])
      // Both ends are created directly inside their namespaces: no name can clash
      // with, and no packet can leak onto, the host's own interfaces.
      await must('ip', ['link', 'add', this.iface, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', sw])
      await must('ip', ['-n', sw, 'link', 'set', port, 'master', 'br0', 'up'])
      await must('ip', ['-n', ns, 'addr', 'add', `${this.ip(host)}/24`, 'dev', this.iface])
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
      await must('ip', ['-n', ns, 'link', 'set', this.iface, 'up'])
      const link = JSON.parse(await must('ip', ['-n', ns, '-j', 'link', 'show', this.iface])) as Array<{ address: string }>
      this.macs.set(host, link[0]!.address)
    }
  }

  /** The namespace name of `host`. */
  ns(host: string): string {
    if (!this.addrs.has(host)) throw new Error(`no host ${host} in this lab`)
    return `${this.prefix}${host}`
  }

  /** The IPv4 address of `host` on the LAN. */
  ip(host: string): string {
    const a = this.addrs.get(host)
    if (!a) throw new Error(`no host ${host} in this lab`)
    return a
  }

  /** The MAC address of `host`'s eth0. */
  mac(host: string): string {
    const m = this.macs.get(host)
    if (!m) throw new Error(`no host ${host} in this lab`)
    return m
  }

  /** Run a command inside `host`'s namespace to completion. */
  exec(host: string, cmd: string, args: string[], timeoutMs?: number): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.ns(host), cmd, ...args], timeoutMs)
  }

  /** Start a long-running command inside `host`'s namespace; teardown() stops it. */
  spawn(host: string, name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): LoggedProcess {
    // `ip netns exec` execs the command in place, so the child's pid is the command's.
    const p = LoggedProcess.spawn(name, 'ip', ['netns', 'exec', this.ns(host), cmd, ...args], env)
    this.procs.add(p)
    void p.exited.then(() => this.procs.delete(p))
    return p
  }

  /** `host`'s neighbour entry for `ip`: its MAC (if any) and NUD state. */
  async neighbour(host: string, ip: string): Promise<{ mac?: string; state?: string }> {
    const r = await run('ip', ['-n', this.ns(host), '-j', 'neigh', 'show', 'to', ip, 'dev', this.iface])
    if (r.code !== 0) return {}
    const [entry] = JSON.parse(r.stdout || '[]') as Array<{ lladdr?: string; state?: string[] }>
    return entry ? { mac: entry.lladdr, state: entry.state?.join(',') } : {}
  }

  /** The IPv4 addresses on `host`'s eth0 (e.g. to see whether it holds the VIP). */
  async addresses(host: string): Promise<string[]> {
    const r = await run('ip', ['-n', this.ns(host), '-j', '-4', 'addr', 'show', 'dev', this.iface])
    if (r.code !== 0) return []
    const [link] = JSON.parse(r.stdout || '[]') as Array<{ addr_info?: Array<{ local: string }> }>
    return (link?.addr_info ?? []).map((a) => a.local)
  }

  /** Stop every process started here, then delete the namespaces. Idempotent. */
  async teardown(): Promise<void> {
    if (this.torn) return
    this.torn = true
    await Promise.all([...this.procs].map((p) => p.stop('SIGTERM', 3000)))
    const names = [...this.addrs.keys()].map((h) => this.ns(h))
    await killNamespaceProcesses(names)
    for (const n of [...names, this.bridgeNs]) await run('ip', ['netns', 'del', n])
  }
}
