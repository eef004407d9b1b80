/**
 * Effective priority: base priority plus track adjustments (keepalived
 * semantics, see keepalived.conf(5) "track_script", "track_interface",
 * "track_file").
 */
import type { TrackBinding, TrackValue } from './state.js'

/** Priority of the address owner (RFC 3768 5.3.4); track weights never adjust it (keepalived). */
export const OWNER_PRIORITY = 255

/** What one tracked object does to an instance: a priority delta, or FAULT. */
export interface TrackEffect {
  delta: number
  fault: boolean
}

/**
 * - script / interface: weight 0 -> FAULT while failed; weight > 0 added while OK;
 *   weight < 0 added while failed. `reverse` negates the adjustment (and for
 *   weight 0 puts the instance in FAULT while the object is OK).
 * - file: weight 0 -> FAULT while the value is non-zero; otherwise value x weight
 *   (negated by `reverse`) is added, and a result below -253 is FAULT.
 */
export function trackEffect(binding: TrackBinding, value: TrackValue): TrackEffect {
  const { weight, reverse } = binding.ref
  if (binding.kind === 'file') {
    if (weight === 0) return { delta: 0, fault: value.value !== 0 }
    const result = value.value * weight * (reverse ? -1 : 1)
    return result < -253 ? { delta: 0, fault: true } : { delta: result, fault: false }
  }
  if (weight === 0) return { delta: 0, fault: reverse ? value.ok : !value.ok }
  const sign = reverse ? -1 : 1
  if (weight > 0) return { delta: value.ok ? sign * weight : 0, fault: false }
  return { delta: value.ok ? 0 : sign * weight, fault: false }
}

/** For a sync group's own tracks every failure is FAULT, whatever the weight. */
export function groupTrackFails(binding: TrackBinding, value: TrackValue): boolean {
  const failing = binding.kind === 'file' ? value.value !== 0 : !value.ok
  return binding.ref.reverse ? !failing : failing
}

export interface PriorityResult {
  priority: number
  fault: boolean
  /** The first tracked object putting the instance in FAULT. */
  faultBy?: string
}

/** Default value of an object nothing was heard about yet. */
const UNKNOWN: TrackValue = { ok: true, value: 0 }

/**
 * Effective priority clamped to 1..254; 255 (owner) is never adjusted, but a
 * weight-0 track can still put the owner in FAULT.
 */
export function effectivePriority(base: number, tracks: readonly TrackBinding[], values: ReadonlyMap<string, TrackValue>): PriorityResult {
  let sum = base
  let faultBy: string | undefined
  for (const b of tracks) {
    const e = trackEffect(b, values.get(`${b.kind}:${b.ref.name}`) ?? UNKNOWN)
    if (e.fault && faultBy === undefined) faultBy = `${b.kind} ${b.ref.name}`
    sum += e.delta
  }
  const priority = base === OWNER_PRIORITY ? OWNER_PRIORITY : Math.min(254, Math.max(1, sum))
  return faultBy === undefined ? { priority, fault: false } : { priority, fault: true, faultBy }
}
