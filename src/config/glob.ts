/**
 * The glob of `include`, as glob(3) with GLOB_BRACE | GLOB_MARK does for
 * keepalived: `{a,b}` alternatives (nested, expanded in the order written, each
 * alternative's matches sorted on their own), `*`, `?` and `[...]` within one path
 * segment, hidden names only matched by a leading `.`, `\` escapes, and
 * directories marked with a trailing `/` (keepalived skips them with a message).
 * Node 20 has no fs.glob. Every step is bounded: brace patterns, directory
 * entries examined and matcher steps, so `include /*\/*\/*\/*...` or a
 * `{a,b}{a,b}...` bomb ends with a LimitError instead of walking for ever.
 */
import { readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve, sep } from 'node:path'
import { READER_LIMITS } from './limits.js'
import { LimitError } from './macros.js'

/** The include work budget of the read is spent: later includes are skipped. */
export class GlobBudgetSpent extends LimitError {}

/** True when the text has glob magic characters (braces included). */
export function hasGlobMagic(s: string): boolean {
  return /[*?[{]/.test(s)
}

/**
 * Work counters, shared by every include of one read: many includes, or one
 * included many times, cannot multiply the limit.
 */
export interface GlobBudget {
  entries: number
  steps: number
}

export const newGlobBudget = (): GlobBudget => ({ entries: 0, steps: 0 })
type Budget = GlobBudget
const newBudget = newGlobBudget

/**
 * Whether `name` matches one glob segment. `*` and `?` never match a leading dot
 * (hidden files), as glob(3) without GLOB_PERIOD. Iterative, O(len(p) x len(s)) at
 * worst: the last `*` is the only backtracking point.
 */
export function matchSegment(pattern: string, name: string, budget: Budget = newBudget()): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false
  let pi = 0
  let si = 0
  let starP = -1
  let starS = 0
  const maxSteps = READER_LIMITS.maxGlobEntries * 256
  while (si < name.length) {
    if (++budget.steps > maxSteps) throw new GlobBudgetSpent(`include patterns need more than ${maxSteps} matching steps`)
    const step = pi < pattern.length ? matchOne(pattern, pi, name[si] as string) : undefined
    if (step === 'star') {
      starP = pi++
      starS = si
      continue
    }
    if (step !== undefined) {
      pi = step
      si++
      continue
    }
    if (starP < 0) return false
    pi = starP + 1
    si = ++starS
  }
  while (pattern[pi] === '*') pi++
  return pi === pattern.length
}

/** Matches one pattern item at pi against ch: the next pi, 'star', or undefined. */
function matchOne(p: string, pi: number, ch: string): number | 'star' | undefined {
  const c = p[pi]
  if (c === '*') return 'star'
  if (c === '?') return pi + 1
  if (c === '[') {
    const cls = parseClass(p, pi)
    if (cls) return cls.test(ch) ? cls.end : undefined
  }
  if (c === '\\' && pi + 1 < p.length) return p[pi + 1] === ch ? pi + 2 : undefined
  return c === ch ? pi + 1 : undefined
}

/** Parses `[...]` at p[start]; returns a tester and the index after `]`, or undefined if unclosed. */
function parseClass(p: string, start: number): { test: (ch: string) => boolean; end: number } | undefined {
  let i = start + 1
  let negate = false
  if (p[i] === '!' || p[i] === '^') {
    negate = true
    i++
  }
  const ranges: Array<[string, string]> = []
  let first = true
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false
    const lo = p[i] as string
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      ranges.push([lo, p[i + 2] as string])
      i += 3
    } else {
      ranges.push([lo, lo])
      i++
    }
  }
  if (i >= p.length) return undefined
  return {
    test: (ch) => ranges.some(([a, b]) => ch >= a && ch <= b) !== negate,
    end: i + 1,
  }
}

