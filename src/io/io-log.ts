/**
 * The logger the io adapters write to: the part of pino's Logger they use, so
 * callers pass `log.child({ iface })` and tests pass nothing.
 */
import { pino, type Logger } from 'pino'

export type IoLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

/** A logger that drops everything: the default when an adapter is given none. */
export const silentLog: IoLog = pino({ level: 'silent' })
