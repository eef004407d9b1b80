/**
 * `vrrp_notify_fifo PATH [SCRIPT]` / `notify_fifo`: one line per state change,
 * `INSTANCE "VI_1" MASTER 100`, written to a named pipe; SCRIPT, if given, is
 * started with PATH as its argument and kept running to read it.
 *
 * The FIFO is opened O_RDWR|O_NONBLOCK: on Linux that open never waits for a
 * reader, and a write to a full pipe fails with EAGAIN instead of blocking the
 * daemon. A line that does not fit is dropped (and counted in the log).
 */
import { execFile } from 'node:child_process'
import { closeSync, constants, fchownSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { checkDirectory, checkEntry, openFifoNoFollow } from './safe-file.js'
import { silentProcLog, type ProcLog } from './proc-log.js'
import { describeResult, runProcess as defaultRun, type RunProcess } from './run-process.js'
import type { Credentials } from './user-lookup.js'

/** What a FIFO line reports: a state, or one of keepalived's instance events. */
export type FifoState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY'

export interface NotifyFifo {
  /** Writes one line; never blocks, never throws. A group's priority is written as 0. */
  write(kind: 'INSTANCE' | 'GROUP', name: string, state: FifoState, priority: number): void
  /** Closes the FIFO (its reader sees EOF) and stops the script after `scriptGraceMs`. */
  close(): Promise<void>
}

export interface NotifyFifoOptions {
  path: string
  /** The reader script's argv (already split); PATH is appended. */
  script?: string[]
  log?: ProcLog
  runProcess?: RunProcess
  /** Who the script runs as. */
  credentials?: Credentials
  /** Restart delay after the script exits (doubles up to 30 s); default 1000 ms. */
  restartDelayMs?: number
  /** How long the script may take to exit on EOF at close before it is killed; default 1000 ms. */
  scriptGraceMs?: number
}

/** keepalived's FIFO line: `INSTANCE "VI_1" MASTER 100\n`. */
export function fifoLine(kind: 'INSTANCE' | 'GROUP', name: string, state: FifoState, priority: number): string {
  return `${kind} "${name}" ${state} ${kind === 'GROUP' ? 0 : priority}\n`
}

/**
 * Creates the FIFO when missing (`mkfifo`), opens it and starts the script.
 * Fails when PATH exists and is not a FIFO, or cannot be created or opened.
 */
export async function openNotifyFifo(
  opts: NotifyFifoOptions,
): Promise<{ ok: true; fifo: NotifyFifo } | { ok: false; error: string }> {
  const log = opts.log ?? silentProcLog
  const run = opts.runProcess ?? defaultRun
  // Its reader script's user may own a FIFO it made itself; anyone else's is refused.
  const owners = opts.credentials ? [opts.credentials.uid] : []
  let fd: number
  let created = false
  try {
    checkDirectory(dirname(opts.path), 'the notify FIFO')
    if (!checkEntry(opts.path, 'fifo', 'notify FIFO', owners)) {
      const made = await mkfifo(opts.path)
      if (made) return { ok: false, error: `cannot create notify FIFO ${opts.path}: ${made}` }
      created = true
    }
    // O_NOFOLLOW and a check of what was opened: no window between the check above and the open.
    fd = openFifoNoFollow(opts.path, constants.O_RDWR | constants.O_NONBLOCK, 'notify FIFO', owners)
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
  // As keepalived: the FIFO we create belongs to the user its reader script runs as.
  if (created && opts.credentials) {
    try {
      fchownSync(fd, opts.credentials.uid, opts.credentials.gid)
    } catch (e) {
      log('warn', `notify FIFO ${opts.path}: cannot give it to uid ${opts.credentials.uid}: ${(e as Error).message}`)
    }
  }

  let closed = false
  let dropped = 0
  const abort = new AbortController()
  let scriptDone: Promise<void> = Promise.resolve()

  if (opts.script && opts.script.length > 0) {
    const argv = [...opts.script, opts.path]
    const baseDelay = opts.restartDelayMs ?? 1000
    scriptDone = (async () => {
      let delay = baseDelay
      while (!closed) {
        const started = Date.now()
        const r = await run(argv, { timeoutMs: 0, uid: opts.credentials?.uid, gid: opts.credentials?.gid, signal: abort.signal })
        if (closed) return
        log('warn', `notify FIFO script ${argv.join(' ')} ended (${describeResult(r)}); restarting in ${delay} ms`)
        // A script that ran a while earns a fresh backoff; one that dies at once waits longer each time.
        delay = Date.now() - started > 30_000 ? baseDelay : delay
        await sleep(delay, abort.signal)
        delay = Math.min(delay * 2, 30_000)
      }
    })()
  }

  const fifo: NotifyFifo = {
    write(kind, name, state, priority) {
      if (closed) return
      const line = Buffer.from(fifoLine(kind, name, state, priority))
      try {
        // O_NONBLOCK: a full pipe fails with EAGAIN instead of waiting. Lines are < PIPE_BUF, so writes are atomic.
        writeSync(fd, line)
      } catch (e) {
        dropped++
        if (dropped === 1 || dropped % 100 === 0) {
          log('warn', `notify FIFO ${opts.path}: ${dropped} line(s) dropped (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is its reader running?`)
        }
      }
    },
    async close() {
      if (closed) return
      closed = true
      try {
        closeSync(fd)
      } catch {
        // already closed
      }
      const grace = opts.scriptGraceMs ?? 1000
      const timer = setTimeout(() => abort.abort(), grace)
      await scriptDone
      clearTimeout(timer)
      abort.abort()
    },
  }
  return { ok: true, fifo }
}

function mkfifo(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('mkfifo', ['-m', '0600', path], { timeout: 5000 }, (err, _out, stderr) => {
      resolve(err ? String(stderr).trim() || err.message : undefined)
    })
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(t)
      resolve()
    }, { once: true })
  })
}
