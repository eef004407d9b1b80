/**
 * Reading a config without putting the protocol at its mercy. A reload parses in
 * a worker thread with a heap limit (resourceLimits) and a time budget, so a
 * config that includes a FIFO, expands a macro bomb or holds a 150k-digit number
 * costs only that thread: adverts keep their schedule on our loop, and a parse
 * that fails, hangs past its budget or runs out of memory is abandoned with its
 * reason, leaving the running config in place. A thread dies with the process,
 * so a kill -9 leaves nothing behind.
 *
 * A worker busy in JavaScript is stopped by terminate(). One blocked in a system
 * call (open(2) of a FIFO nobody writes) cannot be: it stays until the call
 * returns, and Node would wait for it at exit for ever. Such workers are counted
 * (`stuckParses`) so the daemon can end with _exit(2) instead (run.ts).
 */
import { Worker } from 'node:worker_threads'
import type { LoadResult } from '../config/index.js'

export interface IsolatedLoadOptions {
  configId?: string
  /** Abandon the parse after this long (default 10 s). */
  timeoutMs?: number
  /** The parser's V8 heap limit (default 512 MB). */
  maxMemoryMb?: number
  /** The worker script; config-worker by default (tests give one that misbehaves). */
  script?: URL
}

export type IsolatedLoad = { ok: true; result: LoadResult } | { ok: false; error: string }

export interface PendingLoad {
  done: Promise<IsolatedLoad>
  /** Stops the parse now (shutdown); `done` resolves with an error. */
  cancel(): void
}

export const DEFAULT_RELOAD_TIMEOUT_MS = 10_000
export const DEFAULT_RELOAD_MAX_MEMORY_MB = 512

/** Workers told to stop that have not stopped yet (blocked in a system call). */
const stuck = new Set<Worker>()

/** How many abandoned parses are still blocked in the kernel. */
export function stuckParses(): number {
  return stuck.size
}

/** The worker script beside this module (.ts when tests run the sources). */
function workerScript(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./config-worker${ext}`, import.meta.url)
}

/** Starts parsing `file` in a worker thread. */
export function loadConfigIsolated(file: string, opts: IsolatedLoadOptions = {}): PendingLoad {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS
  const maxMemoryMb = opts.maxMemoryMb ?? DEFAULT_RELOAD_MAX_MEMORY_MB
  let settled = false
  let settle: (r: IsolatedLoad) => void = () => undefined
  const done = new Promise<IsolatedLoad>((resolve) => {
    settle = (r) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(r)
    }
  })
  let result: LoadResult | undefined
  let failure: string | undefined

  const worker = new Worker(opts.script ?? workerScript(), {
    workerData: { file, ...(opts.configId !== undefined ? { configId: opts.configId } : {}) },
    resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
    stdout: true,
    stderr: true,
  })
  /** Stop the worker; if it does not stop (blocked in the kernel), remember it. */
  const stop = (why: string) => {
    settle({ ok: false, error: why })
    // An abandoned parse is never what keeps vrrpd alive.
    worker.unref()
    stuck.add(worker)
    void worker.terminate().finally(() => stuck.delete(worker))
  }
  const timer = setTimeout(() => stop(`parsing took longer than ${timeoutMs / 1000} s`), timeoutMs)
  timer.unref()

  worker.on('message', (m) => (result = m as LoadResult))
  worker.on('error', (error: Error & { code?: string }) => {
    failure ??= error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `parsing ran out of memory (limit ${maxMemoryMb} MB)` : `the parser failed: ${error.message}`
  })
  worker.on('exit', (code) => {
    if (result && !failure) return settle({ ok: true, result })
    settle({ ok: false, error: failure ?? `the parser ended with exit code ${code}` })
  })
  return { done, cancel: () => stop('cancelled') }
}
