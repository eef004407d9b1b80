/**
 * Helpers for the runtime lab tests (reload, signals, notify, tracking): a
 * vrrpd whose private directory outlives the process (so the test can look
 * at the pid file and script output after the exit), scratch directories,
 * scripts, multi-instance configs and fast address sampling in a namespace.
 *
 *     const dir = scratchDir(t, 'notify')
 *     const a = startRuntimeVrrpd(t, lab, 'a', { config: renderConf({ instances: [...] }) })
 *     const sampler = startAddressSampler(lab, 'a')
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Daemon, daemonCommand } from '../../src/lab/daemon.js'
import { LoggedProcess, type LogLine } from '../../src/lab/proc.js'
import type { StatusView } from '../../src/daemon/status-files.js'
import { queryControlSocket } from '../../src/daemon/control-socket.js'
import type { Lab, LabTest } from './netns.js'
import { ensureBuilt } from './vrrpd.js'

/** A private directory, removed at the test's teardown. */
export function scratchDir(t: Pick<LabTest, 'teardown'>, tag: string): string {
  // mkdtemp makes it 0700 and root's: scripts in it pass keepalived's security check.
  const dir = mkdtempSync(join(tmpdir(), `vrt-rt-${tag}-`))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes an executable shell script (`#!/bin/sh` prepended) and returns its path. */
export function writeScript(path: string, body: string, mode = 0o755): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, mode) // explicit: the umask must not decide the security check
  return path
}

/** The lines of a file, or [] when it does not exist yet. */
export function fileLines(path: string): string[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')
}

/** One vrrp_instance of {@link renderConf}. */
export interface InstanceSpec {
  name: string
  iface: string
  vrid: number
  priority: number
  vips: string[]
  state?: 'MASTER' | 'BACKUP'
  /** Extra lines inside the block. */
  extra?: string[]
}

/** A keepalived.conf with several instances, PASS auth, advert_int 1, plus free-form blocks. */
export function renderConf(c: { global?: string[]; blocks?: string[]; instances: InstanceSpec[] }): string {
  const global = `global_defs {\n${(c.global ?? []).map((l) => `  ${l}\n`).join('')}}\n`
  const instances = c.instances.map(
    (i) => `vrrp_instance ${i.name} {
  state ${i.state ?? 'BACKUP'}
  interface ${i.iface}
  virtual_router_id ${i.vrid}
  priority ${i.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
${i.vips.map((v) => `    ${v}\n`).join('')}  }
${(i.extra ?? []).map((l) => `  ${l}\n`).join('')}}
`,
  )
  return [global, ...(c.blocks ?? []), ...instances].join('\n')
}

/** vrrpd started by {@link startRuntimeVrrpd}. */
export interface RuntimeVrrpd extends Daemon {
  readonly dir: string
  readonly configPath: string
  readonly pidFile: string
  readonly socketPath: string
  writeConfig(config: string): void
  /** Sends a signal (name or number) to the daemon process. */
  signal(sig: NodeJS.Signals | number): void
  /** SIGUSR1, then keepalived.data and keepalived_parent.data once both are written. */
  dataFiles(timeoutMs?: number): Promise<{ data: string; parent: string }>
  /** keepalived's SIGJSON (SIGRTMIN+2), then keepalived.json's text. */
  jsonFile(timeoutMs?: number): Promise<string>
  /** SIGUSR2, then keepalived.stats. */
  statsFile(timeoutMs?: number): Promise<string>
  /** Lines logged at or after `since` (performance.now() ms). */
  linesSince(since: number): LogLine[]
  /** The first line matching `re` logged at or after `since`. */
  find(re: RegExp, since?: number): LogLine | undefined
  /** `vrrpd status` over the control socket. */
  status(): Promise<StatusView>
}

/**
 * vrrpd in `host`, in the foreground with its own pid file, status socket and
 * $TMPDIR in `dir` (a scratch dir by default). Unlike test/helpers/vrrpd.ts the
 * dir is kept after the exit (until teardown), so a test can check what the
 * daemon left behind.
 */
