/**
 * keepalived's config sequences (lib/parser.c add_seq / add_lst), a line that
 * stands for many:
 *
 *     ~SEQ(VAR, end) TEXT               VAR = 1..end (or -1..end when end < 0)
 *     ~SEQ(VAR, start, end) TEXT        step 1 or -1
 *     ~SEQ(VAR, start, step, end) TEXT
 *     ~SEQx(...) TEXT                   VAR in lower-case hex (not for negatives)
 *     ~LST(VAR, v1, v2, ...) TEXT
 *     ~LST({V1, V2}, {a, b}, {c}, ...) TEXT   a missing value is empty
 *
 * For each value the variable(s) are defined (and stay defined afterwards) and
 * TEXT is read as a line, so TEXT may use `${VAR}`, be another ~SEQ (nesting) or
 * use a multi-line definition. Numbers are C strtol base 0 (`0x10`, `010`), and
 * ~SEQ's parameters may be `$` definitions. Only a line that starts with `~SEQ` or
 * `~LST` is one.
 */
import type { Definitions } from './macros.js'

/** A parsed ~SEQ or ~LST: gives one (assignments, text) per value. */
export interface LineSequence {
  /** The next value's assignments and text, or undefined when exhausted. */
  next(): { assign: Array<[string, string]>; text: string } | undefined
}

export type SequenceParse = { ok: true; seq: LineSequence } | { ok: false; error: string }

const LONG_MAX = (1n << 63n) - 1n
const LONG_MIN = -(1n << 63n)

const blanks = (s: string, p: number): number => {
  while (s[p] === ' ' || s[p] === '\t') p++
  return p
}
const until = (s: string, p: number, stop: string): number => {
  while (p < s.length && !stop.includes(s[p] as string)) p++
  return p
}

/** C strtol(s + p, &end, 0): [value, end]; end === p when there is no number. */
export function strtol(s: string, p: number): [bigint, number] {
  let i = p
  while (i < s.length && ' \t\n\r\f\v'.includes(s[i] as string)) i++
  let negative = false
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-'
  let base = 10
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16
    i += 2
  } else if (s[i] === '0') base = 8
  const digitsStart = i
  let value = 0n
  const big = BigInt(base)
  for (; i < s.length; i++) {
    const d = parseInt(s[i] as string, base)
    if (Number.isNaN(d)) break
    // Saturate like strtol (ERANGE): no BigInt grows without bound.
    if (value <= LONG_MAX) value = value * big + BigInt(d)
  }
  if (i === digitsStart) return [0n, p]
  value = negative ? -value : value
  return [value > LONG_MAX ? LONG_MAX : value < LONG_MIN ? LONG_MIN : value, i]
}

/** Parses `~SEQ...` at the start of `line`; `$` definitions in the parameters are expanded. */
export function parseSeq(line: string, defs: Definitions): SequenceParse {
  const invalid = (why = 'invalid ~SEQ definition'): SequenceParse => ({ ok: false, error: `${why} '${line}'` })
  let p = 4
  const hex = line[p] === 'x'
  if (hex) p++
  p = blanks(line, p)
  if (line[p++] !== '(') return invalid()
  p = blanks(line, p)
  const varStart = p
  p = until(line, p, ' \t,)')
  const name = line.slice(varStart, p)
  p = blanks(line, p)
  if (p >= line.length || line[p] === ')' || name === '') return invalid()
  p = blanks(line, p + 1)
  const close = line.indexOf(')', p)
  if (close < 0) return invalid()
  if (close + 1 - p + 1 > 64) return invalid('~SEQ parameter strings too long')
  let params: string
  try {
    const e = defs.expand(line.slice(p, close + 1), 64)
    if (e.pending.length > 0) return invalid('~SEQ parameter is multiline definition')
    params = e.text
  } catch {
    return invalid('~SEQ parameter strings too long')
  }
  const nums: bigint[] = []
  let q = 0
  for (;;) {
    const [v, end] = strtol(params, q)
    nums.push(v)
    q = blanks(params, end)
    if (params[q] === ')') break
    if (params[q] !== ',' || nums.length === 3) return invalid()
    q++
  }
  let start: bigint
  let step: bigint
  let last: bigint
  if (nums.length === 1) {
    last = nums[0] as bigint
    step = last < 1n ? -1n : 1n
    start = last < 0n ? -1n : 1n
  } else if (nums.length === 2) {
    ;[start, last] = nums as [bigint, bigint]
    step = start <= last ? 1n : -1n
  } else {
    ;[start, step, last] = nums as [bigint, bigint, bigint]
    if (step === 0n || (start < last && step < 0n) || (start > last && step > 0n)) return invalid('invalid ~SEQ values')
  }
  if (hex && (start < 0n || last < 0n)) return invalid('~SEQx is only valid for positive numbers')
  const text = line.slice(blanks(line, close + 1))
  let current: bigint | undefined = start
  return {
    ok: true,
    seq: {
      next() {
        if (current === undefined) return undefined
        const value = hex ? current.toString(16) : current.toString()
        const following: bigint = current + step
        current = (step > 0n && following > last) || (step < 0n && following < last) ? undefined : following
        return { assign: [[name, value]], text }
      },
    },
  }
}

/** Parses `~LST...` at the start of `line`. */
export function parseLst(line: string): SequenceParse {
  const invalid = (why = 'invalid ~LST specification'): SequenceParse => ({ ok: false, error: `${why} '${line}'` })
  let p = blanks(line, 4)
  if (line[p++] !== '(') return invalid()
  p = blanks(line, p)
  let endChar = ','
  if (line[p] === '{') {
    endChar = '}'
    p = blanks(line, p + 1)
  }
  const names: string[] = []
  for (;;) {
    const start = p
    p = until(line, p, ' \t,}')
    names.push(line.slice(start, p))
    p = blanks(line, p)
    if (line[p] === endChar) break
    if (line[p] !== ',') return invalid()
    p = blanks(line, p + 1)
  }
  if (line[p] === '}') p = blanks(line, p + 1)
  if (line[p++] !== ',') return invalid()
  p = blanks(line, p)
  const sets: string[][] = []
  for (;;) {
    endChar = ','
    if (line[p] === '{') {
      endChar = '}'
      p = blanks(line, p + 1)
    }
    const values: string[] = []
    for (;;) {
      const start = p
      p = until(line, p, ' \t,})')
      values.push(line.slice(start, p))
      p = blanks(line, p)
      if (line[p] === endChar || (line[p] === ')' && endChar === ',')) break
      if (line[p] !== ',') return invalid()
      p = blanks(line, p + 1)
      if (values.length > names.length - 1) return invalid('~LST specification has too many values')
    }
    while (values.length < names.length) values.push('')
    sets.push(values)
    if (line[p] === '}' && endChar === '}') p = blanks(line, p + 1)
    if (line[p] === ')') break
    if (line[p] !== ',') return invalid()
    p = blanks(line, p + 1)
  }
  const text = line.slice(blanks(line, p + 1))
  let index = 0
  return {
    ok: true,
    seq: {
      next() {
        const values = sets[index++]
        if (!values) return undefined
        return { assign: names.map((n, i) => [n, values[i] as string]), text }
      },
    },
  }
}
