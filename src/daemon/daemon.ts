/**
 * The daemon: holds the core's state, feeds it events from the ports and carries
 * out the actions it returns. Everything outside (sockets, `ip`, processes, the
 * clock) comes in as ports, so this file is testable with fakes.
 *
 * Ordering guarantees:
 * - events are processed one at a time (an event raised while actions run is queued);
 * - per instance, VIP changes run in action order on one promise chain; a GARP
 *   burst waits for the VIP work queued before it, and removing a VIP cancels the
 *   bursts still claiming it (src/daemon/vip-worker.ts);
 * - notify scripts run in order per instance / group (the NotifyRunner's keys).
 *
 * An exception inside a core step is fatal (see `failed`): the core updates its
 * records in place, so a step that throws half-way leaves a state whose actions
 * were never carried out (MASTER without its VIPs, say). The daemon sends
 * priority 0 for the instances whose VIPs it holds, removes every configured
 * VIP, ignores all further events and lets run.ts exit with 70 (keepalived's
 * KEEPALIVED_EXIT_PROGRAM_ERROR), so that systemd (Restart=on-failure) starts a
 * clean process. See docs/architecture.md, "A step that throws".
 */
import type { Config, VrrpInstance, NotifyScripts } from '../config/model.js'
import { createRouter, describeRouter, reloadRouter, stepRouter, type RouterState } from '../core/index.js'
import type { Action, Event } from '../core/types.js'
import type {
  AdvertTransport,
  AddressManager,
  Clock,
  FileTracker,
  GarpSender,
  InterfaceInfo,
  Links,
  NotifyRunner,
  ScriptSecurity,
  ScriptTracker,
  TransportOptions,
} from '../io/ports.js'
import { DEFAULT_NOTIFY_TIMEOUT_MS, notifyJobsFor, notifyKey } from '../io/notify-jobs.js'
import type { FifoState } from '../io/notify-fifo.js'
import { splitCommandLine } from '../config/index.js'
import type { Logger } from '../log.js'
import { DropCounters, RateLimiter, sumDrops } from './drop-counters.js'
import { FloodGate, renderSummary, type FloodKind } from './flood-gate.js'
import { CoreLineKindCache, DropKindCache } from './flood-kinds.js'
import type { StatusView } from './status-files.js'
import type { DumpInput } from './keepalived-data.js'
import { StatsBaseline } from './stats-baseline.js'
import { instancesByVrid, receivePacket, type ReceiveContext } from './receive.js'
import { keepalivedDropLine } from './keepalived-drop-lines.js'
import { VipWorker } from './vip-worker.js'
import { RouteWorker } from './route-worker.js'
import { StaticEntries } from './static-entries.js'
import type { RouteManager } from '../io/netlink-routes.js'
import type { LoopDelay } from '../io/timer-lateness.js'
import type { VipFilter } from '../io/nftables.js'
import { dropsVipTraffic } from '../core/transition.js'
import { scriptSecurityOf, Trackers } from './trackers.js'
import { membershipDiffers, transportSpecs } from './transport-specs.js'
import { InstanceTimers } from './instance-timers.js'
import { AdvertPayloads } from './advert-payloads.js'
import { memoPrimaryAddressOf, primaryAddressOf, referencedInterfaces, transportKey, vipAddresses } from './topology.js'
import { vmacSpecs, withVmacs, type VmacSpec } from './vmac-plan.js'
import type { VmacPort } from './vmac-manager.js'

export interface DaemonPorts {
  clock: Clock
  links: Links
  addresses: AddressManager
  garp: GarpSender
  /** Unsolicited neighbour adverts for IPv6 VIPs (src/io/na-sender.ts). */
  na?: GarpSender
  /** The no_accept filter: vrrpd's nftables table (src/io/nftables.ts). */
  vipFilter?: VipFilter
  /** virtual_routes over rtnetlink (src/io/netlink-routes.ts). */
  routes?: RouteManager
  /** use_vmac's macvlans (src/daemon/vmac-manager.ts). */
  vmacs?: VmacPort
  notify: NotifyRunner
  createScriptTracker(security: ScriptSecurity): ScriptTracker
  createFileTracker(): FileTracker
  openTransport(opts: TransportOptions & { ifindex: number }): AdvertTransport
  /** Writes one transition to the notify FIFO, if configured (keepalived's line format). */
  notifyFifo?: (kind: 'INSTANCE' | 'GROUP', name: string, state: FifoState, priority: number) => void
  /** Told of every state change after it happened (systemd's STATUS= line). */
  stateChanged?: (instance: string, from: string, to: string) => void
  /** How late the daemon's timers fired since start, for `vrrpd status` and the metrics. */
  loopDelay?: () => LoopDelay
}

