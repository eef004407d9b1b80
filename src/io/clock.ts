/**
 * The system clock: monotonic milliseconds and one-shot timers.
 *
 * `now()` comes from `performance.now()`, which never jumps with wall-clock
 * changes (NTP steps, `date -s`), so VRRP timers stay right across them.
 */
import { performance } from 'node:perf_hooks'
import type { Clock, TimerHandle } from './ports.js'
import type { TimerLateness } from './timer-lateness.js'

/** setTimeout's largest delay (a signed 32-bit number of ms); longer delays are chained. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

interface SystemTimer {
  timeout: NodeJS.Timeout | undefined
  cancelled: boolean
}

export interface SystemClockOptions {
  /** Told how late each timer fired: the daemon's event-loop delay (timer-lateness.ts). */
  lateness?: Pick<TimerLateness, 'record'>
}

/**
 * Creates a {@link Clock} on the process's monotonic clock.
 *
 * A timer never fires before `at`: libuv rounds its loop time to whole
 * milliseconds, so a timeout can wake up a fraction of a millisecond early by
 * `performance.now()`; then it is re-armed for the remainder. Late is allowed,
 * early is not.
 */
export function createSystemClock(now: () => number = () => performance.now(), opts: SystemClockOptions = {}): Clock {
  const { lateness } = opts
  function arm(timer: SystemTimer, at: number, fn: () => void): void {
    const armedAt = now()
    const delay = at - armedAt
    if (delay <= 0) {
      timer.timeout = setTimeout(() => {
        timer.timeout = undefined
        if (timer.cancelled) return
        // Due already when armed: late only by what the loop added since.
        lateness?.record(armedAt, now())
        fn()
      }, 0)
      return
    }
    // Ceil so that whole-millisecond rounding errs on the late side.
    timer.timeout = setTimeout(() => {
      timer.timeout = undefined
      if (timer.cancelled) return
      const firedAt = now()
      if (firedAt < at) return arm(timer, at, fn)
      lateness?.record(at, firedAt)
      fn()
    }, Math.min(Math.ceil(delay), MAX_TIMEOUT_MS))
  }

  return {
    now,
    setTimer(at: number, fn: () => void): TimerHandle {
      if (!Number.isFinite(at)) throw new TypeError(`setTimer: deadline must be a finite number, got ${at}`)
      const timer: SystemTimer = { timeout: undefined, cancelled: false }
      arm(timer, at, fn)
      return { id: timer }
    },
    clearTimer(handle: TimerHandle): void {
      const timer = handle.id as SystemTimer
      timer.cancelled = true
      if (timer.timeout) clearTimeout(timer.timeout)
      timer.timeout = undefined
    },
  }
}
