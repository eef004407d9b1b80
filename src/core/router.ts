/**
 * The router: every instance of one daemon, indexed so that an event costs the
 * same whether the daemon carries 1 instance or 1,000.
 */
import type { Config } from '../config/model.js'
import type { Action, Event } from './types.js'
import type { GroupState, RouterOptions, RouterState, StepContext } from './state.js'
import { log, trackKey } from './state.js'
import { bindingsOf, createInstanceState } from './instance.js'
import { refreshGroupTracks } from './sync-group.js'
import { receiveAdvert } from './receive.js'
import { handleAddress, handleInterface, handleIoFailed, handleShutdown, handleStartup, handleTimer, handleTrack } from './events.js'

function pushIndex(map: Map<string, string[]>, key: string, name: string): void {
  const list = map.get(key)
  if (!list) map.set(key, [name])
  else if (!list.includes(name)) list.push(name)
}

function cloneAddresses(a: RouterOptions['primaryAddresses']): RouterState['primaryAddresses'] {
  const out: RouterState['primaryAddresses'] = {}
  for (const [k, v] of Object.entries(a)) out[k] = { ...v }
  return out
}

/**
 * Build the router for `config` with every instance in INIT. Nothing happens
 * until the `startup` event. Track scripts start OK unless `init_fail`;
 * interfaces tracked start as `interfacesUp` says; track files read 0.
 */
export function createRouter(config: Config, opts: RouterOptions): RouterState {
  const router: RouterState = {
    config,
    instances: new Map(),
    byKey: new Map(),
    byInterface: new Map(),
    instancesByTrack: new Map(),
    groupsByTrack: new Map(),
    groups: new Map(),
    trackValues: new Map(),
    primaryAddresses: cloneAddresses(opts.primaryAddresses),
    interfacesUp: { ...opts.interfacesUp },
    phase: 'created',
    stats: { dropped: {} },
  }
  for (const [name, script] of Object.entries(config.scripts)) router.trackValues.set(trackKey('script', name), { ok: !script.initFail, value: 0 })
  for (const [iface, up] of Object.entries(opts.interfacesUp)) router.trackValues.set(trackKey('interface', iface), { ok: up, value: 0 })
  for (const cfg of config.instances) {
    for (const ref of cfg.trackInterfaces) {
      const k = trackKey('interface', ref.name)
      if (!router.trackValues.has(k)) router.trackValues.set(k, { ok: false, value: 0 })
    }
  }
  const ctx: StepContext = { router, now: 0, actions: [] }
  for (const sg of config.syncGroups) {
    const group: GroupState = { name: sg.name, config: sg, state: 'INIT', members: [...sg.members], tracks: bindingsOf(sg), trackFault: false }
    for (const ref of sg.trackInterfaces) {
      const k = trackKey('interface', ref.name)
      if (!router.trackValues.has(k)) router.trackValues.set(k, { ok: false, value: 0 })
    }
    router.groups.set(sg.name, group)
    for (const b of group.tracks) pushIndex(router.groupsByTrack, trackKey(b.kind, b.ref.name), sg.name)
    refreshGroupTracks(ctx, group)
  }
  for (const cfg of config.instances) {
    const inst = createInstanceState(cfg, router)
    router.instances.set(cfg.name, inst)
    router.byKey.set(inst.key, cfg.name)
    pushIndex(router.byInterface, cfg.interface, cfg.name)
    for (const b of inst.tracks) pushIndex(router.instancesByTrack, trackKey(b.kind, b.ref.name), cfg.name)
  }
  return router
}

/** Run one event through the handler that owns it; mutates `ctx.router`. */
export function dispatch(ctx: StepContext, event: Event): void {
  const { router } = ctx
  switch (event.type) {
    case 'startup':
      return handleStartup(ctx)
    case 'shutdown':
      return handleShutdown(ctx)
    case 'advertReceived': {
      const name = router.byKey.get(`${event.interface}|${event.advert.family}|${event.advert.virtualRouterId}`)
      const inst = name === undefined ? undefined : router.instances.get(name)
      if (!inst) {
        router.stats.dropped.vrid = (router.stats.dropped.vrid ?? 0) + 1
        log(ctx, 'debug', `dropping advert from ${event.source} on ${event.interface}: no instance for VRID ${event.advert.virtualRouterId} (IPv${event.advert.family})`)
        return
      }
      return receiveAdvert(ctx, inst, event.source, event.advert)
    }
    case 'timerFired': {
      const inst = router.instances.get(event.instance)
      if (inst) handleTimer(ctx, inst)
      return
    }
    case 'trackChanged':
      return handleTrack(ctx, event.kind, event.name, event.ok, event.value)
    case 'interfaceChanged':
      return handleInterface(ctx, event.interface, event.up)
    case 'addressChanged':
      return handleAddress(ctx, event.interface, event.family, event.address)
    case 'ioFailed': {
      const inst = router.instances.get(event.instance)
      if (inst) handleIoFailed(ctx, inst, event.op, event.message)
      return
    }
    default: {
      const never: never = event
      throw new Error(`unknown event ${JSON.stringify(never)}`)
    }
  }
}

/**
 * The core's step: apply `event` at time `now` (ms, monotonic) and return the
 * actions for the shell. The router is updated in place and returned.
 */
export function stepRouter(router: RouterState, event: Event, now: number): { router: RouterState; actions: Action[] } {
  const ctx: StepContext = { router, now, actions: [] }
  dispatch(ctx, event)
  return { router, actions: ctx.actions }
}