/** The first `{...}` group of a pattern with its top-level alternatives, or undefined. */
function firstBrace(p: string): { open: number; close: number; alternatives: string[] } | undefined {
  const open = scanTo(p, 0, '{')
  if (open < 0) return undefined
  let depth = 0
  const cuts = [open]
  for (let i = open + 1; i < p.length; i++) {
    const c = p[i]
    if (c === '\\') i++
    else if (c === '{') depth++
    else if (c === '}' && depth > 0) depth--
    else if (c === ',' && depth === 0) cuts.push(i)
    else if (c === '}') {
      cuts.push(i)
      const alternatives = cuts.slice(0, -1).map((cut, k) => p.slice(cut + 1, cuts[k + 1]))
      return { open, close: i, alternatives }
    }
  }
  // An unclosed brace makes the whole pattern brace-free (glob(3)).
  return undefined
}

/** Index of the first unescaped `ch` from `from`, or -1. */
function scanTo(p: string, from: number, ch: string): number {
  for (let i = from; i < p.length; i++) {
    if (p[i] === '\\') i++
    else if (p[i] === ch) return i
  }
  return -1
}

/** `a{b,c{d,e}}f` -> [abf, acdf, acef], in the order written; bounded. */
export function expandBraces(pattern: string, max: number = READER_LIMITS.maxBracePatterns): string[] {
  const out: string[] = []
  const work = [pattern]
  while (work.length > 0) {
    const p = work.pop() as string
    const b = firstBrace(p)
    if (!b) {
      out.push(p)
      continue
    }
    const head = p.slice(0, b.open)
    const tail = p.slice(b.close + 1)
    for (let k = b.alternatives.length - 1; k >= 0; k--) work.push(head + (b.alternatives[k] as string) + tail)
    if (out.length + work.length > max) throw new LimitError(`include pattern expands to more than ${max} brace alternatives`)
  }
  return out
}

/** The result of expanding one include pattern. */
export interface GlobResult {
  /** Matches in glob order; directories end with `/`. */
  paths: string[]
  /** Brace alternatives without magic that named no existing file. */
  missing: string[]
}

/**
 * Expands an include pattern against the file system. Relative patterns resolve
 * against `baseDir`. Throws LimitError when the expansion is too large.
 */
export function expandInclude(pattern: string, baseDir: string, budget: GlobBudget = newBudget()): GlobResult {
  const paths: string[] = []
  const missing: string[] = []
  for (const alt of expandBraces(pattern)) {
    count(budget)
    const found = expandOne(alt, baseDir, budget)
    if (found.length === 0 && !/[*?[]/.test(alt)) missing.push(alt)
    paths.push(...found)
  }
  return { paths, missing }
}

/** Compatibility: the matching paths of `pattern`, directories left out. */
export function expandGlob(pattern: string, baseDir: string): string[] {
  return expandInclude(pattern, baseDir).paths.filter((p) => !p.endsWith('/'))
}

function expandOne(pattern: string, baseDir: string, budget: Budget): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern)
  const parts = abs.split(sep).filter((x) => x !== '')
  let current: string[] = [sep]
  for (let i = 0; i < parts.length && current.length > 0; i++) {
    const part = parts[i] as string
    const last = i === parts.length - 1
    const next: string[] = []
    for (const dir of current) {
      if (!/[*?[]/.test(part)) {
        const candidate = join(dir, part.replace(/\\(.)/g, '$1'))
        count(budget)
        const k = kind(candidate)
        if (last ? k !== undefined : k === 'dir') next.push(candidate)
        continue
      }
      let names: string[]
      try {
        names = readdirSync(dir)
      } catch {
        continue
      }
      budget.entries += names.length
      count(budget, 0)
      for (const name of names.sort()) {
        if (!matchSegment(part, name, budget)) continue
        const candidate = join(dir, name)
        if (!last) {
          count(budget)
          if (kind(candidate) === 'dir') next.push(candidate)
        } else next.push(candidate)
      }
    }
    current = next
  }
  return current.map((f) => {
    count(budget)
    return kind(f) === 'dir' ? `${f}/` : f
  })
}

function count(budget: Budget, n = 1): void {
  budget.entries += n
  if (budget.entries > READER_LIMITS.maxGlobEntries) {
    throw new GlobBudgetSpent(`include patterns examine more than ${READER_LIMITS.maxGlobEntries} directory entries`)
  }
}

function kind(path: string): 'dir' | 'other' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other'
  } catch {
    return undefined
  }
}
