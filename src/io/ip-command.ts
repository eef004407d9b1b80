/**
 * A promise around `ip ARGS...` (iproute2). No shell: arguments go to execFile
 * as they are, so an interface or label can never be read as shell syntax.
 */
import { execFile } from 'node:child_process'

export interface IpResult {
  /** Exit status 0. */
  ok: boolean
  stdout: string
  stderr: string
}

/** Runs `ip` with these arguments. */
export type IpRunner = (args: string[]) => Promise<IpResult>

export interface IpCommandOptions {
  /** The program; `ip` from PATH by default. */
  binary?: string
  /** Kill the command after this long (ms); a stuck netlink call must not stall the daemon. */
  timeoutMs?: number
}

/**
 * Runs `ip ARGS...` and resolves with its outcome; never rejects. A failure to
 * start (ip not installed), a timeout or a non-zero exit give `ok: false` with a
 * readable `stderr`.
 */
export function runIp(args: string[], opts: IpCommandOptions = {}): Promise<IpResult> {
  const binary = opts.binary ?? 'ip'
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const out = String(stdout ?? '')
      const err = String(stderr ?? '')
      if (!error) return resolve({ ok: true, stdout: out, stderr: err })
      const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }
      let reason = err.trim()
      if (e.code === 'ENOENT') reason = `${binary}: command not found (install iproute2)`
      else if (e.killed || e.signal) reason = reason || `${binary} ${args.join(' ')}: killed (${e.signal ?? 'timeout'})`
      else if (!reason) reason = `${binary} ${args.join(' ')}: ${e.message}`
      resolve({ ok: false, stdout: out, stderr: reason })
    })
  })
}
