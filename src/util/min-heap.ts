/**
 * A binary min-heap over an array, ordered by `before`. Used for the daemon's
 * instance deadlines (src/daemon/instance-timers.ts) and the simulator's event
 * queue: O(log n) push and pop, no allocation beyond the array.
 */
export class MinHeap<T> {
  #items: T[] = []

  constructor(private readonly before: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.#items.length
  }

  /** The smallest item, left in place. */
  peek(): T | undefined {
    return this.#items[0]
  }

  push(item: T): void {
    const h = this.#items
    let i = h.push(item) - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const h = this.#items
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }

  /** Replaces the contents with `items` (any order) in O(n log n). */
  reset(items: T[] = []): void {
    // A sorted array is a valid heap.
    this.#items = [...items].sort((x, y) => (this.before(x, y) ? -1 : this.before(y, x) ? 1 : 0))
  }
}
