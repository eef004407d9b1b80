/**
 * The event-loop delay an operator cares about: how late the daemon's own
 * timers fire (every advert, master-down and GARP-delay deadline), recorded in a
 * perf_hooks histogram as each one fires.
 *
 * Why not perf_hooks.monitorEventLoopDelay: it samples with a timer of its own,
 * which wakes an idle daemon `1000 / resolution` times a second. At the 10 ms
 * resolution that makes its figures useful, that costs ~120 ms of CPU per 30 s,
 * twelve times the whole idle budget of one instance (bench/footprint-process.mjs).
 * The daemon's timers are the moments a late loop hurts (an advert goes out
 * late, a backup takes over late), and with many instances or fast adverts there
 * are thousands of them a second: they are the better sample, and free.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'

/** Delay percentiles since start, in ms; `samples` is the number of timers measured. */
export interface LoopDelay {
  p50: number
  p99: number
  max: number
  samples: number
}

export interface TimerLateness {
  /** A timer due at `dueMs` ran at `firedMs` (same clock). */
  record(dueMs: number, firedMs: number): void
  read(): LoopDelay
}

/** Microsecond resolution: the histogram takes integers; 1 µs is below what the loop can show. */
export function createTimerLateness(): TimerLateness {
  const h: RecordableHistogram = createHistogram()
  const ms = (us: number) => (Number.isFinite(us) ? us / 1000 : 0)
  return {
    record(dueMs, firedMs) {
      // createHistogram refuses values below 1.
      h.record(Math.max(1, Math.round((firedMs - dueMs) * 1000)))
    },
    read() {
      if (h.count === 0) return { p50: 0, p99: 0, max: 0, samples: 0 }
      return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count }
    },
  }
}
