/**
 * The log callback of the process adapters (script tracker, notify runner,
 * notify FIFO): a level and one line in keepalived's words.
 */
import type { IoLog } from './io-log.js'

export type ProcLogLevel = 'debug' | 'info' | 'warn' | 'error'
export type ProcLog = (level: ProcLogLevel, msg: string) => void

/** Drops everything. */
export const silentProcLog: ProcLog = () => {}

/** Writes through a pino logger (`log.child({ component: 'scripts' })`). */
export function procLogFrom(log: IoLog): ProcLog {
  return (level, msg) => log[level](msg)
}
