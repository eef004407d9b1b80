/**
 * Log lines caused by received packets, bounded however many packets come.
 *
 * A flood of 1M spoofed adverts used to write one line each (issue 12: 923k
 * lines, RSS climbing with the log backlog). keepalived stays quiet; we keep one
 * line for the first packet of each kind (so a single misconfigured peer is
 * still reported at once) and then one summary per kind and window:
 * "dropped 923,483 adverts for VRID 52 on eth0 in the last 10 s from 65,000 sources".
 *
 * Memory is bounded whatever the sources: at most `maxKinds` kinds are tracked
 * per window (the rest share one overflow kind), and distinct sources are
 * counted exactly (by 30-bit hash) up to a small number, then estimated in a
 * fixed-size bitmap (linear counting), never kept in a map that grows with the flood.
 * The line budget is bounded too: at most `firstLines` immediate lines and
 * `summaryLines` (+1 for the rest) summaries per window, across all kinds: by
 * default 10 + 5 per 10 s, 90 a minute at most.
 */

/** A kind of packet-caused line: what its summary says and which instance it belongs to. */
export interface FloodKind {
  /** Stable identity: reason + where (instance or interface, VRID). */
  key: string
  instance?: string
  /** Rendered in the summary: e.g. `adverts for VRID 52 on eth0`. */
  what: string
  /** Why they were dropped, if the summary should say. */
  why?: string
}

export interface FloodSummary {
  kind: FloodKind
  /** Packets of this kind in the window that were not logged one by one. */
  count: number
  sources: number
  /** Whether `sources` is an estimate (more distinct sources than are counted exactly). */
  estimated: boolean
}

/** Distinct sources counted exactly up to this many, then estimated. */
const EXACT_SOURCES = 256
/** Bits of the linear-counting bitmap: 8 KiB, good to a few hundred thousand sources. */
const BITMAP_BITS = 1 << 16

/**
 * Counts distinct strings in bounded memory. The exact set holds 30-bit hashes
 * (small integers, no allocation), not the strings: keeping 256 source strings
 * per kind for a 10 s window made V8 promote them under a flood.
 */
export class SourceCounter {
  #exact: Set<number> | undefined = new Set()
  #bits: Uint8Array | undefined

