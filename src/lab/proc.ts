/**
 * A child process whose output is read line by line, each line stamped with the
 * parent's receive time, so that timelines can be built from log lines of
 * several daemons on one clock.
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** One line of a child's stdout or stderr, with the parent's receive time. */
export interface LogLine {
  /** `performance.now()` when the parent read the line (ms). */
  at: number
  stream: 'stdout' | 'stderr'
  text: string
}

/** Options of {@link LoggedProcess.waitForLog}. */
export interface WaitOptions {
  /** Only lines received at or after this time count (default: any line). */
  since?: number
}

/** A spawned child with its output kept as stamped lines. */
export class LoggedProcess {
  readonly lines: LogLine[] = []
  readonly child: ChildProcess
  /** Settles with the exit code (or the signal name) once the child is gone. */
  readonly exited: Promise<number | string>
  private exitValue: number | string | undefined
  private waiters = new Set<() => void>()

  /** Start `cmd args` with piped output. */
  static spawn(name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): LoggedProcess {
    return new LoggedProcess(name, spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env }))
  }

  /** Follow an already spawned child; its stdout and stderr must be pipes. */
  constructor(readonly name: string, child: ChildProcess) {
    this.child = child
    if (child.exitCode !== null || child.signalCode !== null) this.exitValue = child.exitCode ?? child.signalCode ?? 'unknown'
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.push('stderr', `spawn failed: ${err.message}`)
        this.exitValue ??= 'spawn-error'
        resolve(this.exitValue)
        this.wake()
      })
      if (this.exitValue !== undefined) resolve(this.exitValue)
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exitValue ??= code ?? signal ?? 'unknown'
        resolve(this.exitValue)
        this.wake()
      }
      // 'close' waits for the pipes too, which a grandchild that inherited them
      // (keepalived's VRRP child, a backgrounded sleep) may hold open: give the
      // last lines a moment after 'exit', then call it exited anyway.
      this.child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 250).unref())
      this.child.on('close', finish)
    })
    if (this.child.stdout) this.readLines(this.child.stdout, 'stdout')
    if (this.child.stderr) this.readLines(this.child.stderr, 'stderr')
  }

  /** The process id, or undefined when spawning failed. */
  get pid(): number | undefined {
    return this.child.pid
  }

  /** True until the child has exited. */
  get running(): boolean {
    return this.exitValue === undefined
  }

  /** Every line as text, joined with newlines (for failure messages). */
  text(): string {
    return this.lines.map((l) => l.text).join('\n')
  }

  /** The first line matching `re` (received at or after `since`), if any. */
  find(re: RegExp, opts: WaitOptions = {}): LogLine | undefined {
    const since = opts.since ?? -Infinity
    return this.lines.find((l) => l.at >= since && re.test(l.text))
  }

  /**
   * Resolve with the first line matching `re`, waiting up to `timeoutMs`.
   * Rejects on timeout or when the process exits without printing it.
   */
  waitForLog(re: RegExp, timeoutMs: number, opts: WaitOptions = {}): Promise<LogLine> {
    const hit = this.find(re, opts)
    if (hit) return Promise.resolve(hit)
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.find(re, opts)
        if (found) return done(() => resolve(found))
        if (!this.running) {
          done(() => reject(new Error(`${this.name} exited (${String(this.exitValue)}) before logging ${re}\n${this.tail()}`)))
        }
      }
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${re} within ${timeoutMs} ms\n${this.tail()}`))), timeoutMs)
      const done = (fn: () => void): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        fn()
      }
      this.waiters.add(check)
    })
  }

  /** The last `n` lines, for error messages. */
  tail(n = 15): string {
    return this.lines.slice(-n).map((l) => `  ${this.name}| ${l.text}`).join('\n')
  }

  /**
   * Send `signal` and wait for the exit; SIGKILL after `timeoutMs`.
   * Resolves with the exit code or signal name. Safe to call twice.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<number | string> {
    if (this.running && this.child.pid !== undefined) {
      this.child.kill(signal)
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
      try {
        return await this.exited
      } finally {
        clearTimeout(timer)
      }
    }
    return this.exited
  }

  private push(stream: LogLine['stream'], text: string): void {
    this.lines.push({ at: performance.now(), stream, text })
    this.wake()
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }

  private readLines(src: NodeJS.ReadableStream, stream: LogLine['stream']): void {
    let buf = ''
    src.setEncoding('utf8')
    src.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.push(stream, buf.slice(0, nl).replace(/\r$/, ''))
        buf = buf.slice(nl + 1)
      }
    })
    src.on('end', () => {
      if (buf) this.push(stream, buf)
      buf = ''
    })
  }
}
