/**
 * Keyword tables and the value parsers their handlers share. A handler is
 * `(node, target, ctx)`, keepalived's install_keyword pattern; a bad value is
 * reported with the keyword's file:line and the setting keeps its default.
 */
import type { DiagnosticSink } from './diagnostics.js'
import type { Node } from './tree.js'

export interface ParseContext {
  sink: DiagnosticSink
  /** Whether a network interface exists on this host (injectable for tests). */
  interfaceExists: (name: string) => boolean
}

export type Handler<T> = (node: Node, target: T, ctx: ParseContext) => void
export type KeywordTable<T> = Readonly<Record<string, Handler<T>>>

/**
 * Runs each statement through its handler. An unknown keyword is an error, as in
 * keepalived ("Unknown keyword", exit 5 under -t): a misspelled `priorty 100`
 * must not pass a CI check.
 */
export function applyKeywords<T>(nodes: readonly Node[] | undefined, table: KeywordTable<T>, target: T, ctx: ParseContext, where: string): void {
  for (const node of nodes ?? []) {
    const handler = Object.hasOwn(table, node.keyword) ? table[node.keyword] : undefined
    if (handler) handler(node, target, ctx)
    else ctx.sink.error(node.at, `unknown keyword '${node.keyword}' in ${where}, skipped`)
  }
}

/** The message for a keyword written without the value it needs. */
export function missingValue(node: Node): string {
  return `${node.keyword} needs a value (keepalived stops reading the config here: "missing a parameter")`
}

/** The i-th argument's text, if any. */
export function arg(node: Node, i = 0): string | undefined {
  return node.args[i]?.text
}

/**
 * The i-th argument. Missing, it is fatal: keepalived exits at once (status 2)
 * on a keyword without its value, so the config cannot run.
 */
export function needArg(node: Node, ctx: ParseContext, i = 0): string | undefined {
  const v = arg(node, i)
  if (v === undefined) ctx.sink.fatal(node.at, missingValue(node))
  return v === '' ? undefined : v
}

/** An integer in [min, max]; out of range or malformed is an error and undefined. */
export function intArg(node: Node, ctx: ParseContext, min: number, max: number, i = 0): number | undefined {
  const v = needArg(node, ctx, i)
  if (v === undefined) return undefined
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n) || n < min || n > max) {
    ctx.sink.error(node.at, `invalid ${node.keyword} '${v}': expected an integer in ${min}..${max}`)
    return undefined
  }
  return n
}

/** A (possibly fractional) number of seconds in [min, max], returned in ms. */
export function secondsArg(node: Node, ctx: ParseContext, min: number, max: number, i = 0): number | undefined {
  const v = needArg(node, ctx, i)
  if (v === undefined) return undefined
  const n = isDecimal(v) ? Number(v) : NaN
  if (Number.isNaN(n) || n < min || n > max) {
    ctx.sink.error(node.at, `invalid ${node.keyword} '${v}': expected seconds in ${min}..${max}`)
    return undefined
  }
  return Math.round(n * 1000)
}

/**
 * `123`, `1.5`, `.5` or `5.`: digits with at most one dot and at least one digit.
 * A single pass (a regex such as /^\d*\.?\d+$/ backtracks quadratically on a
 * long run of digits that ends badly: 24 s for 100,000 digits).
 */
export function isDecimal(v: string): boolean {
  let digits = 0
  let dots = 0
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if (c === 46 && dots === 0) dots++
    else return false
  }
  return digits > 0
}

const TRUE_WORDS = new Set(['on', 'true', 'yes'])
const FALSE_WORDS = new Set(['off', 'false', 'no'])

/** A flag: bare keyword = true; an optional on|off|true|false|yes|no (case-sensitive). */
export function flagArg(node: Node, ctx: ParseContext): boolean {
  const v = arg(node)
  if (v === undefined) return true
  if (TRUE_WORDS.has(v)) return true
  if (FALSE_WORDS.has(v)) return false
  ctx.sink.error(node.at, `invalid ${node.keyword} value '${v}': expected on|off|true|false|yes|no`)
  return true
}

/** Warns when a statement has more arguments than it uses. */
export function noExtraArgs(node: Node, ctx: ParseContext, used: number): void {
  if (node.args.length > used) {
    ctx.sink.warning(node.at, `${node.keyword}: extra argument '${node.args[used]?.text}' ignored`)
  }
}