/** How long to let priority-0 adverts leave before a transport is closed. */
const TRANSPORT_LINGER_MS = 200
/** Packet-caused log lines: the first of a kind, then one summary per kind and window. */
const DROP_LOG_WINDOW_MS = 10_000
/** Notify scripts get this long at shutdown before vrrpd exits anyway. */
const NOTIFY_DRAIN_MS = 10_000
/** Which of one step's log lines names the group (#gateAdvertLines). */
const LOG_RANK = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4, trace: -1 } as const
/** The exit code after an internal error (keepalived's KEEPALIVED_EXIT_PROGRAM_ERROR, EX_SOFTWARE). */
export const EXIT_INTERNAL_ERROR = 70

export class Daemon {
  #config: Config
  /** Instances of the config being replaced, still needed while their last actions run. */
  #retired = new Map<string, VrrpInstance>()
  #router: RouterState | undefined
  #byName = new Map<string, VrrpInstance>()
  /** Instances by interface, then [IPv4, IPv6] by VRID: the receive path looks one up per packet. */
  #byKey = new Map<string, [(VrrpInstance | undefined)[], (VrrpInstance | undefined)[]]>()
  #vips = new Set<string>()
  /** use_vmac: each instance's macvlan; the config above already speaks on them (vmac-plan.ts). */
  #vmacSpecs: VmacSpec[] = []
  /** IPv4 VMAC -> its base interface: a VMAC has no IPv4 address, adverts use the base's (as keepalived). */
  #vmacBase = new Map<string, string>()
  readonly #timers: InstanceTimers
  readonly #payloads = new AdvertPayloads()
  readonly #transports = new Map<string, AdvertTransport>()
  /** The ifindex each transport was opened on: a recreated interface has a new one, and the old socket hears nothing. */
  readonly #transportIndex = new Map<string, number>()
  /** What each open transport was opened with (its multicast membership). */
  readonly #transportSpecs = new Map<string, TransportOptions>()
  readonly #ifaces = new Map<string, InterfaceInfo | undefined>()
  readonly #watched = new Set<string>()
  /** The primary address last given to the core, per interface and family. */
  readonly #reported = new Map<string, string | undefined>()
  readonly #vipWork: VipWorker
  readonly #routeWork: RouteWorker | undefined
  readonly #static: StaticEntries
  readonly #queue: Event[] = []
  #dispatching = false
  readonly #trackers: Trackers
  readonly drops = new DropCounters()
  readonly #dropLog = new RateLimiter(DROP_LOG_WINDOW_MS)
  readonly #floodGate = new FloodGate({ windowMs: DROP_LOG_WINDOW_MS })
  #floodTimer: ReturnType<Clock['setTimer']> | undefined
  readonly #startedAtIso = new Date().toISOString()
  /** SIGSTATS_CLEAR's zero point, and each instance's last transition (wall clock), for keepalived's dumps. */
  readonly #statsBase = new StatsBaseline()
  readonly #lastTransition = new Map<string, number>()
  /** The VIPs each instance holds per the VIP actions carried out, whatever the core says now. */
  readonly #holding = new Map<string, Set<string>>()
  /** The error of a step that threw; from then on every event is ignored. */
  #failure: Error | undefined
  #announceFailure!: (err: Error) => void
  /**
   * Settles when a core step threw, once the VIPs are released: the process
   * must then stop (run.ts) and exit with EXIT_INTERNAL_ERROR.
   */
  readonly failed: Promise<Error> = new Promise((resolve) => (this.#announceFailure = resolve))

  /** Whether a core step threw: the daemon ignores every event and is releasing its VIPs. */
  get hasFailed(): boolean {
    return this.#failure !== undefined
  }

  constructor(
    config: Config,
    private readonly ports: DaemonPorts,
    private readonly log: Logger,
  ) {
    this.#config = this.#adopt(config)
    this.#index(this.#config)
    this.#timers = new InstanceTimers(ports.clock, (instance) => this.dispatch({ type: 'timerFired', instance }))
    this.#trackers = new Trackers(ports, log, (event) => this.dispatch(event))
    this.#vipWork = new VipWorker({
      addresses: ports.addresses,
      garp: ports.garp,
      ...(ports.na ? { na: ports.na } : {}),
      iface: (name) => this.#ifaces.get(name),
      log,
      limiter: this.#dropLog,
      now: () => ports.clock.now(),
      onFailure: (instance, op, message) => this.dispatch({ type: 'ioFailed', instance, op, message }),
      ...(ports.vipFilter ? { filter: this.#filterFor(ports.vipFilter) } : {}),
    })
    this.#static = new StaticEntries({ addresses: ports.addresses, ...(ports.routes ? { routes: ports.routes } : {}), log })
    this.#routeWork = ports.routes && new RouteWorker({ routes: ports.routes, instance: (name) => this.#instance(name), vipsSettled: () => this.#vipWork.settle(), log })
  }

  /** The filter as the VIP worker sees it: only instances without accept mode are filtered. */
  #filterFor(filter: VipFilter): NonNullable<ConstructorParameters<typeof VipWorker>[0]['filter']> {
    return {
      add: async (instance, vips) => {
        const inst = this.#instance(instance)
        // An instance reloaded into accept mode (or to priority 255) gives its entries up.
        if (inst && dropsVipTraffic(inst)) await filter.add(instance, vips, { dontTrackPrimary: inst.dontTrackPrimary })
        else await filter.remove(instance, vips)
      },
      remove: (instance, vips) => filter.remove(instance, vips),
    }
  }

  /**
   * A reload that turns accept mode on or off (or moves priority to or from 255)
   * for a MASTER that keeps its VIPs: its drop-set entries follow at once
   * (keepalived's restore_vrrp_state), not at its next transition.
   */
  #refreshFilter(config: Config): void {
    const filter = this.ports.vipFilter
    if (!filter) return
    for (const inst of config.instances) {
      const held = this.#holding.get(inst.name)
      if (!held || held.size === 0) continue
      const vips = [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded].filter((v) => held.has(`${v.address}/${v.prefixLength}@${v.dev}`))
      if (dropsVipTraffic(inst)) void filter.add(inst.name, vips, { dontTrackPrimary: inst.dontTrackPrimary })
      else void filter.remove(inst.name, vips)
    }
  }

