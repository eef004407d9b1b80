/**
 * A small glob for `include`: `*`, `?` and `[...]` within one path segment, as
 * glob(3) does for keepalived. Node 20 has no fs.glob, and we need nothing more.
 */
import { readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve, sep } from 'node:path'

/** True when the text has glob magic characters. */
export function hasGlobMagic(s: string): boolean {
  return /[*?[]/.test(s)
}

/**
 * Whether `name` matches one glob segment. `*` and `?` never match a leading dot
 * (hidden files), as glob(3) without GLOB_PERIOD.
 */
export function matchSegment(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false
  return matchFrom(pattern, 0, name, 0)
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]
    if (c === '*') {
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true
      return false
    }
    if (si >= s.length) return false
    if (c === '?') {
      pi++
      si++
      continue
    }
    if (c === '[') {
      const cls = parseClass(p, pi)
      if (cls) {
        if (!cls.test(s[si] as string)) return false
        pi = cls.end
        si++
        continue
      }
    }
    if (c === '\\' && pi + 1 < p.length) {
      if (p[pi + 1] !== s[si]) return false
      pi += 2
      si++
      continue
    }
    if (c !== s[si]) return false
    pi++
    si++
  }
  return si === s.length
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

/**
 * Expands a glob against the file system. Relative patterns resolve against
 * `baseDir`. Returns matching regular files (and other non-directories), sorted.
 * A pattern without magic is returned as is when the file exists.
 */
export function expandGlob(pattern: string, baseDir: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern)
  const parts = abs.split(sep).filter((x) => x !== '')
  let current: string[] = [sep]
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    const last = i === parts.length - 1
    const next: string[] = []
    for (const dir of current) {
      if (!hasGlobMagic(part)) {
        const candidate = join(dir, part.replace(/\\(.)/g, '$1'))
        if (exists(candidate, !last)) next.push(candidate)
        continue
      }
      let names: string[]
      try {
        names = readdirSync(dir)
      } catch {
        continue
      }
      for (const name of names.sort()) {
        if (!matchSegment(part, name)) continue
        const candidate = join(dir, name)
        if (exists(candidate, !last)) next.push(candidate)
      }
    }
    current = next
  }
  return current.filter((f) => !isDir(f)).sort()
}

function exists(path: string, mustBeDir: boolean): boolean {
  try {
    const st = statSync(path)
    return mustBeDir ? st.isDirectory() : true
  } catch {
    return false
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
