/**
 * Building an instance's state from its config, the adverts it sends and its
 * single timer.
 */
import type { VipEntry, VrrpInstance } from '../config/model.js'
import type { Advert } from '../protocol/types.js'
import { AUTH_TYPE } from '../protocol/types.js'
import { authDataFor } from './address.js'
import { effectivePriority } from './priority.js'
import { earliest, masterDownIntervalMs } from './timers.js'
import type { InstanceState, RouterState, StepContext, TrackBinding } from './state.js'
import { emptyStats, instanceKey } from './state.js'

/** The instance's tracked objects, in config order. */
export function bindingsOf(cfg: { trackScripts: VrrpInstance['trackScripts']; trackInterfaces: VrrpInstance['trackInterfaces']; trackFiles: VrrpInstance['trackFiles'] }): TrackBinding[] {
  return [
    ...cfg.trackScripts.map((ref) => ({ kind: 'script' as const, ref })),
    ...cfg.trackInterfaces.map((ref) => ({ kind: 'interface' as const, ref })),
    ...cfg.trackFiles.map((ref) => ({ kind: 'file' as const, ref })),
  ]
}

/** The VIPs carried in adverts: `virtual_ipaddress` of the instance's family (not the excluded ones). */
function advertisedVips(cfg: VrrpInstance): VipEntry[] {
  return cfg.virtualIpAddresses.filter((v) => v.family === cfg.family)
}

/** Every address the instance adds while MASTER. */
export function allVips(cfg: VrrpInstance): VipEntry[] {
  return [...cfg.virtualIpAddresses, ...cfg.virtualIpAddressesExcluded]
}

function advertTemplate(cfg: VrrpInstance): Advert {
  const v2auth = cfg.version === 2 && cfg.authentication !== undefined
  return {
    version: cfg.version,
    type: 1,
    virtualRouterId: cfg.virtualRouterId,
    priority: cfg.priority,
    adverIntervalMs: cfg.advertIntervalMs,
    authType: !v2auth ? AUTH_TYPE.none : cfg.authentication!.type === 'PASS' ? AUTH_TYPE.simple : AUTH_TYPE.ah,
    authData: v2auth && cfg.authentication!.type === 'PASS' ? authDataFor(cfg.authentication!.password) : Buffer.alloc(cfg.version === 2 ? 8 : 0),
    ipAddresses: advertisedVips(cfg).map((v) => v.address),
    family: cfg.family,
  }
}

/** A new instance in INIT, with its fault status computed from the router's view. */
export function createInstanceState(cfg: VrrpInstance, router: RouterState): InstanceState {
  const tracks = bindingsOf(cfg)
  const inst: InstanceState = {
    name: cfg.name,
    config: cfg,
    key: instanceKey(cfg.interface, cfg.family, cfg.virtualRouterId),
    state: 'INIT',
    basePriority: cfg.priority,
    effectivePriority: cfg.priority,
    masterAdverIntervalMs: cfg.advertIntervalMs,
    wantsMaster: false,
    ownFault: false,
    vipsFailed: false,
    advertTemplate: advertTemplate(cfg),
    tracks,
    stats: emptyStats(),
    mismatches: new Map(),
  }
  refreshHealth(inst, router)
  return inst
}

/**
 * Recompute effective priority and own fault (interface, address, tracks,
 * addVips failure). Returns the previous priority so callers can log a change.
 */
export function refreshHealth(inst: InstanceState, router: RouterState): { oldPriority: number; oldFault: boolean } {
  const old = { oldPriority: inst.effectivePriority, oldFault: inst.ownFault }
  const cfg = inst.config
  const p = effectivePriority(inst.basePriority, inst.tracks, router.trackValues)
  inst.effectivePriority = p.priority
  let reason: string | undefined
  if (!cfg.dontTrackPrimary && router.interfacesUp[cfg.interface] !== true) reason = `interface ${cfg.interface} down`
  else if (router.primaryAddresses[cfg.interface]?.[cfg.family] === undefined) reason = `no IPv${cfg.family} address on ${cfg.interface}`
  else if (p.fault) reason = `${p.faultBy} failed`
  else if (inst.vipsFailed) reason = 'adding VIPs failed'
  inst.ownFault = reason !== undefined
  inst.faultReason = reason
  return old
}

/**
 * The address our adverts leave from: `unicast_src_ip`, else `mcast_src_ip`,
 * else the interface's primary address (the daemon sends from the same
 * choice). Elections compare it, as keepalived's vrrp_saddr_cmp compares the
 * configured source address; our own adverts are recognised by it.
 */
export function sourceAddress(inst: InstanceState, router: RouterState): string | undefined {
  const cfg = inst.config
  return cfg.unicastSrcIp ?? cfg.mcastSrcIp ?? router.primaryAddresses[cfg.interface]?.[cfg.family]
}

/** Master_Down_Interval for this instance now (RFC 3768 6.1 / RFC 9568 6.1). */
export function masterDownFor(inst: InstanceState): number {
  return masterDownIntervalMs(inst.config.version, inst.effectivePriority, inst.masterAdverIntervalMs)
}

/** Emit an advert with our effective priority (or `priority`, e.g. 0 on release). */
export function sendAdvert(ctx: StepContext, inst: InstanceState, priority = inst.effectivePriority): void {
  ctx.actions.push({ type: 'sendAdvert', instance: inst.name, advert: { ...inst.advertTemplate, priority } })
  inst.stats.advertSent++
  if (priority === 0) inst.stats.priZeroSent++
}

/** The one deadline of the instance: the earliest of its running timers. */
export function deadlineOf(inst: InstanceState): number | undefined {
  return earliest(inst.startAt, inst.adverTimerAt, inst.masterDownAt, inst.preemptDelayEndAt, inst.garpBurstAt, inst.garpRefreshAt, inst.garpLowerPrioAt)
}

/** Tell the shell about the deadline when it changed (armTimer / cancelTimer). */
export function syncTimer(ctx: StepContext, inst: InstanceState): void {
  const at = deadlineOf(inst)
  if (at === inst.armedAt) return
  inst.armedAt = at
  ctx.actions.push(at === undefined ? { type: 'cancelTimer', instance: inst.name } : { type: 'armTimer', instance: inst.name, at })
}

/** Stop every timer of the instance. */
export function clearTimers(inst: InstanceState): void {
  inst.startAt = inst.adverTimerAt = inst.masterDownAt = undefined
  inst.preemptDelayStart = inst.preemptDelayEndAt = undefined
  inst.garpBurstAt = inst.garpRefreshAt = inst.garpLowerPrioAt = undefined
}
