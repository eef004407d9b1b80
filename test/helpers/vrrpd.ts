/**
 * vrrpd itself in a lab host, the way users run it: the built entry point
 * (dist/main.js, rebuilt first when src/ is newer), in the foreground, with its
 * own pid file, status socket and $TMPDIR (for keepalived.data / .stats).
 *
 *     const a = startVrrpd(lab, 'a', { config: renderKeepalivedConf(...) })
 *     await a.waitForLog(/Entering MASTER STATE/, 8000)
 *     const stats = await a.statsFile()          // SIGUSR2 -> keepalived.stats
 *     const status = await a.status()            // `vrrpd status`
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Daemon, daemonCommand } from '../../src/lab/daemon.js'
import { LoggedProcess } from '../../src/lab/proc.js'
import { queryControlSocket } from '../../src/daemon/control-socket.js'
import type { StatusView } from '../../src/daemon/status-files.js'
import type { Lab } from './netns.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = join(ROOT, 'dist', 'main.js')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

let built = false
/** Builds dist/ when it is missing or older than src/, once per test process. */
export function ensureBuilt(): string {
  if (built) return MAIN
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < newestMtime(join(ROOT, 'src'))) {
    // tsc emits even when it reports type errors; the type check itself is `npm run typecheck`.
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' })
    if (!existsSync(MAIN)) throw new Error(`building vrrpd failed (tsc exit ${r.status})`)
  }
  built = true
  return MAIN
}

/** Run vrrpd as this unprivileged user, with only the capabilities the systemd unit grants. */
export interface NonRoot {
  uid: number
  gid: number
  /** The capabilities it keeps (default the hardened drop-in's: net_admin, net_raw). */
  caps?: string[]
}

export interface Vrrpd extends Daemon {
  readonly dir: string
  readonly configPath: string
  /** Replace the config file (then `reload()` to apply it). */
  writeConfig(config: string): void
  /** SIGHUP. */
  reload(): void
  /** SIGUSR2, then the keepalived.stats text once written. */
  statsFile(timeoutMs?: number): Promise<string>
  /** keepalived's SIGJSON (SIGRTMIN+2), then keepalived.json parsed (keepalived's format). */
  dataJson(timeoutMs?: number): Promise<Array<{ data: Record<string, unknown>; stats: Record<string, number> }>>
  /** `vrrpd status` over the control socket. */
  status(): Promise<StatusView>
}

/**
 * The environment systemd gives a system service without `User=` or `Environment=`
 * (systemd.exec(5), "Environment variables in spawned processes"): its default PATH,
 * the locale, and the per-invocation variables. vrrpd's unit adds NOTIFY_SOCKET,
 * WATCHDOG_USEC and DAEMON_ARGS (the test's `env`).
 */
export const SYSTEMD_SERVICE_ENV: Readonly<NodeJS.ProcessEnv> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  INVOCATION_ID: '0123456789abcdef0123456789abcdef',
}

export interface StartVrrpdOptions {
  config: string
  extraArgs?: string[]
  nonRoot?: NonRoot
  /** Added to the environment (after TMPDIR). */
  env?: NodeJS.ProcessEnv
  /** Start from SYSTEMD_SERVICE_ENV instead of the test runner's environment (tap's NODE_OPTIONS and all). */
  serviceEnv?: boolean
  /** The config file's mode (default 0644 per the umask): 0600 as a keepalived.conf holding auth_pass. */
  configMode?: number
}

/** Starts vrrpd in `host` with `config` (keepalived.conf text). */
export function startVrrpd(lab: Pick<Lab, 'spawn'>, host: string, opts: StartVrrpdOptions): Vrrpd {
  const vrrpdMain = ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), `vrt-vrrpd-${host}-`))
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, opts.config, opts.configMode !== undefined ? { mode: opts.configMode } : {})
  if (opts.configMode !== undefined) chmodSync(configPath, opts.configMode)
  const { cmd, args } = daemonCommand('vrrpd', { configPath, runDir: dir, vrrpdMain })
  const argv = [cmd, ...args, '--log-level', 'debug', ...(opts.extraArgs ?? [])]
  if (opts.nonRoot) chownSync(dir, opts.nonRoot.uid, opts.nonRoot.gid)
  // As the hardened systemd unit runs it: an unprivileged user with only CAP_NET_ADMIN and CAP_NET_RAW.
  const [run, ...runArgs] = opts.nonRoot
    ? ((caps) => ['setpriv', `--reuid=${opts.nonRoot!.uid}`, `--regid=${opts.nonRoot!.gid}`, '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`, `--bounding-set=-all,${caps}`, ...argv])(
        (opts.nonRoot.caps ?? ['net_admin', 'net_raw']).map((c) => `+${c}`).join(','),
      )
    : argv
  const env = { ...(opts.serviceEnv ? SYSTEMD_SERVICE_ENV : process.env), TMPDIR: dir, ...opts.env }
  // tap's process-info hook adds its loaders to NODE_OPTIONS of every child it sees spawned;
  // `env -i` gives vrrpd exactly the service's environment.
  const child = opts.serviceEnv
    ? lab.spawn(host, 'env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), run!, ...runArgs], { env })
    : lab.spawn(host, run!, runArgs, { env })
  const proc = new LoggedProcess(`vrrpd@${host}`, child)
  void proc.exited.then(() => rmSync(dir, { recursive: true, force: true }))
  const daemon = new Daemon('vrrpd', host, proc)

  async function waitForFile(name: string, signal: NodeJS.Signals | number, timeoutMs: number): Promise<string> {
    const path = join(dir, name)
    rmSync(path, { force: true })
    process.kill(child.pid!, signal)
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (existsSync(path)) return readFileSync(path, 'utf8')
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`vrrpd@${host} wrote no ${name} within ${timeoutMs} ms after ${signal}`)
  }

  return Object.assign(daemon, {
    dir,
    configPath,
    writeConfig: (config: string) => writeFileSync(configPath, config),
    reload: () => void child.kill('SIGHUP'),
    statsFile: (timeoutMs = 3000) => waitForFile('keepalived.stats', 'SIGUSR2', timeoutMs),
    dataJson: async (timeoutMs = 3000) => JSON.parse(await waitForFile('keepalived.json', 36, timeoutMs)) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>,
    status: async () => {
      const r = await queryControlSocket(join(dir, 'vrrpd.sock'))
      if (!r.ok) throw new Error(r.error)
      return r.status as StatusView
    },
  })
}