  get config(): Config {
    return this.#config
  }

  /** The live view for `vrrpd status` and keepalived's dump files. */
  status(): StatusView {
    const daemon = {
      name: 'vrrpd',
      pid: process.pid,
      startedAt: this.#startedAtIso,
      config: this.#config.file,
      ...(this.ports.loopDelay ? { eventLoopDelay: this.ports.loopDelay() } : {}),
    } as const
    if (!this.#router) return { daemon, instances: [], syncGroups: [], unattributedDrops: this.drops.unattributed() }
    const view = describeRouter(this.#router)
    return {
      daemon,
      instances: this.#statsBase.apply(view.instances.map((i) => ({ ...i, stats: { ...i.stats, dropped: sumDrops(i.stats.dropped, this.drops.forInstance(i.name)) } }))),
      syncGroups: view.syncGroups,
      unattributedDrops: sumDrops(view.dropped, this.drops.unattributed()),
    }
  }

  /** What keepalived's dump files are made of (status-files.ts). */
  dumpInput(): DumpInput {
    return { view: this.status(), config: this.#config, interfaces: new Map(this.#ifaces), lastTransition: new Map(this.#lastTransition), now: Date.now(), vmacs: this.#vmacSpecs }
  }

  /** keepalived's SIGSTATS_CLEAR, after the stats file is written: every instance's counters start again from 0. */
  clearStats(): void {
    this.#statsBase.clear(this.status().instances)
  }

  async start(): Promise<void> {
    await this.ports.vmacs?.setUp(this.#vmacSpecs)
    await this.#refreshInterfaces(this.#interfaces(this.#config))
    await this.#removeLeftoverVips(this.#config.instances)
    await this.#static.start(this.#config)
    this.#openTransports()
    this.#router = createRouter(this.#config, this.#topology())
    this.#watch(this.#interfaces(this.#config))
    this.#trackers.start(this.#config)
    this.dispatch({ type: 'startup' })
  }

  /** SIGTERM: masters send priority 0 and release their VIPs, notify_stop runs, then everything closes. */
  async stop(): Promise<void> {
    this.dispatch({ type: 'shutdown' })
    await this.#vipWork.settle()
    await this.#routeWork?.settle()
    await this.#static.stop()
    await this.ports.vipFilter?.close()
    await withTimeout(this.ports.notify.drain(), NOTIFY_DRAIN_MS)
    await this.#trackers.stop()
    this.ports.links.close()
    this.#timers.cancelAll()
    this.#endFloodWindow(false)
    await sleep(TRANSPORT_LINGER_MS)
    for (const t of this.#transports.values()) t.close()
    this.#transports.clear()
    this.ports.garp.close()
    this.ports.na?.close()
    this.ports.routes?.close()
    // keepalived removes its VMACs at stop; the VIPs on them went above.
    await this.ports.vmacs?.tearDown(this.#vmacSpecs, true)
    this.ports.vmacs?.close()
  }

  /** SIGHUP: apply a new config; unchanged instances keep their state and VIPs. */
  async reload(config: Config): Promise<void> {
    const old = this.#config
    const oldVmacs = this.#vmacSpecs
    for (const inst of old.instances) this.#retired.set(inst.name, inst)
    config = this.#adopt(config)
    this.#config = config
    this.#index(config)
    this.#payloads.clear()
    // VMACs no longer configured go first: a renamed one's MAC must be free on its base (the kernel refuses two).
    const kept = new Set(this.#vmacSpecs.map((s) => s.name))
    await this.ports.vmacs?.tearDown(oldVmacs.filter((s) => !kept.has(s.name)), false)
    await this.ports.vmacs?.setUp(this.#vmacSpecs)
    await this.#refreshInterfaces(this.#interfaces(config))
    this.#openTransports()
    if (!this.#router) throw new Error('reload before start')
    // The reload is a core step too: one that throws leaves old and new half-merged.
    let next: ReturnType<typeof reloadRouter>
    try {
      next = reloadRouter(this.#router, config, this.ports.clock.now(), this.#topology())
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)), 'reload')
      return
    }
    const { router, actions } = next
    this.#router = router
    this.#execute(actions)
    this.#refreshFilter(config)
    this.#reconcileRoutes(old, config)
    this.#watch(this.#interfaces(config))
    this.ports.notify.setScriptUser(scriptSecurityOf(config).scriptUser)
    await this.#trackers.reload(config)
    await this.#vipWork.settle()
    await this.#static.reload(config)
    this.#retired.clear()
    // Transports whose interface no instance uses any more: let priority-0 adverts go first.
    const used = new Set(config.instances.map((i) => transportKey(i.interface, i.family)))
    setTimeout(() => {
      for (const [key, t] of this.#transports) {
        if (!used.has(key)) {
          t.close()
          this.#transports.delete(key)
          this.#transportIndex.delete(key)
          this.#transportSpecs.delete(key)
        }
      }
    }, TRANSPORT_LINGER_MS).unref()
  }

  /** Masters that stay masters across a reload get their changed virtual routes/rules. */
  #reconcileRoutes(old: Config, config: Config): void {
    if (!this.#routeWork || !this.#router) return
    const before = new Map(old.instances.map((i) => [i.name, i]))
    const masters = new Set(describeRouter(this.#router).instances.filter((i) => i.state === 'MASTER').map((i) => i.name))
    for (const inst of config.instances) {
      const prev = before.get(inst.name)
      if (prev && masters.has(inst.name)) this.#routeWork.reconcile(inst.name, prev, inst)
    }
  }

  /** Feeds one event to the core and carries out what it asks. Never throws. */
  dispatch(event: Event): void {
    if (this.#failure) return
    this.#queue.push(event)
    if (this.#dispatching || !this.#router) return
    this.#dispatching = true
    let current: Event | undefined
    try {
      for (current = this.#queue.shift(); current; current = this.#queue.shift()) {
        const { router, actions } = stepRouter(this.#router!, current, this.ports.clock.now())
        this.#router = router
        this.#execute(current.type === 'advertReceived' ? this.#gateAdvertLines(current.source, actions) : actions)
      }
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)), current?.type ?? event.type)
    } finally {
      this.#dispatching = false
    }
  }

  /**
   * A step threw: its changes may be half-applied and its actions are lost, so
   * the core can no longer be trusted. Release what a clean stop would release,
   * from what the daemon itself carried out (priority 0 for each instance that
   * holds VIPs, every configured VIP removed, timers off), then announce
   * the failure.
   */
  #fail(err: Error, during: string): void {
    this.#failure = err
    this.#queue.length = 0
    this.#timers.cancelAll()
    this.log.fatal({ err }, `internal error while handling ${during}: ${err.message} - releasing VIPs and exiting (code ${EXIT_INTERNAL_ERROR}) so that a clean vrrpd takes over`)
    // During a reload the instances it retires may still hold VIPs: release those too.
    const instances = new Map([...this.#retired.values(), ...this.#config.instances].map((i) => [i.name, i]))
    for (const inst of instances.values()) {
      try {
        // The advert template is built once per instance and never changed by a step.
        const template = this.#router?.instances.get(inst.name)?.advertTemplate
        if (template && (this.#holding.get(inst.name)?.size ?? 0) > 0) this.#sendAdvert({ type: 'sendAdvert', instance: inst.name, advert: { ...template, priority: 0 } })
      } catch (sendErr) {
        this.log.error({ err: sendErr }, `(${inst.name}) cannot send priority 0 while failing`)
      }
      const vips = [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded, ...(this.#retired.get(inst.name)?.virtualIpAddresses ?? []), ...(this.#retired.get(inst.name)?.virtualIpAddressesExcluded ?? [])]
      const unique = [...new Map(vips.map((v) => [`${v.address}/${v.prefixLength}@${v.dev}`, v])).values()]
      if (unique.length > 0) this.#vipWork.remove(inst.name, unique)
    }
    void this.#vipWork.settle().then(
      () => this.#announceFailure(err),
      () => this.#announceFailure(err),
    )
  }

  #execute(actions: Action[]): void {
    for (const action of actions) {
      try {
        this.#perform(action)
      } catch (err) {
        this.log.error({ err }, `internal error performing ${action.type}`)
      }
    }
  }

  #perform(action: Action): void {
    switch (action.type) {
      case 'sendAdvert':
        return this.#sendAdvert(action)
      case 'armTimer':
        return this.#timers.arm(action.instance, action.at)
      case 'cancelTimer':
        return this.#timers.cancel(action.instance)
      case 'addVips': {
        const held = this.#holding.get(action.instance) ?? new Set<string>()
        for (const v of action.vips) held.add(`${v.address}/${v.prefixLength}@${v.dev}`)
        this.#holding.set(action.instance, held)
        return this.#vipWork.add(action.instance, action.vips)
      }
      case 'removeVips':
        for (const v of action.vips) this.#holding.get(action.instance)?.delete(`${v.address}/${v.prefixLength}@${v.dev}`)
        return this.#vipWork.remove(action.instance, action.vips)
      case 'sendGarp':
        return this.#vipWork.garp(action.instance, action.vips, action.repeat, action.intervalMs)
      case 'runNotify':
        return this.#runNotify(action)
      case 'instanceEvent':
        return this.#instanceEvent(action)
      case 'stateChanged':
        this.#lastTransition.set(action.instance, Date.now())
        this.#routeWork?.stateChanged(action.instance, action.from, action.to)
        return this.ports.stateChanged?.(action.instance, action.from, action.to)
      case 'log': {
        const logger = action.instance ? this.log.child({ instance: action.instance }) : this.log
        logger[action.level](action.message)
        return
      }
      default: {
        const never: never = action
        throw new Error(`unknown action ${JSON.stringify(never)}`)
      }
    }
  }

  /**
   * A step caused by a received advert that changed no state: its log lines
   * ("CONFIG MISMATCH ...", "received lower priority ...") are packet-caused and
   * go through the flood gate, so spoofed sources cannot write a line each.
   * Debug lines are left alone (opt-in), and so is every line of a step that
   * changed state (people grep for those).
   */
  #gateAdvertLines(source: string, actions: Action[]): Action[] {
    // Called for every received advert (a flood of them): a loop, no arrays or closures.
    // One packet's lines are one event: keepalived's line and vrrpd's CONFIG MISMATCH
    // beside it are admitted or held back together, never one without the other.
    // The group is named by its most severe line (the CONFIG MISMATCH error), as its summary says.
    let lead: Extract<Action, { type: 'log' }> | undefined
    for (const a of actions) {
      if (a.type === 'stateChanged') return actions
      if (a.type === 'log' && a.level !== 'debug' && (!lead || LOG_RANK[a.level] > LOG_RANK[lead.level])) lead = a
    }
    if (!lead) return actions
    const admitted = this.#admit(this.#coreLineKinds.kindOf(lead.instance, lead.message), source)
    return admitted ? actions : actions.filter((a) => a.type !== 'log' || a.level === 'debug')
  }

  #admit(kind: FloodKind, source: string): boolean {
    const now = this.#floodGate.admit(kind, source)
    this.#floodTimer ??= this.ports.clock.setTimer(this.ports.clock.now() + DROP_LOG_WINDOW_MS, () => this.#endFloodWindow(true))
    return now
  }

  /** Logs the window's summaries; keeps the window going while packets of a kind keep coming. */
  #endFloodWindow(rearm: boolean): void {
    if (this.#floodTimer) this.ports.clock.clearTimer(this.#floodTimer)
    this.#floodTimer = undefined
    const summaries = this.#floodGate.endWindow()
    for (const s of summaries) {
      const line = renderSummary(s, DROP_LOG_WINDOW_MS, s.kind.key.startsWith('log:') ? 'suppressed' : 'dropped')
      if (s.kind.instance) this.log.child({ instance: s.kind.instance }).warn(line)
      else this.log.warn(line)
    }
    if (rearm && this.#floodGate.trackedKinds > 0) {
      this.#floodTimer = this.ports.clock.setTimer(this.ports.clock.now() + DROP_LOG_WINDOW_MS, () => this.#endFloodWindow(true))
    }
  }

  #instance(name: string): VrrpInstance | undefined {
    return this.#byName.get(name) ?? this.#retired.get(name)
  }

  #sendAdvert(action: Extract<Action, { type: 'sendAdvert' }>): void {
    const inst = this.#instance(action.instance)
    if (!inst) return
    const transport = this.#transports.get(transportKey(inst.interface, inst.family))
    const source = inst.unicastSrcIp ?? inst.mcastSrcIp ?? memoPrimaryAddressOf(this.#addressView(inst.interface, inst.family), inst.family, this.#vips)
    if (!transport || !source) {
      this.log.debug({ instance: inst.name }, `cannot send advert on ${inst.interface}: no ${transport ? 'source address' : 'socket'}`)
      return
    }
    const destinations = inst.unicastPeers.length
      ? inst.unicastPeers.map((p) => p.address)
      : [inst.family === 4 ? this.#config.globalDefs.mcastGroup4 : this.#config.globalDefs.mcastGroup6]
    for (const destination of destinations) {
      const payload = this.#payloads.payload(inst.name, action.advert, { source, destination, pseudoHeaderChecksum: inst.v3ChecksumPseudoHeader })
      const sent = transport.send(payload, source, destination)
      if (!sent.ok) {
        const allowed = this.#dropLog.allow(`send:${inst.name}`, this.ports.clock.now())
        if (allowed !== undefined) this.log.warn({ instance: inst.name }, `(${inst.name}) failed to send advert to ${destination}: ${sent.error}`)
      }
    }
  }

  #runNotify(action: Extract<Action, { type: 'runNotify' }>): void {
    const { owner, state, priority } = action
    const holder = owner.kind === 'INSTANCE' ? this.#instance(owner.name) : this.#config.syncGroups.find((g) => g.name === owner.name)
    const scripts: NotifyScripts | undefined = holder?.notify
    this.ports.notifyFifo?.(owner.kind, owner.name, state, priority)
    if (!scripts) return
    // The user named on a notify line (`notify_master /path/script root`) runs it, as keepalived.
    for (const job of notifyJobsFor(scripts, owner, state, priority, splitCommandLine, undefined, holder?.notifyUsers)) this.ports.notify.enqueue(job)
  }

  /** keepalived's send_event_notify / send_instance_priority_notifies: the FIFO line, and notify_master_rx_lower_pri with its own arguments only. */
  #instanceEvent(action: Extract<Action, { type: 'instanceEvent' }>): void {
    this.ports.notifyFifo?.('INSTANCE', action.instance, action.event, action.priority)
    if (action.event !== 'MASTER_RX_LOWER_PRI') return
    const inst = this.#instance(action.instance)
    const command = inst?.notify.masterRxLowerPri
    const argv = command === undefined ? [] : splitCommandLine(command)
    if (argv.length === 0) return
    const user = inst?.notifyUsers?.masterRxLowerPri
    this.ports.notify.enqueue({ key: notifyKey({ kind: 'INSTANCE', name: action.instance }), argv, timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS, ...(user ? { user } : {}) })
  }

  /** A packet from a transport: an event for the core, or a counted (and rate-limited, logged) drop. */
  #onPacket = (packet: Parameters<Parameters<AdvertTransport['onPacket']>[0]>[0]): void => {
    const outcome = receivePacket(packet, this.#receiveContext)
    if (outcome.ok) return this.dispatch(outcome.event)
    if (outcome.reason === 'ownAdvert') return
    this.drops.count(outcome.reason, outcome.instance)
    if (!this.#admit(this.#dropKinds.kindOf(outcome, packet), packet.source)) return
    const line = keepalivedDropLine(outcome.reason, packet, outcome.instance ? this.#instance(outcome.instance) : undefined)
    if (line) this.log.info(line)
    const who = outcome.instance ? `(${outcome.instance}) ` : ''
    // The words are built only for a line that is written: the same check again, explained.
    const detail = receivePacket(packet, this.#receiveContext, true)
    const why = detail.ok ? undefined : detail.detail
    this.log.warn(`${who}dropped advert from ${packet.source} on ${packet.interface}: ${outcome.reason}${why ? ` (${why})` : ''}`)
  }

  /**
   * What the receive path asks of the daemon, made once: a flood of spoofed
   * adverts must not cost closures and key strings per packet (issue 12: the
   * garbage grew V8's heap by 40 MB over 1M packets).
   */
  readonly #receiveContext: ReceiveContext = ((daemon: Daemon): ReceiveContext => ({
    instanceFor: (iface, family, vrid) => daemon.#byKey.get(iface)?.[family === 4 ? 0 : 1][vrid],
    isOwnAddress: (iface, address) => {
      // A VMAC interface's addresses are its base interface's (use_vmac).
      const addresses = (daemon.#addressView(iface, 4) ?? daemon.#ifaces.get(iface))?.addresses
      if (!addresses) return false
      for (const a of addresses) if (a.address === address) return true
      return false
    },
    multicastGroup: (family) => (family === 4 ? daemon.#config.globalDefs.mcastGroup4 : daemon.#config.globalDefs.mcastGroup6),
    get checkUnicastSrc() {
      return daemon.#config.globalDefs.checkUnicastSrc
    },
  }))(this)
  readonly #dropKinds = new DropKindCache()
  readonly #coreLineKinds = new CoreLineKindCache()

  #index(config: Config): void {
    this.#byName = new Map(config.instances.map((i) => [i.name, i]))
    this.#byKey = instancesByVrid(config.instances)
    this.#dropKinds.clear()
    this.#coreLineKinds.clear()
    this.#vips = vipAddresses(config)
  }

  #topology(): Parameters<typeof createRouter>[1] {
    const primaryAddresses: Record<string, { 4?: string; 6?: string }> = {}
    const interfacesUp: Record<string, boolean> = {}
    for (const [name, info] of this.#ifaces) {
      interfacesUp[name] = info?.up ?? false
      const p4 = this.#usableAddress(name, 4)
      const p6 = this.#usableAddress(name, 6)
      primaryAddresses[name] = { ...(p4 ? { 4: p4 } : {}), ...(p6 ? { 6: p6 } : {}) }
    }
    return { primaryAddresses, interfacesUp }
  }

  /**
   * The address the core may speak from on `name`, and remember it as reported.
   * Without a socket for that interface and family there is none: the instance
   * then waits in FAULT instead of becoming a master nobody can hear.
   */
  #usableAddress(name: string, family: 4 | 6): string | undefined {
    const address = this.#transports.has(transportKey(name, family)) ? primaryAddressOf(this.#addressView(name, family), family, this.#vips) : undefined
    this.#reported.set(transportKey(name, family), address)
    return address
  }

  /** Records the config's VMACs and returns the config as it runs on them. */
  #adopt(config: Config): Config {
    this.#vmacSpecs = vmacSpecs(config, this.#vmacSpecs)
    this.#vmacBase = new Map(this.#vmacSpecs.filter((s) => s.family === 4).map((s) => [s.name, s.base]))
    return withVmacs(config, this.#vmacSpecs)
  }

  /** The interfaces to read and watch: the config's, and the base of each VMAC (its addresses are the VMAC's source). */
  #interfaces(config: Config): string[] {
    return [...new Set([...referencedInterfaces(config), ...this.#vmacSpecs.map((s) => s.base)])]
  }

  /** Whose addresses `name` speaks from: an IPv4 VMAC's base, else itself. */
  #addressView(name: string, family: 4 | 6): InterfaceInfo | undefined {
    const base = family === 4 ? this.#vmacBase.get(name) : undefined
    return this.#ifaces.get(base ?? name)
  }

  async #refreshInterfaces(names: string[]): Promise<void> {
    for (const name of names) {
      const info = await this.ports.links.get(name)
      if (!info && !this.#ifaces.has(name)) this.log.warn(`interface ${name} doesn't exist`)
      this.#ifaces.set(name, info)
    }
  }

  /** VIPs still on an interface from an earlier run: nobody is master yet, so they go. */
  async #removeLeftoverVips(instances: VrrpInstance[]): Promise<void> {
    for (const inst of instances) {
      for (const vip of [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded]) {
        // The interface view is the kernel's (rtnetlink dump, or `ip` without it): no `ip` run per VIP.
        if (!this.#ifaces.get(vip.dev)?.addresses.some((a) => a.address === vip.address)) continue
        const removed = await this.ports.addresses.remove(vip)
        this.log.info({ instance: inst.name }, `(${inst.name}) removed leftover VIP ${vip.address} from ${vip.dev}${removed.ok ? '' : `: failed: ${removed.error}`}`)
      }
    }
  }

  /**
   * Opens the socket of every interface and family the config uses, and reopens
   * one whose multicast membership must change (a new vrrp_mcast_group4, or its
   * instances moved between unicast and multicast): the old socket goes after
   * the new one is in place, so no advert is lost in between.
   */
  #openTransports(): void {
    for (const [key, spec] of transportSpecs(this.#config)) {
      const current = this.#transportSpecs.get(key)
      if (this.#transports.has(key) && current && !membershipDiffers(current, spec)) continue
      const info = this.#ifaces.get(spec.interface)
      if (!info) continue // FAULT in the core; opened when the interface appears (reload)
      try {
        const transport = this.ports.openTransport({ ...spec, ifindex: info.index })
        transport.onPacket(this.#onPacket)
        const old = this.#transports.get(key)
        this.#transports.set(key, transport)
        this.#transportIndex.set(key, info.index)
        this.#transportSpecs.set(key, spec)
        old?.close()
      } catch (err) {
        this.log.error({ err }, `cannot open VRRP socket on ${spec.interface}: ${(err as Error).message}`)
      }
    }
  }

  #watch(names: string[]): void {
    const fresh = names.filter((n) => !this.#watched.has(n))
    if (fresh.length === 0) return
    for (const n of fresh) this.#watched.add(n)
    this.ports.links.watch(fresh, (info, name) => this.#onLink(name, info))
  }

  #onLink(name: string, info: InterfaceInfo | undefined): void {
    this.#keepVmacs(name, info)
    const before = this.#ifaces.get(name)
    const wasUp = before?.up ?? false
    this.#ifaces.set(name, info)
    const isUp = info?.up ?? false
    this.#dropStaleTransports(name, info)
    if (info && isUp) this.#openTransports()
    if (wasUp !== isUp) {
      // keepalived's words for a link change (keepalived_netlink.c), which people alert on.
      this.log.info(`Netlink reports ${name} ${isUp ? 'up' : 'down'}`)
      this.dispatch({ type: 'interfaceChanged', interface: name, up: isUp })
    }
    // An IPv4 VMAC speaks from its base's address: a change there is the VMAC's too.
    const speakers = [name, ...[...this.#vmacBase].filter(([, base]) => base === name).map(([vmac]) => vmac)]
    for (const speaker of speakers) {
      for (const family of [4, 6] as const) {
        const key = transportKey(speaker, family)
        const reported = this.#reported.get(key)
        const after = this.#usableAddress(speaker, family)
        if (reported !== after) this.dispatch({ type: 'addressChanged', interface: speaker, family, address: after })
      }
    }
    if (before && info && isUp) this.#restoreVips(name, before, info)
  }

  /**
   * A VMAC of ours deleted behind our back, or its base deleted and created
   * again: make it anew, as keepalived does (recreate_vmac_thread). Its
   * appearance then comes back here as a link event like any other.
   */
  #keepVmacs(name: string, info: InterfaceInfo | undefined): void {
    const vmacs = this.ports.vmacs
    if (!vmacs) return
    const gone = !info && this.#ifaces.get(name) !== undefined
    const lost = this.#vmacSpecs.filter((s) => (s.name === name && gone) || (s.base === name && info && !this.#ifaces.get(name)))
    if (lost.length === 0) return
    for (const s of lost) this.log.child({ instance: s.instance }).info(`(${s.instance}) ${s.name === name ? `VMAC ${s.name} was deleted` : `${name}, the base of VMAC ${s.name}, is back`}: making it again`)
    void vmacs.setUp(lost)
  }

  /**
   * Sockets opened on an interface that is gone, or on an earlier incarnation of
   * it (deleted and created again: same name, new ifindex), are bound to a dead
   * device: close them, so the interface's next appearance opens fresh ones
   * (group joined, SO_BINDTODEVICE done again).
   */
  #dropStaleTransports(name: string, info: InterfaceInfo | undefined): void {
    for (const family of [4, 6] as const) {
      const key = transportKey(name, family)
      const transport = this.#transports.get(key)
      if (!transport || this.#transportIndex.get(key) === info?.index) continue
      this.log.info(`closing VRRP socket on ${name}: interface ${info ? `now has index ${info.index}` : 'is gone'}`)
      transport.close()
      this.#transports.delete(key)
      this.#transportIndex.delete(key)
      this.#transportSpecs.delete(key)
    }
  }

  /**
   * A VIP of a MASTER removed behind our back (`ip addr del`, a DHCP client, a
   * network manager): put it back and announce it again. keepalived reaches the
   * same end through BACKUP and a master-down timer of its skew time; we skip the
   * detour (no priority-0 advert, no notify scripts for a flap), see docs/operations.md.
   */
  #restoreVips(name: string, before: InterfaceInfo, after: InterfaceInfo): void {
    if (!this.#router) return
    const present = (info: InterfaceInfo, address: string) => info.addresses.some((a) => a.address === address)
    for (const inst of this.#config.instances) {
      if (this.#router.instances.get(inst.name)?.state !== 'MASTER') continue
      const lost = [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded].filter(
        (v) => v.dev === name && present(before, v.address) && !present(after, v.address),
      )
      if (lost.length === 0) continue
      for (const v of lost) this.log.info(`Netlink reflector reports IP ${v.address} removed from ${name}`)
      this.log.child({ instance: inst.name }).info(`(${inst.name}) restoring ${lost.length === 1 ? 'VIP' : 'VIPs'} ${lost.map((v) => v.address).join(', ')} on ${name}`)
      this.#vipWork.add(inst.name, lost)
      const v4 = lost.filter((v) => v.family === 4)
      const v6 = lost.filter((v) => v.family === 6)
      if (v4.length) this.#vipWork.garp(inst.name, v4, inst.garp.masterRepeat, inst.garp.intervalMs)
      if (v6.length) this.#vipWork.garp(inst.name, v6, inst.garp.masterRepeat, inst.garp.gnaIntervalMs)
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Waits for `work`, but no longer than `ms`. */
async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
