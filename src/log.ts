/**
 * The root logger. pino underneath; two output formats:
 * - `json`: pino's own lines, for log shippers;
 * - `text`: one readable line per record, `TIME LEVEL message`, so that the
 *   keepalived wording people grep for ("(VI_1) Entering MASTER STATE") stays
 *   intact at the end of each line.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino'

export type LogFormat = 'text' | 'json'
export type { Logger }

export interface LoggerOptions {
  format: LogFormat
  level: LevelWithSilent
  /** Where lines go; stderr by default (stdout stays free for --dump-conf). */
  write?: (line: string) => void
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

/** Creates the daemon's root logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line))
  const stream =
    opts.format === 'json'
      ? { write: (line: string) => write(line) }
      : { write: (line: string) => write(`${formatTextLine(line)}\n`) }
  return pino({ level: opts.level, base: undefined }, stream)
}
