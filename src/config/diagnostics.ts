/**
 * Collecting config problems: every handler reports here and parsing goes on, so
 * one run shows every mistake (keepalived's report_config_error, without stopping).
 */
import { CONFIG_TEST_EXIT, type Diagnostic, type Severity, type SourceRef } from './model.js'

/**
 * Errors and warnings listed one by one; past this many, the rest are counted in
 * one closing line. keepalived logs every one, but a 50,000-line ~SEQ of unknown
 * keywords gave 50,000 lines that nobody reads and made `-t` GC-bound (issue 12).
 * Fatal problems are always listed.
 */
export const MAX_LISTED_DIAGNOSTICS = 1000

/** Collects diagnostics; `security` marks a script-security problem (exit code 6). */
export class DiagnosticSink {
  readonly items: Diagnostic[] = []
  security = false
  #listed = 0
  #unlisted: { count: number; errors: number } | undefined

  /** `always`: listed even past the cap (a reader limit says why the rest of the config is missing). */
  add(severity: Severity, at: SourceRef, message: string, always = false): void {
    if (severity === 'fatal' || always || this.#listed < MAX_LISTED_DIAGNOSTICS) {
      if (severity !== 'fatal') this.#listed++
      this.items.push({ file: at.file, line: at.line, severity, message })
      return
    }
    // One closing item, read when listed: an error among the unlisted still makes it an error (exit 5).
    if (!this.#unlisted) {
      const u = { count: 0, errors: 0 }
      this.#unlisted = u
      this.items.push({
        file: at.file,
        line: 0,
        get severity(): Severity {
          return u.errors > 0 ? 'error' : 'warning'
        },
        get message(): string {
          return `${u.count.toLocaleString('en-US')} more problems not listed (${u.errors.toLocaleString('en-US')} of them errors); only the first ${MAX_LISTED_DIAGNOSTICS} are`
        },
      })
    }
    this.#unlisted.count++
    if (severity === 'error') this.#unlisted.errors++
  }
  fatal(at: SourceRef, message: string): void {
    this.add('fatal', at, message)
  }
  error(at: SourceRef, message: string): void {
    this.add('error', at, message)
  }
  /** An error that is always listed, past the cap too. */
  errorAlways(at: SourceRef, message: string): void {
    this.add('error', at, message, true)
  }
  warning(at: SourceRef, message: string): void {
    this.add('warning', at, message)
  }
}

/**
 * One diagnostic as people read it: `FILE:LINE: error|warning: message`. A fatal
 * problem prints as `error` (it is the exit code that says it was fatal); line 0
 * means "the file as a whole" and is left out.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file
  const sev = d.severity === 'warning' ? 'warning' : 'error'
  return `${where}: ${sev}: ${d.message}`
}

/**
 * The `-t` exit code for a set of diagnostics, as keepalived 2.2.7 orders them:
 * fatal (4) over script security (6) over plain errors (5); warnings alone are 0.
 */
export function exitCodeFor(items: readonly Diagnostic[], security: boolean): 0 | 4 | 5 | 6 {
  if (items.some((d) => d.severity === 'fatal')) return CONFIG_TEST_EXIT.fatal
  if (security) return CONFIG_TEST_EXIT.scriptSecurity
  if (items.some((d) => d.severity === 'error')) return CONFIG_TEST_EXIT.errors
  return CONFIG_TEST_EXIT.ok
}

/**
 * Diagnostics in reading order: files in the order they were first mentioned,
 * lines ascending within a file, whole-file notes (line 0) last. Stable otherwise.
 */
export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  const fileOrder = new Map<string, number>()
  for (const d of items) if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size)
  const line = (d: Diagnostic): number => (d.line === 0 ? Number.MAX_SAFE_INTEGER : d.line)
  return items
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (fileOrder.get(a.d.file) as number) - (fileOrder.get(b.d.file) as number) || line(a.d) - line(b.d) || a.i - b.i)
    .map((x) => x.d)
}