  add(source: string): void {
    const h = fnv1a30(source)
    if (this.#exact) {
      this.#exact.add(h)
      if (this.#exact.size <= EXACT_SOURCES) return
      this.#bits = new Uint8Array(BITMAP_BITS / 8)
      for (const x of this.#exact) this.#setBit(x)
      this.#exact = undefined
      return
    }
    this.#setBit(h)
  }

  /** The number of distinct sources seen, exact or estimated. */
  get count(): { n: number; estimated: boolean } {
    if (this.#exact) return { n: this.#exact.size, estimated: false }
    let zero = 0
    for (const byte of this.#bits!) for (let b = byte ^ 0xff; b; b &= b - 1) zero++
    const n = zero === 0 ? BITMAP_BITS * Math.log(BITMAP_BITS) : -BITMAP_BITS * Math.log(zero / BITMAP_BITS)
    return { n: Math.round(n), estimated: true }
  }

  #setBit(hash: number): void {
    const bit = hash % BITMAP_BITS
    this.#bits![bit >> 3]! |= 1 << (bit & 7)
  }
}

/**
 * FNV-1a folded to 30 bits: cheap, spreads dotted quads well enough for counting
 * and an estimate, and stays a small integer (a 32-bit result would be a heap
 * number, allocated per packet).
 */
function fnv1a30(source: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < source.length; i++) h = Math.imul(h ^ source.charCodeAt(i), 0x01000193)
  return h & 0x3fffffff
}

interface Tally {
  kind: FloodKind
  count: number
  sources: SourceCounter
}

export interface FloodGateOptions {
  windowMs: number
  /** Kinds tracked per window before the rest share one overflow kind. */
  maxKinds?: number
  /** Immediate (first-of-kind) lines per window, across kinds. */
  firstLines?: number
  /** Summary lines per window; the remaining kinds share one more line. */
  summaryLines?: number
}

const OVERFLOW: FloodKind = { key: '*', what: 'adverts of other kinds', why: 'several reasons' }

export class FloodGate {
  readonly windowMs: number
  readonly #maxKinds: number
  readonly #firstLines: number
  readonly #summaryLines: number
  /** Kinds with a line (or a summary) in the previous window: their next packet is not "first". */
  #known = new Set<string>()
  #tallies = new Map<string, Tally>()
  #firstLeft: number

  constructor(opts: FloodGateOptions) {
    this.windowMs = opts.windowMs
    this.#maxKinds = opts.maxKinds ?? 64
    this.#firstLines = opts.firstLines ?? 10
    this.#summaryLines = opts.summaryLines ?? 4
    this.#firstLeft = this.#firstLines
  }

  /**
   * One packet-caused line of `kind` from `source`. Returns true when the line
   * should be written now (the first of its kind, within the line budget);
   * otherwise it is counted for the window's summary.
   */
  admit(kind: FloodKind, source: string): boolean {
    if (!this.#known.has(kind.key) && !this.#tallies.has(kind.key) && this.#firstLeft > 0 && this.#known.size < this.#maxKinds) {
      this.#firstLeft--
      this.#known.add(kind.key)
      return true
    }
    let tally = this.#tallies.get(kind.key)
    if (!tally) {
      const k = this.#tallies.size < this.#maxKinds ? kind : OVERFLOW
      tally = this.#tallies.get(k.key)
      if (!tally) this.#tallies.set(k.key, (tally = { kind: k, count: 0, sources: new SourceCounter() }))
    }
    tally.count++
    tally.sources.add(source)
    return false
  }

  /**
   * Ends the window: the summaries to log (largest first, at most the budget,
   * the rest folded into one), and forgets kinds that were quiet all window.
   */
  endWindow(): FloodSummary[] {
    const tallies = [...this.#tallies.values()].sort((a, b) => b.count - a.count)
    const known = new Set<string>(tallies.map((t) => t.kind.key))
    this.#tallies = new Map()
    this.#known = known
    this.#firstLeft = this.#firstLines
    const shown = tallies.slice(0, this.#summaryLines).map(summary)
    const rest = tallies.slice(this.#summaryLines)
    if (rest.length > 0) {
      const sources = rest.map((t) => t.sources.count)
      shown.push({
        kind: { key: '*rest', what: `adverts of ${rest.length} other kinds`, why: 'several reasons' },
        count: rest.reduce((n, t) => n + t.count, 0),
        sources: sources.reduce((n, s) => n + s.n, 0),
        estimated: true,
      })
    }
    return shown
  }

  /** Kinds currently tracked (for tests: bounded whatever the flood). */
  get trackedKinds(): number {
    return this.#tallies.size + this.#known.size
  }
}

function summary(t: Tally): FloodSummary {
  const { n, estimated } = t.sources.count
  return { kind: t.kind, count: t.count, sources: n, estimated }
}

/** "dropped 923,483 adverts for VRID 52 on eth0 in the last 10 s from 65,000 sources: vrid". */
export function renderSummary(s: FloodSummary, windowMs: number, verb = 'dropped'): string {
  const fmt = groupThousands
  const sources = s.estimated ? `about ${fmt(roundEstimate(s.sources))} sources` : `${fmt(s.sources)} source${s.sources === 1 ? '' : 's'}`
  const who = s.kind.instance ? `(${s.kind.instance}) ` : ''
  return `${who}${verb} ${fmt(s.count)} ${s.kind.what} in the last ${Math.round(windowMs / 1000)} s from ${sources}${s.kind.why ? `: ${s.kind.why}` : ''}`
}

/**
 * 923483 -> "923,483", without Intl: toLocaleString reads ICU's locale data,
 * ~5 MB of the node binary paged in by the first summary of a flood (issue 12's
 * RSS growth, measured with /proc/PID/smaps: all of the RssFile growth).
 */
export function groupThousands(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)))
  let out = ''
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ','
    out += digits[i]
  }
  return n < 0 ? `-${out}` : out
}

/** Two significant digits: an estimate should not look exact. */
function roundEstimate(n: number): number {
  if (n < 100) return n
  const p = 10 ** (Math.floor(Math.log10(n)) - 1)
  return Math.round(n / p) * p
}
