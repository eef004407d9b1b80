/**
 * Handlers for the non-advert events: startup, shutdown, the instance timer,
 * tracked objects, interfaces, addresses and I/O failures.
 */
import type { TrackKind } from './types.js'
import type { InstanceState, StepContext, TrackValue } from './state.js'
import { trackEffect } from './priority.js'
import { log, trackKey } from './state.js'
import { refreshHealth, sendAdvert, sourceAddress, syncTimer } from './instance.js'
import { refreshGroupTracks } from './sync-group.js'
import { applyHealth, masterDownExpired, startInstance, stopInstance } from './decide.js'
import { sendGarps } from './transition.js'

/** RFC 3768 6.4.1 Startup, after `vrrp_startup_delay` when one is set. */
export function handleStartup(ctx: StepContext): void {
  const { router, now } = ctx
  if (router.phase !== 'created') return
  router.phase = 'running'
  const delay = router.config.globalDefs.startupDelayMs
  for (const inst of router.instances.values()) {
    if (delay > 0) {
      inst.startAt = now + delay
      syncTimer(ctx, inst)
    } else startInstance(ctx, inst)
  }
  if (delay > 0) log(ctx, 'info', `Delaying startup for ${delay / 1000} seconds`)
}

/** RFC 3768 6.4.2/6.4.3 Shutdown: masters send priority 0 and release; STOP notifies; timers cancelled. */
export function handleShutdown(ctx: StepContext): void {
  const { router } = ctx
  if (router.phase === 'stopped') return
  router.phase = 'stopped'
  for (const inst of router.instances.values()) {
    if (inst.state === 'INIT') {
      inst.startAt = undefined
      syncTimer(ctx, inst)
    } else stopInstance(ctx, inst)
  }
  for (const group of router.groups.values()) {
    if (group.state === 'INIT') continue
    group.state = 'INIT'
    ctx.actions.push({ type: 'runNotify', owner: { kind: 'GROUP', name: group.name }, state: 'STOP', priority: 0 })
  }
}

/** The instance's single deadline came: run whichever of its timers are due. */
export function handleTimer(ctx: StepContext, inst: InstanceState): void {
  const { now } = ctx
  const cfg = inst.config
  inst.armedAt = undefined
  if (inst.startAt !== undefined && inst.startAt <= now) {
    if (inst.state === 'INIT' && ctx.router.phase === 'running') startInstance(ctx, inst)
    else inst.startAt = undefined
  }
  if (inst.state === 'MASTER') {
    if (inst.adverTimerAt !== undefined && inst.adverTimerAt <= now) {
      sendAdvert(ctx, inst)
      inst.adverTimerAt = now + cfg.advertIntervalMs
    }
    if (inst.garpBurstAt !== undefined && inst.garpBurstAt <= now) {
      inst.garpBurstAt = undefined
      sendGarps(ctx, inst, cfg.garp.masterRepeat)
    }
    if (inst.garpLowerPrioAt !== undefined && inst.garpLowerPrioAt <= now) {
      inst.garpLowerPrioAt = undefined
      sendGarps(ctx, inst, cfg.garp.lowerPrioRepeat)
    }
    if (inst.garpRefreshAt !== undefined && inst.garpRefreshAt <= now) {
      inst.garpRefreshAt = now + cfg.garp.masterRefreshMs
      sendGarps(ctx, inst, cfg.garp.masterRefreshRepeat)
    }
  } else if (inst.state === 'BACKUP') {
    if (inst.preemptDelayEndAt !== undefined && inst.preemptDelayEndAt <= now) {
      inst.preemptDelayEndAt = undefined
      log(ctx, 'debug', 'preempt delay over', inst.name)
    }
    if (inst.masterDownAt !== undefined && inst.masterDownAt <= now) masterDownExpired(ctx, inst)
  }
  syncTimer(ctx, inst)
}

