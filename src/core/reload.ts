/**
 * SIGHUP: a new router from a new config that keeps what survives (keepalived
 * vrrp_reload semantics): instances matched by VRID + family + interface keep
 * their state, timers and stats and run no notify; only the VIP diff is applied
 * to a MASTER; deleted MASTERs send priority 0 and drop their VIPs; new
 * instances start as at startup.
 *
 * Tracked objects keep their last result (keepalived clear_diff_script: a failing
 * check is "considered unsuccessful on reload"), so reloading an unchanged config
 * moves nothing: no priority change, no VIP, no notify. A script is matched by its
 * vrrp_script name, whatever else changed in its block (a new weight applies to
 * the kept result); a script new to the config starts as at startup (OK, FAILED
 * with init_fail); a removed one no longer counts. The shell's script tracker
 * carries the same results (src/io/script-tracker.ts `reload`).
 */
import type { Config, VipEntry } from '../config/model.js'
import type { Action } from './types.js'
import type { InstanceState, RouterOptions, RouterState, StepContext } from './state.js'
import { log } from './state.js'
import { allVips, refreshHealth, sendAdvert, syncTimer } from './instance.js'
import { createRouter } from './router.js'
import { applyHealth, startInstance } from './decide.js'
import { sendGarps } from './transition.js'

function vipKey(v: VipEntry): string {
  return `${v.address}/${v.prefixLength}@${v.dev}`
}

function carry(ctx: StepContext, inst: InstanceState, prev: InstanceState): void {
  const { now } = ctx
  inst.state = prev.state
  inst.stats = prev.stats
  inst.mismatches = prev.mismatches
  inst.masterAddress = prev.masterAddress
  inst.masterPriority = prev.masterPriority
  inst.masterAdverIntervalMs = inst.config.version === 3 && prev.state === 'BACKUP' ? prev.masterAdverIntervalMs : inst.config.advertIntervalMs
  inst.startAt = prev.startAt
  inst.masterDownAt = prev.masterDownAt
  inst.preemptDelayStart = prev.preemptDelayStart
  inst.preemptDelayEndAt = prev.preemptDelayEndAt
  inst.garpBurstAt = prev.garpBurstAt
  inst.garpRefreshAt = prev.garpRefreshAt
  inst.garpLowerPrioAt = prev.garpLowerPrioAt
  inst.lowerPrioFollowUpAt = prev.lowerPrioFollowUpAt
  inst.adverTimerAt = prev.adverTimerAt === undefined ? undefined : Math.min(prev.adverTimerAt, now + inst.config.advertIntervalMs)
  if (prev.name !== inst.name) ctx.actions.push({ type: 'cancelTimer', instance: prev.name })
  if (inst.effectivePriority !== prev.effectivePriority) {
    log(ctx, 'info', `Changing effective priority from ${prev.effectivePriority} to ${inst.effectivePriority}`, inst.name)
  }
  if (inst.state === 'MASTER') {
    const before = new Map(allVips(prev.config).map((v) => [vipKey(v), v]))
    const after = new Map(allVips(inst.config).map((v) => [vipKey(v), v]))
    const removed = [...before].filter(([k]) => !after.has(k)).map(([, v]) => v)
    const added = [...after].filter(([k]) => !before.has(k)).map(([, v]) => v)
    if (removed.length > 0) ctx.actions.push({ type: 'removeVips', instance: inst.name, vips: removed })
    if (added.length > 0) {
      ctx.actions.push({ type: 'addVips', instance: inst.name, vips: added })
      sendGarps(ctx, inst, inst.config.garp.masterRepeat, added)
    }
    // A changed priority, interval or VIP list goes out at once.
    if (inst.effectivePriority !== prev.effectivePriority || removed.length + added.length > 0 || inst.config.advertIntervalMs !== prev.config.advertIntervalMs) {
      sendAdvert(ctx, inst)
      inst.adverTimerAt = now + inst.config.advertIntervalMs
    }
  }
  inst.armedAt = undefined
  syncTimer(ctx, inst)
}

/** Apply a new config at `now`; see the module comment for what is kept. */
export function reloadRouter(old: RouterState, config: Config, now: number, opts: RouterOptions): { router: RouterState; actions: Action[] } {
  const router = createRouter(config, opts)
  router.phase = old.phase
  router.stats = old.stats
  for (const [k, v] of old.trackValues) {
    if (k.startsWith('file:')) router.trackValues.set(k, v)
    // Only scripts the new config still defines: a removed script no longer counts.
    else if (k.startsWith('script:') && router.trackValues.has(k)) router.trackValues.set(k, v)
  }
  const ctx: StepContext = { router, now, actions: [] }
  const fresh: InstanceState[] = []
  const carried: InstanceState[] = []
  const matched = new Set<string>()
  for (const inst of router.instances.values()) {
    refreshHealth(inst, router)
    const prevName = old.byKey.get(inst.key)
    const prev = prevName === undefined ? undefined : old.instances.get(prevName)
    if (prev && old.phase !== 'created') {
      matched.add(prev.name)
      carry(ctx, inst, prev)
      carried.push(inst)
    } else fresh.push(inst)
  }
  const oldCtx: StepContext = { router: old, now, actions: ctx.actions }
  for (const prev of old.instances.values()) {
    if (matched.has(prev.name)) continue
    log(ctx, 'info', 'removed by reload', prev.name)
    if (prev.state === 'MASTER') {
      sendAdvert(oldCtx, prev, 0)
      const vips = allVips(prev.config)
      if (vips.length > 0) {
        log(ctx, 'info', 'removing VIPs.', prev.name)
        ctx.actions.push({ type: 'removeVips', instance: prev.name, vips })
      }
    }
    if (prev.armedAt !== undefined && !router.instances.has(prev.name)) ctx.actions.push({ type: 'cancelTimer', instance: prev.name })
  }
  for (const group of router.groups.values()) {
    const member = group.members.map((m) => router.instances.get(m)).find((i) => i !== undefined && carried.includes(i))
    group.state = member?.state ?? 'INIT'
  }
  if (router.phase !== 'running') return { router, actions: ctx.actions }
  for (const inst of carried) applyHealth(ctx, inst)
  for (const inst of fresh) if (inst.state === 'INIT') startInstance(ctx, inst)
  return { router, actions: ctx.actions }
}
