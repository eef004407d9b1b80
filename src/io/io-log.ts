/**
 * The logger the io adapters write to: the part of pino's Logger they use, so
 * callers pass `log.child({ iface })` and tests pass nothing.
 */
import type { Logger } from 'pino'

export type IoLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

const drop = (): void => {}

/**
 * A logger that drops everything: the default when an adapter is given none.
 * Plain functions, not `pino({ level: 'silent' })`: importing an adapter must not
 * build a logger and its stdout stream (start-up time, issue 9).
 */
export const silentLog: IoLog = { debug: drop, info: drop, warn: drop, error: drop }
