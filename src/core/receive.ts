/**
 * Receiving an advert that decoded cleanly: checks against our configuration
 * (RFC 3768 7.1 / RFC 9568 7.1, the parts that need the config), then the
 * state's rules (RFC 3768 6.4.2 / 6.4.3, RFC 9568 6.4.2 / 6.4.3).
 */
import type { Advert, DropReason } from '../protocol/types.js'
import { AUTH_TYPE } from '../protocol/types.js'
import type { InstanceState, StepContext } from './state.js'
import { log } from './state.js'
import { authDataEqual, compareAddresses } from './address.js'
import { masterDownFor, sendAdvert, sourceAddress, syncTimer } from './instance.js'
import { skewTimeMs } from './timers.js'
import { clearMismatches, isNewMismatch, MISMATCH_REASONS, reportMismatch } from './mismatch.js'
import { yieldToBetterMaster } from './decide.js'
import { followUpLowerPriority } from './lower-priority.js'

export interface Rejection {
  reason: DropReason
  /** keepalived's own line for this drop (vrrp.c vrrp_check_packet), without the "(VI_1) " prefix. */
  message: string
  /** For the loud report: "has interval 2000 ms, ours 1000 ms". */
  detail: string
}

function sameAddressSet(advertised: readonly string[], ours: readonly string[]): boolean {
  if (advertised.length !== ours.length) return false
  const set = new Set(advertised)
  return ours.every((a) => set.has(a))
}

/** The config checks, in RFC 3768 7.1 order; undefined = accept. */
function checkAdvert(inst: InstanceState, source: string, advert: Advert): Rejection | undefined {
  const cfg = inst.config
  const mine = inst.advertTemplate
  if (advert.version !== cfg.version) {
    return { reason: 'version', message: `wrong version. Received ${advert.version} and expect ${cfg.version}`, detail: `version ${advert.version}, ours ${cfg.version}` }
  }
  if (cfg.version === 2) {
    if (advert.authType !== mine.authType) {
      return { reason: 'authMismatch', message: `received a ${advert.authType} auth, expecting ${mine.authType}!`, detail: `auth type ${advert.authType}, ours ${mine.authType}` }
    }
    if (mine.authType === AUTH_TYPE.simple && !authDataEqual(advert.authData, mine.authData)) {
      return { reason: 'authData', message: 'received an invalid passwd!', detail: 'a different auth_pass' }
    }
    if (advert.adverIntervalMs !== cfg.advertIntervalMs) {
      return {
        reason: 'interval',
        message: `advertisement interval mismatch mine=${Math.floor(cfg.advertIntervalMs / 1000)} sec rcv'd=${Math.floor(advert.adverIntervalMs / 1000)} sec`,
        detail: `interval ${advert.adverIntervalMs} ms, ours ${cfg.advertIntervalMs} ms`,
      }
    }
  }
  // keepalived: with skip_check_adv_addr the list is checked only for a new master.
  if (!(cfg.skipCheckAdvAddr && source === inst.masterAddress) && !sameAddressSet(advert.ipAddresses, mine.ipAddresses)) {
    return {
      reason: 'addressList',
      message:
        advert.ipAddresses.length !== mine.ipAddresses.length
          ? `received an unexpected ip number count ${advert.ipAddresses.length}, expected ${mine.ipAddresses.length}!`
          : `ip address associated with VRID ${cfg.virtualRouterId} not present in MASTER advert: ${mine.ipAddresses.find((a) => !advert.ipAddresses.includes(a)) ?? ''}`,
      detail: `VIPs [${advert.ipAddresses.join(' ')}], ours [${mine.ipAddresses.join(' ')}]`,
    }
  }
  return undefined
}

/** RFC 3768 6.4.2 / RFC 9568 6.4.2: Backup. */
function backupReceive(ctx: StepContext, inst: InstanceState, source: string, advert: Advert): void {
  const cfg = inst.config
  const { now } = ctx
  if (advert.priority === 0) {
    inst.stats.priZeroRcvd++
    log(ctx, 'info', 'Backup received priority 0 advertisement', inst.name)
    inst.masterDownAt = now + skewTimeMs(cfg.version, inst.effectivePriority, inst.masterAdverIntervalMs)
    return
  }
  const local = inst.effectivePriority
  let accept = !cfg.nopreempt ? advert.priority >= local : true
  if (!accept && cfg.preemptDelayMs > 0) {
    // preempt_delay: keep accepting the lower-priority master until the delay has run.
    if (inst.preemptDelayStart === undefined) {
      inst.preemptDelayStart = now
      inst.preemptDelayEndAt = now + cfg.preemptDelayMs
      log(ctx, 'info', `lower priority (${advert.priority}) master ${source}: preempting in ${cfg.preemptDelayMs} ms`, inst.name)
    }
    accept = now < inst.preemptDelayStart + cfg.preemptDelayMs
  }
  if (!accept) {
    log(ctx, 'debug', `received lower priority (${advert.priority}) advert from ${source} - ignoring, preempting`, inst.name)
    // higher_prio_send_advert: tell the lower-priority master at once that we are
    // here, so it steps down now instead of at our next master-down expiry.
    if (cfg.higherPrioSendAdvert && advert.priority < local) sendAdvert(ctx, inst)
    return
  }
  if (advert.priority >= local) inst.preemptDelayStart = inst.preemptDelayEndAt = undefined
  // A master is heard again: no longer ready for MASTER (keepalived sets wantstate BACKUP here).
  inst.wantsMaster = false
  if (cfg.version === 3) inst.masterAdverIntervalMs = advert.adverIntervalMs
  inst.masterAddress = source
  inst.masterPriority = advert.priority
  inst.masterDownAt = now + masterDownFor(inst)
}

