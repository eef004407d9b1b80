/**
 * The line layer of keepalived.conf, keepalived's read_line (lib/parser.c): reads
 * files, strips comments, follows `include GLOB`, keeps or drops `@ID` lines,
 * records `$NAME=value` definitions and expands their uses, and unrolls `~SEQ` /
 * `~LST` sequences. What comes out are logical lines, each still knowing its
 * file:line.
 *
 * Nothing here recurses on the input: included files, pending multi-line macros
 * and sequences live on explicit stacks, and every amount (line length, files,
 * include depth, glob work, expansion, lines) has a limit in limits.ts.
 */
import { dirname } from 'node:path'
import type { SourceRef } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import { expandInclude, GlobBudgetSpent, newGlobBudget } from './glob.js'
import { READER_LIMITS } from './limits.js'
import { Definitions, LimitError, type Definition } from './macros.js'
import { parseLst, parseSeq, type LineSequence } from './sequences.js'
import { readConfigSource } from './source-file.js'
import { conditionalLine, decomment } from './line-syntax.js'

export { decomment, stripComment } from './line-syntax.js'

/** One logical line of config text, comments removed, macros expanded. */
export interface SourceLine {
  text: string
  at: SourceRef
}

export interface ReadOptions {
  /** The `-i` config id that `@ID` lines are compared to (and `${_INSTANCE}`). */
  configId: string
  /** Limits to apply (tests lower them); default READER_LIMITS. */
  limits?: Partial<typeof READER_LIMITS>
}

/** An open file on the include stack. */
interface FileFrame {
  kind: 'file'
  file: string
  real: string
  lines: string[]
  next: number
}

/** The matches of one include, opened one after the other (keepalived's globbuf). */
interface GlobFrame {
  kind: 'glob'
  paths: string[]
  next: number
  at: SourceRef
}

/** Generated lines (a multi-line macro's remaining lines, or a sequence), read before any file. */
type GenFrame = { kind: 'lines'; lines: string[]; next: number; at: SourceRef } | { kind: 'seq'; seq: LineSequence; at: SourceRef }

const INCLUDE = /^include[ \t\n\r\f\v]/

/** `"a b"` -> `a b`: a deliberate difference, keepalived would look for the quotes in the name. */
const unquote = (s: string): string => (/^"[^"]*"$|^'[^']*'$/.test(s) ? s.slice(1, -1) : s)