export function startRuntimeVrrpd(t: Pick<LabTest, 'teardown'>, lab: Pick<Lab, 'spawn'>, host: string, opts: { config: string; dir?: string }): RuntimeVrrpd {
  const vrrpdMain = ensureBuilt()
  const dir = opts.dir ?? scratchDir(t, `vrrpd-${host}`)
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, opts.config)
  const { cmd, args } = daemonCommand('vrrpd', { configPath, runDir: dir, vrrpdMain })
  const child = lab.spawn(host, cmd, [...args, '--log-level', 'debug'], { env: { ...process.env, TMPDIR: dir } })
  const proc = new LoggedProcess(`vrrpd@${host}`, child)
  const daemon = new Daemon('vrrpd', host, proc)

  async function waitForFiles(names: string[], sig: NodeJS.Signals | number, timeoutMs: number): Promise<string[]> {
    const paths = names.map((n) => join(dir, n))
    for (const p of paths) rmSync(p, { force: true })
    // process.kill: ChildProcess.kill refuses real-time signal numbers.
    process.kill(child.pid!, sig)
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      // Written via rename: a file that exists is complete.
      if (paths.every((p) => existsSync(p))) return paths.map((p) => readFileSync(p, 'utf8'))
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`vrrpd@${host} wrote no ${names.join(' + ')} within ${timeoutMs} ms after ${sig}\n${proc.tail()}`)
  }

  return Object.assign(daemon, {
    dir,
    configPath,
    pidFile: join(dir, 'vrrpd.pid'),
    socketPath: join(dir, 'vrrpd.sock'),
    writeConfig: (config: string) => writeFileSync(configPath, config),
    signal: (sig: NodeJS.Signals | number) => void process.kill(child.pid!, sig),
    dataFiles: async (timeoutMs = 3000) => {
      const [data, parent] = await waitForFiles(['keepalived.data', 'keepalived_parent.data'], 'SIGUSR1', timeoutMs)
      return { data: data!, parent: parent! }
    },
    jsonFile: async (timeoutMs = 3000) => (await waitForFiles(['keepalived.json'], 36, timeoutMs))[0]!,
    statsFile: async (timeoutMs = 3000) => (await waitForFiles(['keepalived.stats'], 'SIGUSR2', timeoutMs))[0]!,
    linesSince: (since: number) => proc.lines.filter((l) => l.at >= since),
    find: (re: RegExp, since?: number) => proc.find(re, since === undefined ? {} : { since }),
    status: async () => {
      const r = await queryControlSocket(join(dir, 'vrrpd.sock'))
      if (!r.ok) throw new Error(r.error)
      return r.status as StatusView
    },
  })
}

/** The IPv4 addresses on `dev` in `host` (`ip -j addr`). */
export async function addressesOn(lab: Pick<Lab, 'exec'>, host: string, dev = 'eth0'): Promise<string[]> {
  const r = await lab.exec(host, 'ip', ['-j', '-4', 'addr', 'show', 'dev', dev])
  return parseIpJson(r.stdout)
}

function parseIpJson(text: string): string[] {
  const links = JSON.parse(text || '[]') as Array<{ addr_info?: Array<{ local: string }> }>
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local))
}

/** One sample of {@link startAddressSampler}: when the parent read it, and the addresses. */
export interface AddressSample {
  at: number
  addrs: string[]
}

/**
 * Samples `ip -j addr show dev DEV` in `host` back to back (a shell loop in the
 * namespace, a few ms apart), each sample stamped with the parent's clock (the
 * same clock as the daemons' log lines).
 */
export function startAddressSampler(lab: Pick<Lab, 'spawn'>, host: string, dev = 'eth0'): { samples: AddressSample[]; stop(): Promise<void> } {
  const loop = `while :; do ip -j -4 addr show dev ${dev} || exit 1; echo; sleep 0.005; done`
  const proc = new LoggedProcess(`sampler@${host}`, lab.spawn(host, 'sh', ['-c', loop]))
  const samples: AddressSample[] = []
  let read = 0
  const collect = (): void => {
    for (; read < proc.lines.length; read++) {
      const l = proc.lines[read]!
      if (l.stream !== 'stdout' || !l.text.startsWith('[')) continue
      samples.push({ at: l.at, addrs: parseIpJson(l.text) })
    }
  }
  proc.child.stdout?.on('data', () => setImmediate(collect))
  return {
    samples,
    stop: async () => {
      await proc.stop('SIGTERM', 2000)
      collect()
    },
  }
}

/** `ip -o monitor address` in `host`: every address added or deleted, as stamped lines. */
export function startAddressMonitor(lab: Pick<Lab, 'spawn'>, host: string): LoggedProcess {
  return new LoggedProcess(`monitor@${host}`, lab.spawn(host, 'ip', ['-o', 'monitor', 'address']))
}
