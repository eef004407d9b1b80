/**
 * Which state an instance should be in: every decision of the core, in one
 * place, to check against RFC 3768 / RFC 9568 section 6.4 and keepalived's
 * FAULT and sync-group rules. Each decision is carried out by the one
 * transition function, `transition()` (transition.ts).
 *
 * | from          | event                                   | to     | rule                                   |
 * |---------------|-----------------------------------------|--------|----------------------------------------|
 * | INIT          | startup, no fault, priority 255         | MASTER | RFC 6.4.1                              |
 * | INIT          | startup, no fault                       | BACKUP | RFC 6.4.1                              |
 * | INIT          | startup, a fault                        | FAULT  | keepalived (FAULT is not in the RFC)   |
 * | BACKUP        | Master_Down_Timer fires                 | MASTER | RFC 6.4.2, unless the sync group holds |
 * | MASTER        | advert with a higher priority, or equal | BACKUP | RFC 6.4.3 (comparison in receive.ts)   |
 * |               | priority from a higher source address   |        |                                        |
 * | MASTER/BACKUP | a fault appears (own or sync group's)   | FAULT  | keepalived                             |
 * | FAULT         | the last fault clears                   | BACKUP | keepalived (MASTER for an owner, or    |
 * |               |                                         |        | a member of a MASTER sync group)       |
 * | any           | shutdown                                | INIT   | RFC 6.4.2 / 6.4.3 Shutdown             |
 *
 * Faults (keepalived): the instance's interface down (unless
 * dont_track_primary), no address of its family on it, a weight-0 track
 * failing, a failed VIP add; in a sync group also a failing group track or a
 * fault of any other member (vrrp_sync_fault).
 *
 * Sync group to MASTER (keepalived vrrp_sync_can_goto_master): a group that is
 * not MASTER yet goes MASTER only when every member wants to. A member whose
 * Master_Down_Timer expires while another still hears its master stays BACKUP
 * (`wantsMaster`), its timer re-armed, so that a link cut on one interface does
 * not drag the group to MASTER and back every Master_Down_Interval.
 */
import type { InstanceState, StepContext } from './state.js'
import { log } from './state.js'
import { masterDownFor } from './instance.js'
import { OWNER_PRIORITY } from './priority.js'
import { groupFaultCause, groupOf, memberNotReadyForMaster } from './sync-group.js'
import { transition } from './transition.js'

/** Why the instance must be in FAULT, or undefined: its own reasons, or its sync group's. */
function faultCause(ctx: StepContext, inst: InstanceState): string | undefined {
  if (inst.ownFault) return inst.faultReason
  const group = groupOf(ctx, inst)
  return group ? groupFaultCause(ctx, group, inst) : undefined
}

/** Where a started instance with no fault goes: an owner, or a member of a MASTER group, to MASTER. */
function healthyState(ctx: StepContext, inst: InstanceState): 'MASTER' | 'BACKUP' {
  if (inst.basePriority === OWNER_PRIORITY) return 'MASTER'
  return groupOf(ctx, inst)?.state === 'MASTER' ? 'MASTER' : 'BACKUP'
}

/** Startup of one instance (RFC 3768 6.4.1): FAULT if a fault holds, an owner MASTER at once, else BACKUP. */
export function startInstance(ctx: StepContext, inst: InstanceState): void {
  inst.startAt = undefined
  const cause = faultCause(ctx, inst)
  if (cause !== undefined) transition(ctx, inst, 'FAULT', cause)
  else transition(ctx, inst, healthyState(ctx, inst), 'startup')
}

function applyOne(ctx: StepContext, inst: InstanceState): void {
  if (inst.state === 'INIT') return
  const cause = faultCause(ctx, inst)
  if (cause !== undefined && inst.state !== 'FAULT') transition(ctx, inst, 'FAULT', cause)
  else if (cause === undefined && inst.state === 'FAULT') transition(ctx, inst, healthyState(ctx, inst), 'fault cleared')
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

/**
 * A BACKUP's Master_Down_Timer fired (RFC 3768 6.4.2 / RFC 9568 6.4.2): become
 * MASTER, unless a sync-group member still hears its master; then want MASTER
 * and wait another Master_Down_Interval (keepalived vrrp_sync_can_goto_master).
 */
export function masterDownExpired(ctx: StepContext, inst: InstanceState): void {
  inst.masterDownAt = undefined
  // keepalived's line for the reason of the MASTER line that follows (vrrp_scheduler.c).
  log(ctx, 'info', 'Receive advertisement timeout', inst.name)
  const group = groupOf(ctx, inst)
  const holder = group && memberNotReadyForMaster(ctx, group, inst)
  if (group && holder) {
    if (!inst.wantsMaster) log(ctx, 'debug', `master down, but ${holder.name} of sync group ${group.name} is not ready for MASTER - staying BACKUP`, inst.name)
    inst.wantsMaster = true
    inst.masterDownAt = ctx.now + masterDownFor(inst)
    return
  }
  transition(ctx, inst, 'MASTER', 'master down timer expired')
}

/** A MASTER heard a better master (RFC 3768 6.4.3 / RFC 9568 6.4.3; the comparison is receive.ts's). */
export function yieldToBetterMaster(ctx: StepContext, inst: InstanceState, source: string): void {
  transition(ctx, inst, 'BACKUP', `higher priority advert from ${source}`)
}

/** Shutdown (RFC 3768 6.4.2 / 6.4.3): every running instance to INIT; a MASTER sends priority 0 and releases. */
export function stopInstance(ctx: StepContext, inst: InstanceState): void {
  transition(ctx, inst, 'INIT', 'shutdown')
}
