/**
 * Reading a config without putting the protocol at its mercy. A reload parses in
 * a child process (config-child.ts) with a memory limit and a time budget, so a
 * config that includes a FIFO, expands a macro bomb or holds a 150k-digit number
 * can only cost that process: adverts keep their schedule on our loop, and a
 * parse that fails, hangs past its budget or runs out of memory is abandoned with
 * its reason, leaving the running config in place.
 *
 * A process, not a worker thread: a worker blocked in a system call (open(2) of a
 * FIFO with no writer) cannot be terminated, and Node then hangs at exit waiting
 * for it, so SIGTERM would never finish. A process can be killed, and dies with
 * vrrpd (PR_SET_PDEATHSIG).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LoadResult } from '../config/index.js'

export interface IsolatedLoadOptions {
  configId?: string
  /** Abandon the parse after this long (default 10 s). */
  timeoutMs?: number
  /** The parser's V8 heap limit (default 512 MB). */
  maxMemoryMb?: number
  /** The parser script; config-child by default (tests give one that misbehaves). */
  script?: string
}

export type IsolatedLoad = { ok: true; result: LoadResult } | { ok: false; error: string }

export interface PendingLoad {
  done: Promise<IsolatedLoad>
  /** Stops the parse now (shutdown); `done` resolves with an error. */
  cancel(): void
}

export const DEFAULT_RELOAD_TIMEOUT_MS = 10_000
export const DEFAULT_RELOAD_MAX_MEMORY_MB = 512

/** The child script beside this module (.ts when tests run the sources). */
function childScript(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return fileURLToPath(new URL(`./config-child${ext}`, import.meta.url))
}

/** Starts parsing `file` in a child process. */
export function loadConfigIsolated(file: string, opts: IsolatedLoadOptions = {}): PendingLoad {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS
  const maxMemoryMb = opts.maxMemoryMb ?? DEFAULT_RELOAD_MAX_MEMORY_MB
  const args = [...process.execArgv.filter((a) => !a.startsWith('--max-old-space-size')), `--max-old-space-size=${maxMemoryMb}`, opts.script ?? childScript(), file]
  if (opts.configId !== undefined) args.push(opts.configId)
  let settle: (r: IsolatedLoad) => void = () => undefined
  const done = new Promise<IsolatedLoad>((resolve) => (settle = resolve))
  let result: LoadResult | undefined
  let why: string | undefined
  let stderr = ''

  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, VRRPD_PARENT_PID: String(process.pid) },
  })
  const timer = setTimeout(() => {
    why = `parsing took longer than ${timeoutMs / 1000} s`
    child.kill('SIGKILL')
  }, timeoutMs)
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString()
  })
  child.on('message', (m) => (result = m as LoadResult))
  child.on('error', (error) => {
    why ??= `cannot start the parser: ${error.message}`
  })
  child.on('close', (code, signal) => {
    clearTimeout(timer)
    if (result && !why) return settle({ ok: true, result })
    if (!why && /heap out of memory|Allocation failed/i.test(stderr)) why = `parsing ran out of memory (limit ${maxMemoryMb} MB)`
    why ??= `the parser ended with ${signal ? `signal ${signal}` : `exit code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`
    settle({ ok: false, error: why })
  })
  return {
    done,
    cancel() {
      why ??= 'cancelled'
      child.kill('SIGKILL')
    },
  }
}
