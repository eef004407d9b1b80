/**
 * Keywords keepalived 2.2.7 still accepts but reports as deprecated, which makes
 * its `-t` exit 5. vrrpd reports them the same way (and does not act on them).
 */
import type { Handler, KeywordTable } from '../values.js'

/** Handlers that report each keyword as an error with keepalived's words. */
export function deprecated<T>(messages: Readonly<Record<string, (target: T) => string>>): KeywordTable<T> {
  return Object.fromEntries(
    Object.entries(messages).map(([k, message]): [string, Handler<T>] => [
      k,
      (n, target, ctx) => ctx.sink.error(n.at, `${message(target)} (deprecated; vrrpd ignores it)`),
    ]),
  )
}
