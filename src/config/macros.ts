/**
 * keepalived's `$NAME=value` definitions and their expansion (lib/parser.c
 * check_definition / find_definition / replace_param), ported for its exact
 * quirks and bounded:
 * - a bare `$NAME` is a use only when followed by space, tab, `,`, `)` or the end
 *   of the line (`$A/24` is literal: write `${A}/24`);
 * - a definition is stored raw and expanded at use; the substituted text is
 *   rescanned at once, left to right (so `$C=$B$A` gives `$B1`, as keepalived);
 * - a multi-line definition expands only at the very end of a line; its first
 *   line replaces the use, the others follow as lines of their own;
 * - after a value starting with `~` the rest of the line is left alone (so a
 *   definition can hold a `~SEQ` line);
 * - keepalived's built-ins `${_PWD}`, `${_INSTANCE}`, `${_RANDOM [min [max]]}`,
 *   `${_HASH}` (`#`) and `${_BANG}` (`!`), which a definition may override.
 * keepalived loops for ever on `$A=$A` and truncates silently at 1024 bytes; here
 * a substitution count and a length limit per line, and a work budget over the
 * whole read, stop it with an error.
 */
import { READER_LIMITS } from './limits.js'

export interface Definition {
  name: string
  value: string
  multiline: boolean
  /** A built-in computed at each use, from its numeric parameters (`${_RANDOM 1 9}`). */
  fn?: (params: string | undefined) => string
  /** How many numeric parameters the built-in takes (0: none). */
  maxParams: number
}

/** What the built-ins need from the reader. */
export interface BuiltinContext {
  configId: string
  /** keepalived's getcwd(): the directory of the file being read. */
  currentDir: () => string
  /** A random integer in [min, max]. */
  random?: (min: number, max: number) => number
}

/** A limit was hit: the reader turns it into a FILE:LINE error. */
/** A limit of the reader hit; caught per line, so it skips the stack trace (thousands of lines may hit one). */
export class LimitError extends Error {
  constructor(message: string) {
    const depth = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = depth
  }
}

export interface Expansion {
  text: string
  changed: boolean
  /** Remaining lines of multi-line definitions, in the order they were met (last is read first). */
  pending: string[]
}

const isNameStart = (c: string | undefined): boolean => c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_')
const isNameChar = (c: string | undefined): boolean => isNameStart(c) || (c !== undefined && c >= '0' && c <= '9')
const NAME_START = { test: isNameStart }
const NAME_CHAR = { test: isNameChar }
const BARE_END = new Set([' ', '\t', ',', ')'])

const defaultRandom = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1))

export class Definitions {
  private readonly defs = new Map<string, Definition>()
  /** Characters produced by substitution so far, over the whole read. */
  private work = 0

  constructor(ctx: BuiltinContext, private readonly limits = READER_LIMITS) {
    const random = ctx.random ?? defaultRandom
    this.builtin('_PWD', 0, () => ctx.currentDir())
    this.builtin('_INSTANCE', 0, () => ctx.configId)
    this.builtin('_RANDOM', 2, (params) => {
      const [lo, hi] = (params ?? '').split(/ +/).filter((w) => w !== '').map((w) => Number(w.slice(0, 15)))
      const min = lo ?? 0
      const max = hi ?? 32767
      return String(max >= min ? random(min, max) : min)
    })
    this.defs.set('_HASH', { name: '_HASH', value: '#', multiline: false, maxParams: 0 })
    this.defs.set('_BANG', { name: '_BANG', value: '!', multiline: false, maxParams: 0 })
  }

