/**
 * Runs one program (argv, no shell) as its own process group, with a timeout
 * that kills the whole group, so a check script's children (`curl`, `sleep`)
 * cannot outlive it. Used by the script tracker, the notify runner and the
 * notify FIFO script.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { performance } from 'node:perf_hooks'

/** The PATH scripts get: the usual system directories, nothing inherited. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** keepalived waits this long after SIGTERM before sending SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2000

export interface RunOptions {
  /** Kill the process group after this long; 0 = never. */
  timeoutMs: number
  /** Run as this user / group (ignored when equal to ours, so tests run unprivileged too). */
  uid?: number
  gid?: number
  /** The child's whole environment; default {@link scriptEnv}. */
  env?: Record<string, string>
  /** Time between SIGTERM and SIGKILL to the group; default {@link DEFAULT_KILL_GRACE_MS}. */
  killGraceMs?: number
  /** Aborting kills the group the same way a timeout does (used at shutdown). */
  signal?: AbortSignal
  /** Called with the pid once the child runs. */
  onSpawn?: (pid: number) => void
  /**
   * SIGKILL what is left of the process group once the leader exits: a check
   * script's job ends with it, and children it left behind (`cmd &`) would
   * otherwise pile up at every interval (issue 12). Not for notify scripts.
   */
  killGroupOnExit?: boolean
}

export interface RunResult {
  /** Exit status when the program exited on its own; null when killed or not started. */
  exitCode: number | null
  /** The signal that ended the program, if any. */
  signal: NodeJS.Signals | null
  timedOut: boolean
  durationMs: number
  /** Why the program could not run (`ENOENT: no such file`), or `aborted`. */
  error?: string
}

/** The shape of {@link runProcess}, so callers can inject a fake in tests. */
export type RunProcess = (argv: string[], opts: RunOptions) => Promise<RunResult>

/** A minimal, predictable environment: scripts must not depend on the daemon's. */
export function scriptEnv(): Record<string, string> {
  return { PATH: SCRIPT_PATH, LANG: 'C', HOME: '/' }
}

/**
 * Spawns `argv` detached (it leads a new process group) and resolves when it
 * exits. On timeout or abort: SIGTERM to the group, SIGKILL to the group after
 * the grace time if the leader is still alive, and SIGKILL to the group again
 * once the leader is gone (children that ignored SIGTERM), as keepalived does.
 * Never rejects and never throws: a failure to start is a result with `error`.
 */
export function runProcess(argv: string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now()
  const took = (): number => Math.round(performance.now() - started)
  const failed = (error: string): RunResult => ({ exitCode: null, signal: null, timedOut: false, durationMs: took(), error })
  if (argv.length === 0 || !argv[0]) return Promise.resolve(failed('empty command line'))
  if (opts.signal?.aborted) return Promise.resolve(failed('aborted'))

  return new Promise((resolve) => {
    const ids: { uid?: number; gid?: number } = {}
    // Only ask for a user switch when it is one: setuid needs privileges we may lack.
    if (opts.uid !== undefined && opts.uid !== process.getuid?.()) ids.uid = opts.uid
    if (opts.gid !== undefined && opts.gid !== process.getgid?.()) ids.gid = opts.gid
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        detached: true,
        stdio: 'ignore',
        cwd: '/',
        env: opts.env ?? scriptEnv(),
        ...ids,
      })
    } catch (e) {
      resolve(failed(errorText(e)))
      return
    }

    let done = false
    let timedOut = false
    let aborted = false
    let killing = false
    let timeout: NodeJS.Timeout | undefined
    let grace: NodeJS.Timeout | undefined
    const pid = child.pid

    const killGroup = (sig: NodeJS.Signals): void => {
      if (pid === undefined) return
      try {
        process.kill(-pid, sig)
      } catch {
        // ESRCH: the group is already gone.
      }
    }
    const startKilling = (): void => {
      if (killing || done) return
      killing = true
      killGroup('SIGTERM')
      grace = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS)
    }
    const onAbort = (): void => {
      aborted = true
      startKilling()
    }
    const finish = (result: RunResult): void => {
      if (done) return
      done = true
      clearTimeout(timeout)
      clearTimeout(grace)
      opts.signal?.removeEventListener('abort', onAbort)
      // The leader is gone; sweep what it left in its group after we asked it to stop.
      if (killing || opts.killGroupOnExit) killGroup('SIGKILL')
      resolve(result)
    }

    child.once('error', (e) => finish(failed(errorText(e))))
    child.once('exit', (code, signal) => {
      const result: RunResult = { exitCode: code, signal, timedOut, durationMs: took() }
      if (aborted && !timedOut) result.error = 'aborted'
      finish(result)
    })
    if (pid === undefined) return // spawn failed; 'error' follows
    opts.onSpawn?.(pid)
    if (opts.timeoutMs > 0) {
      timeout = setTimeout(() => {
        timedOut = true
        startKilling()
      }, opts.timeoutMs)
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * keepalived's words for how a run ended: `exited with status 1`,
 * `due to signal 9`, `timed_out`, or why it could not start.
 */
export function describeResult(r: RunResult): string {
  if (r.timedOut) return 'timed_out'
  if (r.error !== undefined) return r.error === 'aborted' ? 'aborted' : `could not run: ${r.error}`
  if (r.exitCode !== null) return `exited with status ${r.exitCode}`
  if (r.signal !== null) return `due to signal ${signalNumber(r.signal)}`
  return 'ended for an unknown reason'
}

function signalNumber(sig: NodeJS.Signals): number | string {
  return (constants.signals as Record<string, number | undefined>)[sig] ?? sig
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  if (err && typeof err === 'object' && err.code) {
    const what: Record<string, string> = {
      ENOENT: 'no such file',
      EACCES: 'permission denied',
      EPERM: 'not permitted to switch user',
      ENOEXEC: 'not an executable format',
    }
    return `${err.code}: ${what[err.code] ?? err.message}`
  }
  return err instanceof Error ? err.message : String(e)
}
