/**
 * Drops found by the shell's receive path (decoder and envelope checks), counted
 * per instance when the VRID names one, and globally otherwise. The core counts
 * its own drops in InstanceStats; the stats file shows the sum of both.
 */
import type { DropReason } from '../protocol/types.js'

export type DropCounts = Partial<Record<DropReason, number>>

export class DropCounters {
  readonly #perInstance = new Map<string, DropCounts>()
  readonly #unattributed: DropCounts = {}

  count(reason: DropReason, instance?: string): void {
    const bucket = instance === undefined ? this.#unattributed : this.#bucket(instance)
    bucket[reason] = (bucket[reason] ?? 0) + 1
  }

  forInstance(instance: string): DropCounts {
    return { ...(this.#perInstance.get(instance) ?? {}) }
  }

  unattributed(): DropCounts {
    return { ...this.#unattributed }
  }

  #bucket(instance: string): DropCounts {
    let b = this.#perInstance.get(instance)
    if (!b) this.#perInstance.set(instance, (b = {}))
    return b
  }
}

/** Adds two sets of drop counts. */
export function sumDrops(a: DropCounts, b: DropCounts): DropCounts {
  const out: DropCounts = { ...a }
  for (const [k, v] of Object.entries(b) as [DropReason, number][]) out[k] = (out[k] ?? 0) + v
  return out
}

/**
 * Lets one log line through per key and window, and says how many were held back
 * since the last one, so a flood of bad packets cannot flood the log (keepalived #472).
 */
export class RateLimiter {
  readonly #last = new Map<string, { at: number; suppressed: number }>()
  /** Keys are meant to be few (instances, devices); past this many, expired ones are forgotten. */
  static readonly MAX_KEYS = 1024
  constructor(readonly windowMs: number) {}

  /** Returns the number of suppressed lines to report when this one may be logged, else undefined. */
  allow(key: string, now: number): number | undefined {
    const entry = this.#last.get(key)
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++
      return undefined
    }
    const suppressed = entry?.suppressed ?? 0
    if (!entry && this.#last.size >= RateLimiter.MAX_KEYS) this.#forgetExpired(now)
    this.#last.set(key, { at: now, suppressed: 0 })
    return suppressed
  }

  get size(): number {
    return this.#last.size
  }

  /** Memory stays bounded even if a caller keys by something an attacker controls. */
  #forgetExpired(now: number): void {
    for (const [key, e] of this.#last) if (now - e.at >= this.windowMs) this.#last.delete(key)
    if (this.#last.size >= RateLimiter.MAX_KEYS) this.#last.clear()
  }
}
