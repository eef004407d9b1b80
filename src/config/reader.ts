/**
 * The line layer of keepalived.conf: reads files, strips comments, follows
 * `include GLOB`, keeps or drops `@ID` conditional lines, records `$NAME=value`
 * definitions and expands `$NAME` / `${NAME}`. What comes out are logical lines,
 * each still knowing its file:line.
 */
import { readFileSync, realpathSync } from 'node:fs'
import { dirname } from 'node:path'
import type { SourceRef } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import { expandGlob, hasGlobMagic } from './glob.js'
import { unquoteWhole } from './tokenize.js'

/** One logical line of config text, comments removed, macros expanded. */
export interface SourceLine {
  text: string
  at: SourceRef
}

export interface ReadOptions {
  /** The `-i` config id that `@ID` lines are compared to. */
  configId: string
}

/** Longest chain of macro-in-macro expansion; deeper means a self-reference. */
const MAX_EXPANSION_DEPTH = 32

/**
 * Removes a `!` or `#` comment. Double quotes protect them; `\#` and `\!` outside
 * quotes stand for the characters themselves.
 */
export function stripComment(line: string): string {
  let out = ''
  let inDouble = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (!inDouble && c === '\\' && (line[i + 1] === '#' || line[i + 1] === '!')) {
      out += line[i + 1]
      i++
      continue
    }
    if (c === '"') inDouble = !inDouble
    else if (!inDouble && (c === '#' || c === '!')) break
    out += c
  }
  return out
}

/** Reads the main file and everything it includes, in order. */
export class ConfigReader {
  private readonly defs = new Map<string, string>()
  private readonly stack: string[] = []
  readonly lines: SourceLine[] = []

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly opts: ReadOptions,
  ) {}

  /** Reads `file`; a missing main file is fatal, a missing include is a warning. */
  readFile(file: string, from?: SourceRef): void {
    let real: string
    let text: string
    try {
      real = realpathSync(file)
      text = readFileSync(real, 'utf8')
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message
      if (from) this.sink.warning(from, `cannot read included file ${file}: ${reason}`)
      else this.sink.fatal({ file, line: 0 }, `cannot read configuration file ${file}: ${reason}`)
      return
    }
    if (this.stack.includes(real)) {
      const chain = [...this.stack.slice(this.stack.indexOf(real)), real].join(' -> ')
      this.sink.error(from ?? { file, line: 0 }, `include cycle: ${chain}`)
      return
    }
    this.stack.push(real)
    this.readText(text, file)
    this.stack.pop()
  }

  private readText(text: string, file: string): void {
    const physical = text.split('\n')
    for (let i = 0; i < physical.length; i++) {
      const at = { file, line: i + 1 }
      let line = stripComment((physical[i] as string).replace(/\r$/, '')).trim()
      if (line === '') continue
      if (line.startsWith('@')) {
        const kept = this.conditional(line)
        if (kept === undefined) continue
        line = kept
      }
      const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
      if (def) {
        // A trailing backslash continues a definition (and only a definition).
        const parts: string[] = []
        let value = def[2] as string
        while (value.endsWith('\\') && i + 1 < physical.length) {
          parts.push(value.slice(0, -1).trim())
          i++
          value = stripComment((physical[i] as string).replace(/\r$/, '')).trim()
        }
        parts.push(value.replace(/\\$/, '').trim())
        this.defs.set(def[1] as string, parts.filter((p) => p !== '').join('\n'))
        continue
      }
      for (const expanded of this.expand(line).split('\n')) {
        const t = expanded.trim()
        if (t === '') continue
        const inc = /^include\s+(.+)$/.exec(t)
        if (inc) this.include(unquoteWhole((inc[1] as string).trim()), file, at)
        else this.lines.push({ text: t, at })
      }
    }
  }

  /** `@ID rest` keeps rest when ID is our config id; `@^ID rest` when it is not. */
  private conditional(line: string): string | undefined {
    const m = /^@(\^?)(\S*)\s*(.*)$/.exec(line) as RegExpExecArray
    const negate = m[1] === '^'
    const matches = m[2] === this.opts.configId
    return matches !== negate ? (m[3] as string) : undefined
  }

  /** Expands defined `$NAME` and `${NAME}`, recursively; undefined names stay literal. */
  expand(text: string, depth = 0): string {
    if (!text.includes('$') || depth > MAX_EXPANSION_DEPTH) return text
    let changed = false
    const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
      const value = this.defs.get((braced ?? bare) as string)
      if (value === undefined) return whole
      changed = true
      return value
    })
    return changed ? this.expand(out, depth + 1) : out
  }

  private include(pattern: string, fromFile: string, at: SourceRef): void {
    const files = expandGlob(pattern, dirname(fromFile))
    if (files.length === 0) {
      const what = hasGlobMagic(pattern) ? 'no file matches include' : 'included file not found:'
      this.sink.warning(at, `${what} ${pattern}`)
      return
    }
    for (const f of files) this.readFile(f, at)
  }
}
