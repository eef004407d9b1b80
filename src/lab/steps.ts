/**
 * Numbered, timed demo steps printed as they run: the title, the details as they
 * come, then ✔ or ✘ with the step's duration.
 */

/** The outcome of one step. */
export interface StepResult {
  n: number
  title: string
  ok: boolean
  ms: number
  error?: string
}

/** Prints steps through `out` and remembers their outcomes. */
export class StepPrinter {
  readonly results: StepResult[] = []

  constructor(private readonly out: (line: string) => void) {}

  /** Print a detail line under the current step. */
  note(text: string): void {
    this.out(`     ${text}`)
  }

  /**
   * Run one step. Returns false (after printing ✘ and the reason) when `fn`
   * throws, so the caller can stop the demo.
   */
  async run(title: string, fn: () => Promise<void>): Promise<boolean> {
    const n = this.results.length + 1
    this.out(`${String(n).padStart(2)}. ${title}`)
    const start = performance.now()
    try {
      await fn()
      const ms = Math.round(performance.now() - start)
      this.results.push({ n, title, ok: true, ms })
      this.out(`     ✔ ok (${ms} ms)`)
      return true
    } catch (err) {
      const ms = Math.round(performance.now() - start)
      const error = err instanceof Error ? err.message : String(err)
      this.results.push({ n, title, ok: false, ms, error })
      this.out(`     ✘ failed (${ms} ms): ${error.split('\n')[0]}`)
      for (const line of error.split('\n').slice(1)) this.out(`       ${line}`)
      return false
    }
  }
}

/** Format a time relative to `t0` as "+1234 ms", aligned for a timeline. */
export function rel(at: number, t0: number): string {
  return `+${Math.round(at - t0)} ms`.padStart(10)
}