/** RFC 3768 6.4.3 / RFC 9568 6.4.3: Master. */
function masterReceive(ctx: StepContext, inst: InstanceState, source: string, advert: Advert): void {
  const cfg = inst.config
  const { now } = ctx
  if (advert.priority === 0) {
    // RFC 3768 6.4.3: "If the Priority is zero, then: Send an ADVERTISEMENT"
    // (at most once per interval, as the lower-priority answer below).
    inst.stats.priZeroRcvd++
    if (!mayForceAdvert(inst, now)) return
    log(ctx, 'info', `Master received priority 0 advert from ${source} - sending advert`, inst.name)
    forceAdvert(ctx, inst)
    return
  }
  const local = inst.effectivePriority
  // Equal priorities are decided by the addresses the adverts leave from
  // (keepalived vrrp_saddr_cmp: unicast_src_ip / mcast_src_ip, else the primary;
  // an advert from that very address was dropped as our own).
  const higherSource = advert.priority === local && compareAddresses(source, sourceAddress(inst, ctx.router) ?? '', cfg.family) > 0
  if (advert.priority > local || higherSource) {
    log(
      ctx,
      'info',
      higherSource ? `Master received advert from ${source} with same priority ${local} but higher IP address than ours` : `Master received advert from ${source} with higher priority ${advert.priority}, ours ${local}`,
      inst.name,
    )
    yieldToBetterMaster(ctx, inst, source)
    if (cfg.version === 3) inst.masterAdverIntervalMs = advert.adverIntervalMs
    inst.masterAddress = source
    inst.masterPriority = advert.priority
    inst.masterDownAt = now + masterDownFor(inst)
    return
  }
  answerLowerPriority(ctx, inst, source, advert.priority)
}

/**
 * A MASTER heard a lower priority (or an equal one from a lower address):
 * keepalived "forces a new election" by advertising at once (vrrp.c
 * vrrp_state_master_rx), unless lower_prio_no_advert. keepalived does that for
 * every such advert; we do it at most once per Advertisement_Interval, so a
 * flood of lower-priority adverts cannot turn the master into an amplifier.
 * The lower-priority sender still hears us within one interval.
 */
function answerLowerPriority(ctx: StepContext, inst: InstanceState, source: string, priority: number): void {
  if (inst.config.lowerPrioNoAdvert) {
    log(ctx, 'debug', `Received advert from ${source} with lower priority ${priority}, ours ${inst.effectivePriority}`, inst.name)
  } else if (mayForceAdvert(inst, ctx.now)) {
    log(ctx, 'info', `Received advert from ${source} with lower priority ${priority}, ours ${inst.effectivePriority}, forcing new election`, inst.name)
    forceAdvert(ctx, inst)
  }
  followUpLowerPriority(ctx, inst)
}

/** At most one out-of-turn advert per Advertisement_Interval. */
function mayForceAdvert(inst: InstanceState, now: number): boolean {
  return inst.forcedAdvertAt === undefined || now - inst.forcedAdvertAt >= inst.config.advertIntervalMs
}

/** Advertise now and restart the Adver_Timer from now. */
function forceAdvert(ctx: StepContext, inst: InstanceState): void {
  inst.forcedAdvertAt = ctx.now
  sendAdvert(ctx, inst)
  inst.adverTimerAt = ctx.now + inst.config.advertIntervalMs
}

/** Handle one advert routed to `inst`. Drops are counted and logged, never silent. */
export function receiveAdvert(ctx: StepContext, inst: InstanceState, source: string, advert: Advert): void {
  if (inst.state === 'INIT' || inst.state === 'FAULT') {
    log(ctx, 'debug', `ignoring advert from ${source} in ${inst.state} state`, inst.name)
    return
  }
  if (source === sourceAddress(inst, ctx.router)) {
    inst.stats.dropped.ownAdvert = (inst.stats.dropped.ownAdvert ?? 0) + 1
    log(ctx, 'debug', `dropping our own advert from ${source}`, inst.name)
    return
  }
  const rejection = checkAdvert(inst, source, advert)
  // RFC 3768 7.1 / RFC 9568 7.1: a wrong address list MUST be dropped unless the
  // sender is the address owner (priority 255): then log and continue processing.
  const ownerList = rejection?.reason === 'addressList' && advert.priority === 255
  if (rejection) {
    if (!ownerList) inst.stats.dropped[rejection.reason] = (inst.stats.dropped[rejection.reason] ?? 0) + 1
    // keepalived's line at its level (info) once per peer and mismatch, beside the
    // CONFIG MISMATCH alarm; every further packet only at debug (keepalived logs each).
    const mismatch = MISMATCH_REASONS.has(rejection.reason)
    log(ctx, mismatch && isNewMismatch(inst, source, rejection.reason, rejection.detail) ? 'info' : 'debug', rejection.message, inst.name)
    if (mismatch) reportMismatch(ctx, inst, source, rejection.reason, rejection.detail)
    if (!ownerList) return
  } else clearMismatches(inst, source)
  inst.stats.advertRcvd++
  if (inst.state === 'BACKUP') backupReceive(ctx, inst, source, advert)
  else masterReceive(ctx, inst, source, advert)
  syncTimer(ctx, inst)
}
