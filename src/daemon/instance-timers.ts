/**
 * The core's one timer per instance (keepalived's `sands`): `armTimer` replaces
 * the instance's deadline, `cancelTimer` drops it; firing raises `timerFired`.
 *
 * All deadlines live in one min-heap behind a single clock timer, as keepalived
 * keeps its timers in one tree behind one poll timeout. At 1,000 instances a
 * backup moves a master-down deadline for every advert it receives (1,000 a
 * second): a heap push is cheaper than a clearTimeout + setTimeout pair with a
 * closure each, and deadlines due at the same moment fire in one wake-up.
 *
 * A replaced or cancelled deadline stays in the heap and is skipped when it
 * reaches the top (lazy deletion); the heap is rebuilt from the live deadlines
 * when stale entries outnumber them.
 */
import type { Clock, TimerHandle } from '../io/ports.js'
import { MinHeap } from '../util/min-heap.js'

interface Deadline {
  at: number
  /** Arming order: ties fire first-armed first, and deadlines armed while firing wait for the next round. */
  seq: number
  instance: string
}

const before = (x: Deadline, y: Deadline): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq)

/** Rebuild when the heap holds more than this many entries per live deadline (and more than the floor). */
const STALE_FACTOR = 4
const STALE_FLOOR = 64

export class InstanceTimers {
  /** The live deadline of each instance; a heap entry not in here is stale. */
  readonly #live = new Map<string, Deadline>()
  readonly #heap = new MinHeap<Deadline>(before)
  #seq = 0
  #armed: { at: number; handle: TimerHandle } | undefined
  #firing = false

  constructor(
    private readonly clock: Clock,
    private readonly fire: (instance: string) => void,
  ) {}

  arm(instance: string, at: number): void {
    if (!Number.isFinite(at)) throw new TypeError(`armTimer: deadline must be a finite number, got ${at}`)
    const d: Deadline = { at, seq: this.#seq++, instance }
    this.#live.set(instance, d)
    this.#heap.push(d)
    if (this.#heap.size > STALE_FLOOR && this.#heap.size > STALE_FACTOR * this.#live.size) this.#heap.reset([...this.#live.values()])
    this.#schedule()
  }

  cancel(instance: string): void {
    if (this.#live.delete(instance)) this.#schedule()
  }

  cancelAll(): void {
    this.#live.clear()
    this.#heap.reset()
    this.#schedule()
  }

  /** How many instances have a deadline (for tests and status). */
  get size(): number {
    return this.#live.size
  }

  /**
   * Keeps the one clock timer at or before the earliest live deadline. When the
   * earliest deadline moves later (a backup's master-down timer pushed back by
   * an advert: the one due next is usually the one just re-armed), the clock
   * timer stays where it is and, if nothing is due by then, moves on when it
   * fires: one early wake-up per master-down interval instead of a clock timer
   * per received advert.
   */
  #schedule(): void {
    if (this.#firing) return
    let top = this.#heap.peek()
    while (top && this.#live.get(top.instance) !== top) {
      this.#heap.pop()
      top = this.#heap.peek()
    }
    if (this.#armed && top && this.#armed.at <= top.at) return
    if (this.#armed) this.clock.clearTimer(this.#armed.handle)
    this.#armed = top && { at: top.at, handle: this.clock.setTimer(top.at, () => this.#fireDue()) }
  }

  /** Fires every deadline that is due, earliest first. */
  #fireDue(): void {
    this.#armed = undefined
    this.#firing = true
    const now = this.clock.now()
    const round = this.#seq
    try {
      for (let d = this.#heap.peek(); d && d.at <= now && d.seq < round; d = this.#heap.peek()) {
        this.#heap.pop()
        if (this.#live.get(d.instance) !== d) continue
        this.#live.delete(d.instance)
        this.fire(d.instance)
      }
    } finally {
      this.#firing = false
      this.#schedule()
    }
  }
}
