/**
 * What a MASTER does besides advertising when it hears a lower priority
 * (keepalived vrrp.c vrrp_state_master_rx): a GARP burst of
 * garp_lower_prio_repeat now and again after garp_lower_prio_delay, the same for
 * the other MASTER members of its sync group, and the MASTER_RX_LOWER_PRI event
 * (notify_master_rx_lower_pri, the notify FIFO). A lower-priority master means
 * the link was cut for a while: the burst takes the clients' ARP caches back.
 *
 * keepalived does all of it for every such advert. vrrpd does it at most once
 * per half Advertisement_Interval: a real lower-priority master sends one advert
 * per interval, so it is answered each time; a flood of forged ones cannot make
 * us spawn a script or a GARP burst per packet.
 */
import type { InstanceState, StepContext } from './state.js'
import { allVips, syncTimer } from './instance.js'
import { groupOf } from './sync-group.js'
import { sendGarps } from './transition.js'

export function followUpLowerPriority(ctx: StepContext, inst: InstanceState): void {
  const { now } = ctx
  if (inst.lowerPrioFollowUpAt !== undefined && now - inst.lowerPrioFollowUpAt < inst.config.advertIntervalMs / 2) return
  inst.lowerPrioFollowUpAt = now
  lowerPriorityGarps(ctx, inst)
  const group = groupOf(ctx, inst)
  for (const name of group?.members ?? []) {
    const member = ctx.router.instances.get(name)
    // keepalived sends only for members whose VIPs are set, i.e. MASTERs.
    if (member && member !== inst && member.state === 'MASTER') lowerPriorityGarps(ctx, member)
  }
  ctx.actions.push({ type: 'instanceEvent', instance: inst.name, event: 'MASTER_RX_LOWER_PRI', priority: inst.effectivePriority })
}

function lowerPriorityGarps(ctx: StepContext, inst: InstanceState): void {
  const garp = inst.config.garp
  if (garp.lowerPrioRepeat === 0 || allVips(inst.config).length === 0) return
  sendGarps(ctx, inst, garp.lowerPrioRepeat)
  // One repeat pending at a time (keepalived queues one per advert).
  if (garp.lowerPrioDelayMs > 0 && inst.garpLowerPrioAt === undefined) {
    inst.garpLowerPrioAt = ctx.now + garp.lowerPrioDelayMs
    syncTimer(ctx, inst)
  }
}