/** Reads the main file and everything it includes, in order. */
export class ConfigReader {
  private readonly defs: Definitions
  private readonly files: Array<FileFrame | GlobFrame> = []
  private depth = 0
  private readonly gens: GenFrame[] = []
  private readonly limits: typeof READER_LIMITS
  private filesOpened = 0
  private bytesRead = 0
  /** The definition being continued by lines ending in `\`. */
  private continuing: Definition | undefined
  private stopped = false
  /** Logical lines processed, whatever they turn into (a line, an include, nothing). */
  private processed = 0
  private processedChars = 0
  private readonly globBudget = newGlobBudget()
  private globSpent = false
  readonly lines: SourceLine[] = []
  /**
   * Why the lines read are not the whole of what the files say: an included file that
   * exists but could not be read (a FIFO, a device, a directory: skipped, as keepalived
   * skips them), or a limit that cut the reading short.
   */
  readonly incomplete: string[] = []

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly opts: ReadOptions,
  ) {
    this.limits = { ...READER_LIMITS, ...opts.limits }
    this.defs = new Definitions(
      {
        configId: opts.configId,
        currentDir: () => {
          const top = this.currentFile()
          return top ? dirname(top.real) : process.cwd()
        },
      },
      this.limits,
    )
  }

  /** A limit cut the reading short: an error, and the config is not whole. */
  /**
   * A limit hit: listed even past the diagnostics cap the first time (it says why
   * the rest of the config is missing), counted like any error after that (a
   * per-line limit may be hit on thousands of lines).
   */
  private limit(at: SourceRef, message: string): void {
    if (this.incomplete.includes(message)) {
      this.sink.error(at, message)
      return
    }
    this.incomplete.push(message)
    this.sink.errorAlways(at, message)
  }

  /** Reads `file` and all it includes; a missing or unreadable main file is fatal. */
  readFile(file: string): void {
    if (!this.open(file)) return
    this.run()
  }

  /** Pushes `file` on the include stack; false (with a diagnostic) when it cannot be read. */
  private open(file: string, from?: SourceRef): boolean {
    const where = from ?? { file, line: 0 }
    if (this.depth >= this.limits.maxIncludeDepth) {
      this.limit(where, `include nesting deeper than ${this.limits.maxIncludeDepth} files: ${file} skipped`)
      return false
    }
    if (this.filesOpened >= this.limits.maxIncludedFiles) {
      this.limit(where, `more than ${this.limits.maxIncludedFiles} config files included: ${file} skipped`)
      return false
    }
    const r = readConfigSource(file, this.limits.maxFileSize)
    if (!r.ok) {
      const message =
        r.reason === 'missing'
          ? `${from ? 'included file' : 'cannot read configuration file'} ${file}: no such file`
          : r.reason === 'directory'
            ? `configuration file '${file.replace(/\/?$/, '/')}' is a directory - skipping`
            : r.reason === 'not-regular'
              ? `configuration file '${file}' is not a regular non-executable file - skipping`
              : `configuration file '${file}' ${r.message} - skipping`
      if (from && r.reason !== 'missing') this.incomplete.push(message)
      if (!from) this.sink.fatal(where, message)
      else if (r.reason === 'too-big') this.sink.error(where, message)
      else this.sink.warning(where, r.reason === 'missing' ? `included file not found: ${file}` : message)
      return false
    }
    const open = this.files.filter((f): f is FileFrame => f.kind === 'file')
    const cycle = open.findIndex((f) => f.real === r.real)
    if (cycle >= 0) {
      const chain = [...open.slice(cycle).map((f) => f.real), r.real].join(' -> ')
      this.sink.error(where, `include cycle: ${chain}`)
      return false
    }
    this.bytesRead += r.size
    if (this.bytesRead > this.limits.maxTotalBytes) {
      this.limit(where, `more than ${this.limits.maxTotalBytes} bytes of config read: ${file} skipped`)
      return false
    }
    this.filesOpened++
    this.depth++
    this.files.push({ kind: 'file', file, real: r.real, lines: r.text.split('\n'), next: 0 })
    return true
  }

  /** The read loop: the next raw line from a generator or the top file, until all are done. */
  private run(): void {
    while (!this.stopped) {
      const gen = this.gens[this.gens.length - 1]
      if (gen) {
        if (gen.kind === 'lines') {
          const line = gen.lines[gen.next++]
          if (gen.next >= gen.lines.length) this.gens.pop()
          if (line !== undefined) this.process(line, gen.at)
        } else {
          const value = gen.seq.next()
          if (!value) {
            this.gens.pop()
            continue
          }
          for (const [name, v] of value.assign) this.defs.set(name, v)
          this.process(value.text, gen.at)
        }
        continue
      }
      const top = this.files[this.files.length - 1]
      if (!top) break
      if (top.kind === 'glob') {
        this.openNextMatch(top)
        continue
      }
      if (top.next >= top.lines.length) {
        this.files.pop()
        this.depth--
        continue
      }
      const index = top.next++
      const at = { file: top.file, line: index + 1 }
      const physical = (top.lines[index] as string).replace(/[\r\n]+$/, '')
      if (physical === '') {
        // A truly empty line ends a definition continued with `\`.
        this.endContinuation()
        continue
      }
      if (physical.length > this.limits.maxLineLength) {
        this.limit(at, `line longer than ${this.limits.maxLineLength} characters, skipped`)
        continue
      }
      this.process(this.decomment(physical, at), at)
    }
  }

  private decomment(line: string, at: SourceRef): string {
    const d = decomment(line)
    if (d.unterminatedQuote) this.sink.error(at, `unterminated quote '${d.text}'`)
    return d.text
  }

  private endContinuation(): void {
    if (this.continuing && this.continuing.value === '') this.continuing.multiline = false
    this.continuing = undefined
  }

  /** One line, keepalived's order: continuation, `@ID`, `$NAME=`, `~SEQ`/`~LST`, `$` uses, include. */
  private process(input: string, at: SourceRef): void {
    let line = input
    if (line === '') return
    this.processedChars += line.length
    if (this.processedChars > this.limits.maxProcessedChars) {
      this.limit(at, `more than ${this.limits.maxProcessedChars} characters of config lines: reading stopped`)
      this.stopped = true
      return
    }
    if (++this.processed > this.limits.maxLines) {
      // Counts every line, not only those kept: a ~SEQ of includes that all fail
      // would otherwise run on without producing anything.
      this.limit(at, `more than ${this.limits.maxLines} config lines (a ~SEQ too long?): reading stopped`)
      this.stopped = true
      return
    }
    if (this.continuing) {
      const def = this.continuing
      let piece = line
      if (piece.endsWith('\\')) piece = `${piece.slice(0, -1).replace(/[ \t]+$/, '')}\n`
      else this.endContinuation()
      if (piece.length >= 2 || (piece.length > 0 && !this.continuing)) def.value += piece
      if (def.value.length > this.limits.maxLineLength * 64) {
        this.limit(at, `definition \$${def.name} longer than ${this.limits.maxLineLength * 64} characters`)
        this.endContinuation()
      }
      return
    }
    try {
      for (;;) {
        if (line[0] === '@') {
          const kept = conditionalLine(line, this.opts.configId)
          if (kept === undefined) return
          line = kept
        }
        if (line[0] === '$') {
          const def = this.defs.define(line)
          if (def) {
            if (def.multiline) this.continuing = def
            return
          }
        }
        if (line.startsWith('~SEQ') || line.startsWith('~LST')) {
          const parsed = line[1] === 'S' ? parseSeq(line, this.defs) : parseLst(line)
          if (parsed.ok) this.gens.push({ kind: 'seq', seq: parsed.seq, at })
          else this.sink.error(at, parsed.error)
          return
        }
        if (line[0] === '~' || !line.includes('$')) break
        const e = this.defs.expand(line)
        if (!e.changed) break
        for (const rest of e.pending) this.gens.push({ kind: 'lines', lines: rest.split('\n'), next: 0, at })
        line = this.decomment(e.text, at)
        if (line[0] !== '@' && !line.includes('$')) break
      }
    } catch (e) {
      if (!(e instanceof LimitError)) throw e
      this.limit(at, e.message)
      return
    }
    if (line === '') return
    if (INCLUDE.test(line)) this.include(unquote(line.slice(8).replace(/^[ \t]+/, '')), at)
    else this.emit(line, at)
  }

  private emit(text: string, at: SourceRef): void {
    let run = 0
    for (let i = 0; i < text.length; i++) {
      const c = text[i]
      run = c === ' ' || c === '\t' || c === '{' || c === '}' ? 0 : run + 1
      if (run > this.limits.maxWordLength) {
        this.limit(at, `word longer than ${this.limits.maxWordLength} characters, line skipped`)
        return
      }
    }
    this.lines.push({ text, at })
  }

  /**
   * Opens the next match of an include (popping it when none is left). Called at
   * once by the include, as keepalived opens (and chdirs into) the first file
   * straight away: a relative include generated by a ~SEQ then resolves against it.
   */
  private openNextMatch(frame: GlobFrame): void {
    for (;;) {
      const path = frame.paths[frame.next++]
      if (path === undefined) {
        this.files.splice(this.files.indexOf(frame), 1)
        return
      }
      if (path.endsWith('/')) this.sink.warning(frame.at, `configuration file '${path}' is a directory - skipping`)
      else if (this.open(path, frame.at)) return
    }
  }

  /** The file being read (the innermost open one). */
  private currentFile(): FileFrame | undefined {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i] as FileFrame | GlobFrame
      if (f.kind === 'file') return f
    }
    return undefined
  }

  private include(pattern: string, at: SourceRef): void {
    const top = this.currentFile() as FileFrame
    // Once the glob budget of the read is spent, later includes are skipped: the
    // first error said why.
    if (this.globSpent) return
    let found
    try {
      found = expandInclude(pattern, dirname(top.file), this.globBudget)
    } catch (e) {
      if (!(e instanceof LimitError)) throw e
      this.globSpent = e instanceof GlobBudgetSpent
      this.limit(at, `include ${pattern}: ${e.message}${this.globSpent ? '; later includes are skipped' : ''}`)
      return
    }
    if (found.paths.length === 0) {
      const what = /[*?[{]/.test(pattern) ? 'no file matches include' : 'included file not found:'
      this.sink.warning(at, `${what} ${pattern}`)
      return
    }
    if (found.missing.length > 0) this.sink.warning(at, `some config files missing: "${pattern}"`)
    const frame: GlobFrame = { kind: 'glob', paths: found.paths, next: 0, at }
    this.files.push(frame)
    this.openNextMatch(frame)
  }
}