  private builtin(name: string, maxParams: number, fn: (params: string | undefined) => string): void {
    this.defs.set(name, { name, value: '', multiline: false, fn, maxParams })
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name)
  }

  /** Sets (or overrides, built-ins included) a single-line definition. */
  set(name: string, value: string): Definition {
    const def: Definition = { name, value, multiline: false, maxParams: 0 }
    this.defs.set(name, def)
    return def
  }

  /**
   * `$NAME=value` at the start of a line: stores it and returns it, or undefined
   * when the line is not a definition. A trailing `\` makes it multi-line.
   */
  define(line: string): Definition | undefined {
    if (line[0] !== '$' || !NAME_START.test(line[1] ?? '')) return undefined
    let p = 2
    while (p < line.length && line[p] !== '=') {
      if (!NAME_CHAR.test(line[p] as string)) return undefined
      p++
    }
    if (p >= line.length) return undefined
    const name = line.slice(1, p)
    p++
    while (line[p] === ' ' || line[p] === '\t') p++
    let value = line.slice(p)
    let multiline = false
    if (value.endsWith('\\')) {
      multiline = true
      value = value.slice(0, -1).replace(/[ \t]+$/, '')
      value = value === '' ? '' : `${value}\n`
    }
    const def: Definition = { name, value, multiline, maxParams: 0 }
    this.defs.set(name, def)
    return def
  }

  /** Expands the uses in `line`, keepalived's way (see the module comment). */
  expand(line: string, maxLength = this.limits.maxLineLength): Expansion {
    let buf = line
    let pos = 0
    let changed = false
    let count = 0
    const pending: string[] = []
    for (;;) {
      const at = buf.indexOf('$', pos)
      if (at < 0 || at + 1 >= buf.length) break
      const use = this.match(buf, at)
      if (!use) {
        pos = at + 1
        continue
      }
      if (++count > this.limits.maxSubstitutionsPerLine) {
        throw new LimitError(`more than ${this.limits.maxSubstitutionsPerLine} macro substitutions on one line (a definition that uses itself?)`)
      }
      changed = true
      const { def } = use
      let value = def.fn ? def.fn(use.params) : def.value
      if (def.multiline) {
        const nl = value.indexOf('\n')
        if (nl >= 0) {
          pending.push(value.slice(nl + 1))
          value = value.slice(0, nl)
        }
      }
      const length = buf.length - (use.end - at) + value.length
      if (length > maxLength) throw new LimitError(`line longer than ${maxLength} characters after macro expansion`)
      this.work += length
      if (this.work > this.limits.maxExpansionWork) {
        throw new LimitError(`macro expansion produced more than ${this.limits.maxExpansionWork} characters in total`)
      }
      buf = buf.slice(0, at) + value + buf.slice(use.end)
      // The substituted text is scanned again from `at`; a value starting with `~`
      // (a ~SEQ kept in a definition) ends the substitution.
      if (/^[ \t]*~/.test(value)) break
    }
    return { text: buf, changed, pending }
  }

  /** The definition used at buf[at] (a `$`), keepalived's find_definition. */
  private match(buf: string, at: number): { def: Definition; end: number; params?: string } | undefined {
    let j = at + 1
    const braces = buf[j] === '{'
    if (braces) j++
    if (!NAME_START.test(buf[j] ?? '')) return undefined
    let k = j + 1
    while (k < buf.length && NAME_CHAR.test(buf[k] as string)) k++
    let p = k
    let paramStart = -1
    let paramEnd = -1
    if (braces) {
      while (p < buf.length && (buf[p] === ' ' || (buf[p] as string) >= '0' && (buf[p] as string) <= '9')) {
        if (buf[p] !== ' ') {
          if (paramStart < 0) paramStart = p
          paramEnd = p
        }
        p++
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return undefined
      if (buf[p] !== '}') return undefined
    } else if (p < buf.length && !BARE_END.has(buf[p] as string)) {
      return undefined
    }
    const def = this.defs.get(buf.slice(j, k))
    if (!def) return undefined
    const atEnd = braces ? p + 1 >= buf.length : k >= buf.length
    if (def.multiline && !atEnd) return undefined
    if (paramStart >= 0 && def.maxParams === 0) return undefined
    return {
      def,
      end: braces ? p + 1 : k,
      ...(paramStart >= 0 ? { params: buf.slice(paramStart, paramEnd + 1) } : {}),
    }
  }
}
