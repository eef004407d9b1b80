/**
 * Loud config-mismatch reports: vrrpd's answer to keepalived's known flaw.
 *
 * A BACKUP that drops a peer's adverts because the password, interval, version
 * or VIP list differ lets its master-down timer run out: two MASTERs, silently.
 * The RFC says drop (RFC 3768 7.1), and we do, but we also say so at level
 * 'error', once per source and reason until the detail changes (or the peer's
 * adverts become acceptable again and then break anew).
 */
import type { DropReason } from '../protocol/types.js'
import type { InstanceState, StepContext } from './state.js'
import { log } from './state.js'

/** Drop reasons that mean "this peer is configured differently from us". */
export const MISMATCH_REASONS: ReadonlySet<DropReason> = new Set<DropReason>(['version', 'authMismatch', 'authData', 'interval', 'addressList'])

/** Sources remembered per instance; a flood of spoofed sources cannot grow the state without bound. */
export const MAX_MISMATCH_SOURCES = 64

/**
 * A remembered source may make room for a new one once it has been quiet this
 * long. Before that a full table takes no new source: a flood of spoofed
 * mismatching adverts used to replace one entry per packet, and that churn of
 * short-lived maps was what V8 promoted to its old generation (issue 12: RSS
 * +40 MB over 1M packets). The reports go on (the daemon's flood gate bounds them).
 */
export const MISMATCH_FORGET_MS = 60_000

/**
 * Record a mismatch from `source`; emits the error log only when this
 * source+reason is new or its detail changed. Returns whether it logged.
 */
export function reportMismatch(ctx: StepContext, inst: InstanceState, source: string, reason: DropReason, detail: string): boolean {
  let bySource = inst.mismatches.get(source)
  if (!bySource) {
    if (inst.mismatches.size >= MAX_MISMATCH_SOURCES) {
      const oldest = inst.mismatches.entries().next().value
      if (oldest && !quietSince(oldest[1], ctx.now - MISMATCH_FORGET_MS)) {
        // Full of recent sources: report this one without remembering it.
        inst.stats.configMismatch = (inst.stats.configMismatch ?? 0) + 1
        log(ctx, 'error', `CONFIG MISMATCH: advert from ${source} has ${detail} - split brain likely`, inst.name)
        return true
      }
      if (oldest) inst.mismatches.delete(oldest[0])
    }
    bySource = new Map()
    inst.mismatches.set(source, bySource)
  }
  const note = bySource.get(reason)
  if (note && note.detail === detail) {
    note.lastAt = ctx.now
    note.count++
    return false
  }
  bySource.set(reason, { detail, firstAt: ctx.now, lastAt: ctx.now, count: 1 })
  inst.stats.configMismatch = (inst.stats.configMismatch ?? 0) + 1
  log(ctx, 'error', `CONFIG MISMATCH: advert from ${source} has ${detail} - split brain likely`, inst.name)
  return true
}

/** Whether every note of a source was last seen before `since`. */
function quietSince(notes: ReadonlyMap<DropReason, { lastAt: number }>, since: number): boolean {
  for (const note of notes.values()) if (note.lastAt >= since) return false
  return true
}

/** Whether reportMismatch would report this one (new source+reason, or a changed detail). */
export function isNewMismatch(inst: InstanceState, source: string, reason: DropReason, detail: string): boolean {
  return inst.mismatches.get(source)?.get(reason)?.detail !== detail
}

/** A clean advert from `source`: forget its mismatches so a new one is reported again. */
export function clearMismatches(inst: InstanceState, source: string): void {
  if (inst.mismatches.size > 0) inst.mismatches.delete(source)
}
