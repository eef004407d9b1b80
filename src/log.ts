/**
 * The root logger. pino underneath; two output formats:
 * - `json`: pino's own lines, for log shippers;
 * - `text`: one readable line per record, `TIME LEVEL message`, so that the
 *   keepalived wording people grep for ("(VI_1) Entering MASTER STATE") stays
 *   intact at the end of each line.
 *
 * The destination is bounded: lines go out asynchronously through pino's
 * sonic-boom with a `maxLength`, so when stderr (a pipe to journald, a slow
 * terminal) is slower than a flood, memory does not grow with the backlog. What
 * cannot be queued is dropped, counted, and reported by the next line that fits.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino'

export type LogFormat = 'text' | 'json'
export type { Logger }

export interface LoggerOptions {
  format: LogFormat
  level: LevelWithSilent
  /** Where lines go, synchronously (tests). Default: the bounded queue to `fd`. */
  write?: (line: string) => void
  /** The file descriptor of the bounded queue; stderr by default (stdout stays free for --dump-conf). */
  fd?: number
  /** Bytes the queue may hold while the destination is busy; more is dropped and counted. */
  maxQueueBytes?: number
}

/** 1 MiB: a few thousand lines of backlog, a constant next to the daemon's ~60 MB. */
export const DEFAULT_LOG_QUEUE_BYTES = 1 << 20

/** What the bounded queue is: sonic-boom's write/drop contract. */
export interface QueueDestination {
  write(data: string): boolean
  on(event: 'drop' | 'error', fn: (arg: unknown) => void): unknown
}

/** Lines dropped because the log destination could not keep up, since start. */
let droppedTotal = 0
export function droppedLogLines(): number {
  return droppedTotal
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}

/** Fields that are part of every record and not worth repeating in text lines. */
const QUIET_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'instance', 'vrid'])

/** Formats one pino JSON record as a text line. */
export function formatTextLine(json: string): string {
  let rec: Record<string, unknown>
  try {
    rec = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.trimEnd()
  }
  const time = new Date(typeof rec.time === 'number' ? rec.time : Date.now()).toISOString()
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level)
  const extras = Object.entries(rec)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  const msg = typeof rec.msg === 'string' ? rec.msg : ''
  return `${time} ${level.padEnd(5)} ${msg}${extras.length ? ` ${extras.join(' ')}` : ''}`
}

/**
 * A writer that never queues more than the destination accepts: a line that does
 * not fit is dropped and counted, and the next line that fits is preceded by a
 * WARN record saying how many were lost.
 */
export function boundedWriter(dest: QueueDestination, format: LogFormat): (line: string) => void {
  let unreported = 0
  let noticeOf = 0
  dest.on('drop', () => {
    // A dropped notice puts its count back; a dropped line is one more.
    if (noticeOf > 0) {
      unreported += noticeOf
    } else {
      unreported++
      droppedTotal++
    }
  })
  // An I/O error on stderr must not kill the daemon that holds the VIPs.
  dest.on('error', () => undefined)
  return (line) => {
    if (unreported > 0) {
      noticeOf = unreported
      unreported = 0
      const record = JSON.stringify({ level: 40, time: Date.now(), msg: `${noticeOf} log lines dropped: the log destination is slower than the daemon writes (queue bounded)` })
      dest.write(format === 'json' ? `${record}\n` : `${formatTextLine(record)}\n`)
      noticeOf = 0
    }
    dest.write(line)
  }
}

/** Creates the daemon's root logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const write =
    opts.write ??
    boundedWriter(
      pino.destination({ dest: opts.fd ?? 2, sync: false, minLength: 0, maxLength: opts.maxQueueBytes ?? DEFAULT_LOG_QUEUE_BYTES }) as unknown as QueueDestination,
      opts.format,
    )
  const stream =
    opts.format === 'json'
      ? { write: (line: string) => write(line) }
      : { write: (line: string) => write(`${formatTextLine(line)}\n`) }
  return pino({ level: opts.level, base: undefined }, stream)
}
