/**
 * The core's state records: one per instance, one per sync group, one router.
 *
 * The records are mutated in place by `stepRouter` (as etcd raft's `Step` mutates
 * its `raft`): copying a router of 1,000 instances per advert would make every
 * step O(n). The step stays deterministic and I/O free; callers must treat the
 * router they passed in as consumed and use the one returned.
 */
import type { Config, SyncGroup, TrackRef, VrrpInstance } from '../config/model.js'
import type { Action, InstanceStats, LogLevel, TrackKind, VrrpState } from './types.js'
import type { Advert, DropReason } from '../protocol/types.js'

/** Last known status of a tracked object, shared by everything tracking it. */
export interface TrackValue {
  ok: boolean
  /** The number read from a track file (0 for scripts and interfaces). */
  value: number
}

/** One tracked object as seen by one instance or group. */
export interface TrackBinding {
  kind: TrackKind
  ref: TrackRef
}

/** A config mismatch already reported loudly, so it is not repeated. */
export interface MismatchNote {
  detail: string
  firstAt: number
  lastAt: number
  count: number
}

export interface InstanceState {
  name: string
  config: VrrpInstance
  /** `${interface}|${family}|${vrid}`: the routing and reload key. */
  key: string
  state: VrrpState
  /** Base priority from the config (1..255). */
  basePriority: number
  /** Priority after track adjustments, 1..254 (255 for an owner). */
  effectivePriority: number
  /** RFC 9568 6.1 Master_Adver_Interval, ms; a v3 backup learns it from the master. */
  masterAdverIntervalMs: number
  /** Source address of the master we last accepted an advert from (ours, `sourceAddress`, as master). */
  masterAddress?: string
  masterPriority?: number
  /**
   * A BACKUP whose Master_Down_Timer expired while its sync group held it back
   * (keepalived's wantstate MASTER); cleared by an accepted advert or a transition.
   */
  wantsMaster: boolean
  /** When this MASTER last answered a lower-priority advert at once (rate limit, receive.ts). */
  forcedAdvertAt?: number
  /** Set by the tracks / interface / address / ioFailed; recomputed on every change. */
  ownFault: boolean
  /** Why the instance is (or would be) in FAULT, for logs and describe. */
  faultReason?: string
  /** addVips failed in the shell: FAULT until the interface or address comes back. */
  vipsFailed: boolean
  /** The advert this instance sends, priority filled in at send time. */
  advertTemplate: Advert
  /** Deadlines (ms, the clock of `now`); undefined = not running. */
  startAt?: number
  adverTimerAt?: number
  masterDownAt?: number
  preemptDelayStart?: number
  preemptDelayEndAt?: number
  garpBurstAt?: number
  garpRefreshAt?: number
  /** garp_lower_prio_delay: the GARP burst repeated after a lower-priority advert. */
  garpLowerPrioAt?: number
  /** When this MASTER last followed up a lower-priority advert (GARPs, notify; rate limit, receive.ts). */
  lowerPrioFollowUpAt?: number
  /** The deadline last armed with the shell, to skip redundant armTimer actions. */
  armedAt?: number
  tracks: TrackBinding[]
  stats: InstanceStats
  /** Loud config-mismatch reports: source -> reason -> note (bounded, see mismatch.ts). */
  mismatches: Map<string, Map<DropReason, MismatchNote>>
}

export interface GroupState {
  name: string
  config: SyncGroup
  /** The state the members were last synced to. */
  state: VrrpState
  members: string[]
  tracks: TrackBinding[]
  /** A group track is failing: every member goes to FAULT. */
  trackFault: boolean
}

export interface RouterCounters {
  /** Adverts matching no instance, and other router-level drops. */
  dropped: Partial<Record<DropReason, number>>
}

export interface RouterState {
  config: Config
  instances: Map<string, InstanceState>
  /** `${interface}|${family}|${vrid}` -> instance name. */
  byKey: Map<string, string>
  /** interface -> names of instances whose own interface it is. */
  byInterface: Map<string, string[]>
  /** `${kind}:${name}` -> names of instances / groups tracking it. */
  instancesByTrack: Map<string, string[]>
  groupsByTrack: Map<string, string[]>
  groups: Map<string, GroupState>
  trackValues: Map<string, TrackValue>
  primaryAddresses: Record<string, { 4?: string; 6?: string }>
  interfacesUp: Record<string, boolean>
  /** 'created' until startup, 'running', then 'stopped' after shutdown. */
  phase: 'created' | 'running' | 'stopped'
  stats: RouterCounters
}

/** What every step handler works on. */
export interface StepContext {
  router: RouterState
  now: number
  actions: Action[]
}

/** Options shared by createRouter and reloadRouter. */
export interface RouterOptions {
  primaryAddresses: Record<string, { 4?: string; 6?: string }>
  interfacesUp: Record<string, boolean>
}

export function instanceKey(iface: string, family: 4 | 6, vrid: number): string {
  return `${iface}|${family}|${vrid}`
}

export function trackKey(kind: TrackKind, name: string): string {
  return `${kind}:${name}`
}

export function emptyStats(): InstanceStats {
  return { advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, dropped: {}, configMismatch: 0 }
}

/** Add a log action; `instance` prefixes keepalived's "(VI_1) " itself. */
export function log(ctx: StepContext, level: LogLevel, message: string, instance?: string): void {
  ctx.actions.push(instance === undefined ? { type: 'log', level, message } : { type: 'log', level, instance, message: `(${instance}) ${message}` })
}
