/**
 * A plain JSON view of the router for the data / stats files (SIGUSR1/SIGUSR2)
 * and `status`.
 */
import type { InstanceStats, TrackKind, VrrpState } from './types.js'
import type { DropReason } from '../protocol/types.js'
import type { RouterState } from './state.js'
import { trackEffect } from './priority.js'

export interface TrackView {
  kind: TrackKind
  name: string
  weight: number
  reverse: boolean
  ok: boolean
  value: number
  /** What the object does to the priority now, and whether it forces FAULT. */
  delta: number
  fault: boolean
}

export interface InstanceView {
  name: string
  interface: string
  family: 4 | 6
  virtualRouterId: number
  version: 2 | 3
  state: VrrpState
  effectivePriority: number
  basePriority: number
  /** The master's address as last seen (ours while MASTER). */
  masterAddress: string | null
  masterPriority: number | null
  masterAdverIntervalMs: number
  faultReason: string | null
  syncGroup: string | null
  vips: string[]
  excludedVips: string[]
  tracks: TrackView[]
  stats: InstanceStats
  configMismatches: Array<{ source: string; reason: DropReason; detail: string; firstAt: number; lastAt: number; count: number }>
}

export interface RouterView {
  phase: RouterState['phase']
  instances: InstanceView[]
  syncGroups: Array<{ name: string; state: VrrpState; members: string[]; trackFault: boolean }>
  /** Adverts that matched no instance ('vrid'). */
  dropped: Partial<Record<DropReason, number>>
}

/** JSON-safe snapshot; holds no references into the router. */
export function describeRouter(router: RouterState): RouterView {
  const instances: InstanceView[] = []
  for (const inst of router.instances.values()) {
    const cfg = inst.config
    instances.push({
      name: inst.name,
      interface: cfg.interface,
      family: cfg.family,
      virtualRouterId: cfg.virtualRouterId,
      version: cfg.version,
      state: inst.state,
      effectivePriority: inst.effectivePriority,
      basePriority: inst.basePriority,
      masterAddress: inst.masterAddress ?? null,
      masterPriority: inst.masterPriority ?? null,
      masterAdverIntervalMs: inst.masterAdverIntervalMs,
      faultReason: inst.state === 'FAULT' ? inst.faultReason ?? 'sync group' : null,
      syncGroup: cfg.syncGroup ?? null,
      vips: cfg.virtualIpAddresses.map((v) => `${v.address}/${v.prefixLength} dev ${v.dev}`),
      excludedVips: cfg.virtualIpAddressesExcluded.map((v) => `${v.address}/${v.prefixLength} dev ${v.dev}`),
      tracks: inst.tracks.map((b) => {
        const value = router.trackValues.get(`${b.kind}:${b.ref.name}`) ?? { ok: true, value: 0 }
        const e = trackEffect(b, value)
        return { kind: b.kind, name: b.ref.name, weight: b.ref.weight, reverse: b.ref.reverse, ok: value.ok, value: value.value, delta: e.delta, fault: e.fault }
      }),
      stats: { ...inst.stats, dropped: { ...inst.stats.dropped } },
      configMismatches: [...inst.mismatches].flatMap(([source, byReason]) => [...byReason].map(([reason, n]) => ({ source, reason, ...n }))),
    })
  }
  return {
    phase: router.phase,
    instances,
    syncGroups: [...router.groups.values()].map((g) => ({ name: g.name, state: g.state, members: [...g.members], trackFault: g.trackFault })),
    dropped: { ...router.stats.dropped },
  }
}
