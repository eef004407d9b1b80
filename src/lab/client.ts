/**
 * The lab's client: a small Node script run inside the client's namespace that
 * fetches a URL every `intervalMs` on a fresh connection and prints one JSON line
 * per attempt. Bounded in time: it stops by itself after `maxMs`.
 */
import type { ProcessHost } from './daemon.js'
import type { LoggedProcess, LogLine } from './proc.js'

const SCRIPT = `
const http = require('node:http')
const [url, interval, timeout, max] = process.argv.slice(1)
const end = Date.now() + Number(max)
const once = () => new Promise((done) => {
  const req = http.get(url, { agent: false, timeout: Number(timeout) }, (res) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (c) => { body += c })
    res.on('end', () => done({ ok: res.statusCode === 200, status: res.statusCode, body: body.trim().slice(0, 60) }))
  })
  req.on('timeout', () => req.destroy(new Error('timeout')))
  req.on('error', (e) => done({ ok: false, error: e.code || e.message }))
})
;(async () => {
  while (Date.now() < end) {
    const started = Date.now()
    console.log(JSON.stringify(await once()))
    await new Promise((r) => setTimeout(r, Math.max(0, Number(interval) - (Date.now() - started))))
  }
})()
`

/** One attempt as the client reported it. */
export interface FetchResult {
  /** Parent's receive time (performance.now(), ms). */
  at: number
  ok: boolean
  body?: string
  status?: number
  error?: string
}

/** Options of {@link WebClient}. */
export interface ClientOptions {
  intervalMs?: number
  timeoutMs?: number
  /** The loop ends by itself after this long (default 120 s). */
  maxMs?: number
}

/** A fetch loop running in a lab host. */
export class WebClient {
  readonly proc: LoggedProcess

  constructor(lab: ProcessHost, host: string, readonly url: string, opts: ClientOptions = {}) {
    this.proc = lab.spawn(host, `client@${host}`, process.execPath, [
      '-e', SCRIPT, url, String(opts.intervalMs ?? 100), String(opts.timeoutMs ?? 300), String(opts.maxMs ?? 120_000),
    ])
  }

  /** Every attempt received at or after `since`. */
  results(since = -Infinity): FetchResult[] {
    return this.proc.lines.filter((l) => l.stream === 'stdout' && l.at >= since).flatMap((l) => parse(l))
  }

  /** Wait for the first page served by `name` at or after `since`. */
  async waitForServedBy(name: string, timeoutMs: number, since?: number): Promise<FetchResult> {
    const line = await this.proc.waitForLog(new RegExp(`"body":"served by ${name}"`), timeoutMs, { since })
    return parse(line)[0]!
  }

  /** Wait for the first failed attempt at or after `since`. */
  async waitForError(timeoutMs: number, since?: number): Promise<FetchResult> {
    const line = await this.proc.waitForLog(/"ok":false/, timeoutMs, { since })
    return parse(line)[0]!
  }

  /** Stop the loop. */
  async stop(): Promise<void> {
    await this.proc.stop('SIGTERM', 2000)
  }
}

function parse(l: LogLine): FetchResult[] {
  try {
    const r = JSON.parse(l.text) as Omit<FetchResult, 'at'>
    return [{ at: l.at, ...r }]
  } catch {
    return []
  }
}

/** Summary of the attempts in [from, to]: how many failed, and the failed span. */
export function errorWindow(results: readonly FetchResult[], from: number, to: number): { failed: number; total: number; spanMs: number } {
  const inside = results.filter((r) => r.at >= from && r.at <= to)
  const bad = inside.filter((r) => !r.ok)
  const spanMs = bad.length ? bad[bad.length - 1]!.at - bad[0]!.at : 0
  return { failed: bad.length, total: inside.length, spanMs }
}
