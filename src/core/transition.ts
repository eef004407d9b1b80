/**
 * The one transition function, `transition()`, with a handler per entered state
 * (FRR's vrrp_change_state_handlers[], etcd's becomeLeader()) and the sync
 * group's fan-out (keepalived vrrp_sync_master / _backup / _fault). Which state
 * an instance should be in is decided in decide.ts; this module only carries a
 * decision out.
 */
import type { VipEntry } from '../config/model.js'
import type { VrrpState } from './types.js'
import type { GroupState, InstanceState, StepContext } from './state.js'
import { log } from './state.js'
import { allVips, clearTimers, masterDownFor, sendAdvert, sourceAddress, syncTimer } from './instance.js'
import { groupOf } from './sync-group.js'

/**
 * One `sendGarp` action per (dev, family) of the instance's VIPs, with
 * keepalived's log line per address.
 */
export function sendGarps(ctx: StepContext, inst: InstanceState, repeat: number, vips: VipEntry[] = allVips(inst.config)): void {
  const garp = inst.config.garp
  const byDev = new Map<string, VipEntry[]>()
  for (const v of vips) {
    const k = `${v.dev}|${v.family}`
    const list = byDev.get(k)
    if (list) list.push(v)
    else byDev.set(k, [v])
  }
  for (const list of byDev.values()) {
    const first = list[0]!
    const what = first.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'
    for (const v of list) log(ctx, 'info', `Sending/queueing ${what} on ${v.dev} for ${v.address}`, inst.name)
    ctx.actions.push({
      type: 'sendGarp',
      instance: inst.name,
      interface: first.dev,
      vips: list,
      repeat,
      intervalMs: first.family === 4 ? garp.intervalMs : garp.gnaIntervalMs,
    })
  }
}

/**
 * Whether traffic to and from the VIPs is dropped while MASTER (RFC 9568 6.1
 * Accept_Mode false; keepalived vrrp_handle_accept_mode): not for the address
 * owner, nor with `accept`. The shell keeps the filter; the core says when.
 */
export function dropsVipTraffic(cfg: { accept: boolean; priority: number }): boolean {
  return !cfg.accept && cfg.priority !== 255
}

/** Advert first, then VIPs, then the first GARP burst (RFC 3768 6.4.1 / 6.4.2). */
function enterMaster(ctx: StepContext, inst: InstanceState): void {
  const { now } = ctx
  const cfg = inst.config
  clearTimers(inst)
  sendAdvert(ctx, inst)
  const vips = allVips(cfg)
  if (dropsVipTraffic(cfg)) log(ctx, 'info', 'setting firewall drop rule', inst.name)
  if (vips.length > 0) {
    log(ctx, 'info', 'setting VIPs.', inst.name)
    ctx.actions.push({ type: 'addVips', instance: inst.name, vips })
    sendGarps(ctx, inst, cfg.garp.masterRepeat, vips)
  }
  inst.masterAdverIntervalMs = cfg.advertIntervalMs
  inst.masterAddress = sourceAddress(inst, ctx.router)
  inst.masterPriority = inst.effectivePriority
  inst.adverTimerAt = now + cfg.advertIntervalMs
  if (cfg.garp.masterDelayMs > 0 && vips.length > 0) inst.garpBurstAt = now + cfg.garp.masterDelayMs
  if (cfg.garp.masterRefreshMs > 0 && vips.length > 0) inst.garpRefreshAt = now + cfg.garp.masterRefreshMs
}

/**
 * Leaving MASTER: optionally priority 0 (RFC 3768 6.4.3 Shutdown; for FAULT, keepalived's
 * vrrp_state_leave_master), then drop the VIPs.
 */
function releaseMaster(ctx: StepContext, inst: InstanceState, sendPriorityZero: boolean, stopping = false): void {
  if (sendPriorityZero) sendAdvert(ctx, inst, 0)
  // keepalived says so when it stops (vrrp_restore_interface), not when it goes to FAULT.
  if (sendPriorityZero && stopping) log(ctx, 'info', 'sent 0 priority', inst.name)
  const vips = allVips(inst.config)
  if (vips.length > 0) {
    log(ctx, 'info', 'removing VIPs.', inst.name)
    ctx.actions.push({ type: 'removeVips', instance: inst.name, vips })
  }
  if (dropsVipTraffic(inst.config)) log(ctx, 'info', 'removing firewall drop rule', inst.name)
  inst.stats.releaseMaster++
}

