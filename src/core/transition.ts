/**
 * The one transition function of an instance, with a handler per entered state
 * (FRR's vrrp_change_state_handlers[], etcd's becomeLeader()).
 */
import type { VipEntry } from '../config/model.js'
import type { VrrpState } from './types.js'
import type { InstanceState, StepContext } from './state.js'
import { log } from './state.js'
import { allVips, clearTimers, masterDownFor, primaryAddress, sendAdvert, syncTimer } from './instance.js'

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

/** Advert first, then VIPs, then the first GARP burst (RFC 3768 6.4.1 / 6.4.2). */
function enterMaster(ctx: StepContext, inst: InstanceState): void {
  const { now } = ctx
  const cfg = inst.config
  clearTimers(inst)
  sendAdvert(ctx, inst)
  const vips = allVips(cfg)
  if (vips.length > 0) {
    log(ctx, 'info', 'setting VIPs.', inst.name)
    ctx.actions.push({ type: 'addVips', instance: inst.name, vips })
    sendGarps(ctx, inst, cfg.garp.masterRepeat, vips)
  }
  inst.masterAdverIntervalMs = cfg.advertIntervalMs
  inst.masterAddress = primaryAddress(inst, ctx.router)
  inst.masterPriority = inst.effectivePriority
  inst.adverTimerAt = now + cfg.advertIntervalMs
  if (cfg.garp.masterDelayMs > 0 && vips.length > 0) inst.garpBurstAt = now + cfg.garp.masterDelayMs
  if (cfg.garp.masterRefreshMs > 0 && vips.length > 0) inst.garpRefreshAt = now + cfg.garp.masterRefreshMs
}

/** Leaving MASTER: optionally priority 0 (RFC 3768 6.4.3 Shutdown), then drop the VIPs. */
function releaseMaster(ctx: StepContext, inst: InstanceState, sendPriorityZero: boolean, stopping = false): void {
  if (sendPriorityZero) sendAdvert(ctx, inst, 0)
  // keepalived says so when it stops (vrrp_restore_interface), not when it goes to FAULT.
  if (sendPriorityZero && stopping) log(ctx, 'info', 'sent 0 priority', inst.name)
  const vips = allVips(inst.config)
  if (vips.length > 0) {
    log(ctx, 'info', 'removing VIPs.', inst.name)
    ctx.actions.push({ type: 'removeVips', instance: inst.name, vips })
  }
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
 * the timer. Sync groups are handled by the caller (sync-group.ts).
 */
export function changeState(ctx: StepContext, inst: InstanceState, to: VrrpState, reason: string): void {
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
  ctx.actions.push({ type: 'stateChanged', instance: inst.name, from, to, priority: inst.effectivePriority, reason })
  ctx.actions.push({
    type: 'runNotify',
    owner: { kind: 'INSTANCE', name: inst.name },
    state: to === 'INIT' ? 'STOP' : to,
    priority: inst.effectivePriority,
  })
  syncTimer(ctx, inst)
}