/** Recompute priority and fault of one instance and act on the changes. */
function reassess(ctx: StepContext, inst: InstanceState): void {
  const { oldPriority, oldFault } = refreshHealth(inst, ctx.router)
  if (inst.effectivePriority !== oldPriority) {
    log(ctx, 'info', `Changing effective priority from ${oldPriority} to ${inst.effectivePriority}`, inst.name)
    if (inst.state === 'MASTER') {
      // The next advert carries the new priority; keepalived sends one at once.
      sendAdvert(ctx, inst)
      inst.adverTimerAt = ctx.now + inst.config.advertIntervalMs
      inst.masterPriority = inst.effectivePriority
      syncTimer(ctx, inst)
    }
    // vrrp_notify_priority_changes: keepalived's vrrp_set_effective_priority, the FIFO only.
    if (inst.config.notifyPriorityChanges) {
      ctx.actions.push({ type: 'instanceEvent', instance: inst.name, event: inst.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', priority: inst.effectivePriority })
    }
  }
  if (inst.ownFault !== oldFault || inst.state === 'FAULT') applyHealth(ctx, inst)
}

export function handleTrack(ctx: StepContext, kind: TrackKind, name: string, ok: boolean, value: number | undefined): void {
  const { router } = ctx
  const key = trackKey(kind, name)
  const before = router.trackValues.get(key) ?? { ok: true, value: 0 }
  const after = { ok, value: kind === 'file' ? (ok ? value ?? 0 : 0) : 0 }
  router.trackValues.set(key, after)
  for (const n of router.instancesByTrack.get(key) ?? []) {
    const inst = router.instances.get(n)
    if (!inst) continue
    if (kind === 'file') logTrackFileFault(ctx, inst, name, before, after)
    reassess(ctx, inst)
  }
  for (const g of router.groupsByTrack.get(key) ?? []) {
    const group = router.groups.get(g)
    if (!group) continue
    const before = group.trackFault
    refreshGroupTracks(ctx, group)
    if (before === group.trackFault) continue
    const first = group.members.map((m) => router.instances.get(m)).find((i) => i !== undefined)
    if (first) applyHealth(ctx, first)
  }
}

/** keepalived's lines (track_file.c) when a tracked file puts an instance in or out of FAULT. */
function logTrackFileFault(ctx: StepContext, inst: InstanceState, name: string, before: TrackValue, after: TrackValue): void {
  for (const b of inst.tracks) {
    if (b.kind !== 'file' || b.ref.name !== name) continue
    const was = trackEffect(b, before).fault
    const is = trackEffect(b, after).fault
    if (was === is) continue
    // "(VI_1): tracked ..." with keepalived's colon, so not through log()'s "(VI_1) " prefix.
    ctx.actions.push({ type: 'log', level: 'info', instance: inst.name, message: `(${inst.name}): tracked file ${name} ${is ? 'now FAULT state' : 'leaving FAULT state'}` })
  }
}

export function handleInterface(ctx: StepContext, iface: string, up: boolean): void {
  const { router } = ctx
  router.interfacesUp[iface] = up
  for (const n of router.byInterface.get(iface) ?? []) {
    const inst = router.instances.get(n)
    if (!inst) continue
    if (up) inst.vipsFailed = false
    reassess(ctx, inst)
  }
  // track_interface references see the same event as a tracked object.
  handleTrack(ctx, 'interface', iface, up, undefined)
}

export function handleAddress(ctx: StepContext, iface: string, family: 4 | 6, address: string | undefined): void {
  const { router } = ctx
  const entry = (router.primaryAddresses[iface] ??= {})
  if (address === undefined) delete entry[family]
  else entry[family] = address
  for (const n of router.byInterface.get(iface) ?? []) {
    const inst = router.instances.get(n)
    if (!inst || inst.config.family !== family) continue
    if (address !== undefined) inst.vipsFailed = false
    reassess(ctx, inst)
    if (inst.state === 'MASTER') inst.masterAddress = sourceAddress(inst, router)
  }
}

export function handleIoFailed(ctx: StepContext, inst: InstanceState, op: string, message: string): void {
  if (op !== 'addVips') {
    log(ctx, 'warn', `${op} failed: ${message}`, inst.name)
    return
  }
  log(ctx, 'error', `adding VIPs failed: ${message}`, inst.name)
  inst.vipsFailed = true
  reassess(ctx, inst)
}
