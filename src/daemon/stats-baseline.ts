/**
 * keepalived's SIGSTATS_CLEAR: write keepalived.stats, then zero every
 * instance's counters. The core's counters only grow (they are part of its
 * state and survive reloads), so the daemon keeps what was cleared and shows
 * the difference, in every view: keepalived.stats, keepalived.json and
 * `vrrpd status`.
 */
import type { InstanceView } from '../core/index.js'
import type { InstanceStats } from '../core/types.js'

type Counters = Omit<InstanceStats, 'dropped'> & { dropped: Record<string, number> }

export class StatsBaseline {
  readonly #cleared = new Map<string, Counters>()

  /** The views with the counters counted since the last clear. */
  apply(instances: InstanceView[]): InstanceView[] {
    return instances.map((i) => {
      const base = this.#cleared.get(i.name)
      if (!base) return i
      const stats = { ...i.stats } as unknown as Record<string, number>
      for (const [k, v] of Object.entries(base)) if (k !== 'dropped' && typeof v === 'number') stats[k] = Math.max(0, (stats[k] ?? 0) - v)
      const dropped: Record<string, number> = {}
      for (const [r, n] of Object.entries(i.stats.dropped)) {
        const left = (n ?? 0) - (base.dropped[r] ?? 0)
        if (left > 0) dropped[r] = left
      }
      return { ...i, stats: { ...(stats as unknown as InstanceStats), dropped } }
    })
  }

  /** Zero the counters of these (already baselined) views from now on. */
  clear(shown: InstanceView[]): void {
    for (const i of shown) {
      const prev = this.#cleared.get(i.name)
      const next = { ...i.stats, dropped: { ...(i.stats.dropped as Record<string, number>) } } as Counters
      if (prev) {
        const sum = next as unknown as Record<string, number>
        for (const [k, v] of Object.entries(prev)) if (k !== 'dropped' && typeof v === 'number') sum[k] = (sum[k] ?? 0) + v
        for (const [r, n] of Object.entries(prev.dropped)) next.dropped[r] = (next.dropped[r] ?? 0) + n
      }
      this.#cleared.set(i.name, next)
    }
  }
}