function enterBackup(ctx: StepContext, inst: InstanceState, from: VrrpState): void {
  if (from === 'MASTER') releaseMaster(ctx, inst, false)
  clearTimers(inst)
  if (from !== 'MASTER') inst.masterAdverIntervalMs = inst.config.advertIntervalMs
  inst.masterAddress = undefined
  inst.masterPriority = undefined
  inst.masterDownAt = ctx.now + masterDownFor(inst)
}

function enterFault(ctx: StepContext, inst: InstanceState, from: VrrpState): void {
  if (from === 'MASTER') releaseMaster(ctx, inst, true)
  clearTimers(inst)
  inst.masterAddress = undefined
  inst.masterPriority = undefined
}

function enterInit(ctx: StepContext, inst: InstanceState, from: VrrpState): void {
  if (from === 'MASTER') releaseMaster(ctx, inst, true, true)
  clearTimers(inst)
  inst.masterAddress = undefined
  inst.masterPriority = undefined
}

function entryMessage(from: VrrpState, to: VrrpState): string {
  switch (to) {
    case 'MASTER':
      return 'Entering MASTER STATE'
    case 'BACKUP':
      return from === 'INIT' ? 'Entering BACKUP STATE (init)' : 'Entering BACKUP STATE'
    case 'FAULT':
      return 'Entering FAULT STATE'
    case 'INIT':
      return 'Stopped'
    default: {
      const never: never = to
      return never
    }
  }
}

/**
 * Move one instance to `to` (no-op when already there): log in keepalived's
 * words, run the entry handler, count, emit stateChanged and runNotify, re-arm
 * the timer. The sync group is not touched (see `transition`).
 */
function enter(ctx: StepContext, inst: InstanceState, to: VrrpState, reason: string): void {
  const from = inst.state
  if (from === to) return
  log(ctx, 'info', entryMessage(from, to), inst.name)
  // keepalived's line says no why; vrrpd's reason goes beside it, for the operator who gets the alert.
  if (to === 'FAULT') log(ctx, 'info', `FAULT reason: ${reason}`, inst.name)
  switch (to) {
    case 'MASTER':
      enterMaster(ctx, inst)
      inst.stats.becomeMaster++
      break
    case 'BACKUP':
      enterBackup(ctx, inst, from)
      break
    case 'FAULT':
      enterFault(ctx, inst, from)
      break
    case 'INIT':
      enterInit(ctx, inst, from)
      break
    default: {
      const never: never = to
      throw new Error(`unknown state ${String(never)}`)
    }
  }
  inst.state = to
  inst.wantsMaster = false
  ctx.actions.push({ type: 'stateChanged', instance: inst.name, from, to, priority: inst.effectivePriority, reason })
  ctx.actions.push({
    type: 'runNotify',
    owner: { kind: 'INSTANCE', name: inst.name },
    state: to === 'INIT' ? 'STOP' : to,
    priority: inst.effectivePriority,
  })
  syncTimer(ctx, inst)
}

/** Bring the other members along (keepalived vrrp_sync_master / _backup / _fault) and notify for the group. */
function syncMembers(ctx: StepContext, group: GroupState, to: VrrpState, origin: InstanceState): void {
  for (const m of group.members) {
    const other = ctx.router.instances.get(m)
    if (!other || other === origin) continue
    const why = `sync group ${group.name}`
    switch (to) {
      case 'MASTER':
        if (other.state === 'BACKUP') enter(ctx, other, 'MASTER', why)
        break
      case 'BACKUP':
        if (other.state === 'MASTER') enter(ctx, other, 'BACKUP', why)
        break
      case 'FAULT':
        if (other.state === 'MASTER' || other.state === 'BACKUP') enter(ctx, other, 'FAULT', why)
        break
      case 'INIT':
        // Shutdown stops every instance itself; the group's STOP notify is the caller's.
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

/**
 * The one transition function: move `inst` to `to` and its sync group with it.
 * Callers decide (decide.ts, receive.ts); this carries the decision out.
 */
export function transition(ctx: StepContext, inst: InstanceState, to: VrrpState, reason: string): void {
  if (inst.state === to) return
  enter(ctx, inst, to, reason)
  const group = groupOf(ctx, inst)
  if (group) syncMembers(ctx, group, to, inst)
}
