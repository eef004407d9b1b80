/**
 * Sync groups: members move to MASTER / BACKUP / FAULT together, and the group's
 * own tracks put every member in FAULT (keepalived vrrp_sync.c semantics).
 */
import type { VrrpState } from './types.js'
import type { GroupState, InstanceState, StepContext } from './state.js'
import { log } from './state.js'
import { changeState } from './transition.js'
import { groupTrackFails } from './priority.js'
import { OWNER_PRIORITY } from './priority.js'

export function groupOf(ctx: StepContext, inst: InstanceState): GroupState | undefined {
  return inst.config.syncGroup === undefined ? undefined : ctx.router.groups.get(inst.config.syncGroup)
}

/** Recompute whether the group's own tracked objects put it in FAULT. */
export function refreshGroupTracks(ctx: StepContext, group: GroupState): void {
  group.trackFault = group.tracks.some((b) => groupTrackFails(b, ctx.router.trackValues.get(`${b.kind}:${b.ref.name}`) ?? { ok: true, value: 0 }))
}

/** Why the instance must be in FAULT, or undefined: its own reasons, or any of its group's. */
export function faultCause(ctx: StepContext, inst: InstanceState): string | undefined {
  if (inst.ownFault) return inst.faultReason
  const group = groupOf(ctx, inst)
  if (!group) return undefined
  if (group.trackFault) return `sync group ${group.name} track failed`
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (other && other !== inst && other.ownFault) return `sync group ${group.name}: ${other.name} in FAULT`
  }
  return undefined
}

function syncMembers(ctx: StepContext, group: GroupState, to: VrrpState, origin: InstanceState): void {
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (!other || other === origin) continue
    const why = `sync group ${group.name}`
    switch (to) {
      case 'MASTER':
        if (other.state === 'BACKUP') changeState(ctx, other, 'MASTER', why)
        break
      case 'BACKUP':
        if (other.state === 'MASTER') changeState(ctx, other, 'BACKUP', why)
        break
      case 'FAULT':
        if (other.state === 'MASTER' || other.state === 'BACKUP') changeState(ctx, other, 'FAULT', why)
        break
      case 'INIT':
        break
      default: {
        const never: never = to
        throw new Error(`unknown state ${String(never)}`)
      }
    }
  }
  if (to !== 'INIT' && group.state !== to) {
    group.state = to
    log(ctx, 'info', `VRRP_Group(${group.name}) Syncing instances to ${to} state`)
    ctx.actions.push({ type: 'runNotify', owner: { kind: 'GROUP', name: group.name }, state: to, priority: origin.effectivePriority })
  }
}

/** changeState, then bring the instance's sync group along. */
export function moveTo(ctx: StepContext, inst: InstanceState, to: VrrpState, reason: string): void {
  if (inst.state === to) return
  changeState(ctx, inst, to, reason)
  const group = groupOf(ctx, inst)
  if (group) syncMembers(ctx, group, to, inst)
}

/** Where a started instance with no fault goes: an owner (or a member of a MASTER group) to MASTER. */
function healthyState(ctx: StepContext, inst: InstanceState): 'MASTER' | 'BACKUP' {
  if (inst.basePriority === OWNER_PRIORITY) return 'MASTER'
  return groupOf(ctx, inst)?.state === 'MASTER' ? 'MASTER' : 'BACKUP'
}

function applyOne(ctx: StepContext, inst: InstanceState): void {
  if (inst.state === 'INIT') return
  const cause = faultCause(ctx, inst)
  if (cause !== undefined && inst.state !== 'FAULT') moveTo(ctx, inst, 'FAULT', cause)
  else if (cause === undefined && inst.state === 'FAULT') moveTo(ctx, inst, healthyState(ctx, inst), 'fault cleared')
}

/**
 * After a health change of `inst` (or of its group's tracks): enter or leave
 * FAULT as needed, for the whole sync group.
 */
export function applyHealth(ctx: StepContext, inst: InstanceState): void {
  const group = groupOf(ctx, inst)
  if (!group) return applyOne(ctx, inst)
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (other) applyOne(ctx, other)
  }
}

/** Startup of one instance: FAULT, owner -> MASTER at once, else BACKUP (RFC 3768 6.4.1). */
export function startInstance(ctx: StepContext, inst: InstanceState): void {
  inst.startAt = undefined
  const cause = faultCause(ctx, inst)
  if (cause !== undefined) moveTo(ctx, inst, 'FAULT', cause)
  else moveTo(ctx, inst, healthyState(ctx, inst), 'startup')
}
