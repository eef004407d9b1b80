/**
 * Sync-group facts (keepalived vrrp_sync.c): which group an instance is in,
 * whether the group's own tracks fail, and whether every member is ready for
 * MASTER. The decisions built on them live in decide.ts, the fan-out of a
 * member's transition to the others in transition.ts.
 */
import type { GroupState, InstanceState, StepContext } from './state.js'
import { groupTrackFails } from './priority.js'

export function groupOf(ctx: StepContext, inst: InstanceState): GroupState | undefined {
  return inst.config.syncGroup === undefined ? undefined : ctx.router.groups.get(inst.config.syncGroup)
}

/** Recompute whether the group's own tracked objects put it in FAULT. */
export function refreshGroupTracks(ctx: StepContext, group: GroupState): void {
  group.trackFault = group.tracks.some((b) => groupTrackFails(b, ctx.router.trackValues.get(`${b.kind}:${b.ref.name}`) ?? { ok: true, value: 0 }))
}

/** Why the group puts `inst` in FAULT (its own tracks, or another member's fault), or undefined. */
export function groupFaultCause(ctx: StepContext, group: GroupState, inst: InstanceState): string | undefined {
  if (group.trackFault) return `sync group ${group.name} track failed`
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (other && other !== inst && other.ownFault) return `sync group ${group.name}: ${other.name} in FAULT`
  }
  return undefined
}

/**
 * Whether a member would be MASTER if it were alone: MASTER already, or a
 * BACKUP whose Master_Down_Timer has expired (keepalived's wantstate MASTER).
 */
function wantsMaster(inst: InstanceState): boolean {
  return inst.state === 'MASTER' || (inst.state === 'BACKUP' && inst.wantsMaster)
}

/**
 * The member of the group that is not ready for MASTER, if any (keepalived
 * vrrp_sync_can_goto_master): a group that is not MASTER yet goes MASTER only
 * when every member wants to, preferring BACKUP to thrashing. One member that
 * still hears a master keeps the whole group BACKUP.
 */
export function memberNotReadyForMaster(ctx: StepContext, group: GroupState, inst: InstanceState): InstanceState | undefined {
  if (group.state === 'MASTER') return undefined
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (other && other !== inst && !wantsMaster(other)) return other
  }
  return undefined
}
