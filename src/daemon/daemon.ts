/**
 * The daemon: holds the core's state, feeds it events from the ports and carries
 * out the actions it returns. Everything outside (sockets, `ip`, processes, the
 * clock) comes in as ports, so this file is testable with fakes.
 *
 * Ordering guarantees:
 * - events are processed one at a time (an event raised while actions run is queued);
 * - per instance, VIP changes and GARP bursts run in action order on one promise
 *   chain (GARPs go out after the VIPs are on the interface);
 * - notify scripts run in order per instance / group (the NotifyRunner's keys).
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
  ScriptTracker,
  TransportOptions,
} from '../io/ports.js'
import { notifyJobsFor } from '../io/notify-jobs.js'
import { splitCommandLine } from '../config/index.js'
import { encodeAdvert } from '../protocol/index.js'
import type { Logger } from '../log.js'
import { DropCounters, RateLimiter, sumDrops } from './drop-counters.js'
import type { StatusView } from './status-files.js'
import { receivePacket } from './receive.js'
import { VipWorker } from './vip-worker.js'
import { Trackers } from './trackers.js'
import { InstanceTimers } from './instance-timers.js'
import { primaryAddressOf, referencedInterfaces, transportKey, vipAddresses } from './topology.js'

export interface DaemonPorts {
  clock: Clock
  links: Links
  addresses: AddressManager
  garp: GarpSender
  notify: NotifyRunner
  createScriptTracker(): ScriptTracker
  createFileTracker(): FileTracker
  openTransport(opts: TransportOptions & { ifindex: number }): AdvertTransport
  /** Writes one transition to the notify FIFO, if configured (keepalived's line format). */
  notifyFifo?: (kind: 'INSTANCE' | 'GROUP', name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP', priority: number) => void
  /** Told of every state change after it happened (systemd's STATUS= line). */
  stateChanged?: (instance: string, from: string, to: string) => void
}

/** How long to let priority-0 adverts leave before a transport is closed. */
const TRANSPORT_LINGER_MS = 200
/** At most one log line per drop reason and source in this window. */
const DROP_LOG_WINDOW_MS = 10_000
/** Notify scripts get this long at shutdown before vrrpd exits anyway. */
const NOTIFY_DRAIN_MS = 10_000

export class Daemon {
  #config: Config
  /** Instances of the config being replaced, still needed while their last actions run. */
  #retired = new Map<string, VrrpInstance>()
  #router: RouterState | undefined
  #byName = new Map<string, VrrpInstance>()
  #byKey = new Map<string, VrrpInstance>()
  #vips = new Set<string>()
  readonly #timers: InstanceTimers
  readonly #transports = new Map<string, AdvertTransport>()
  readonly #ifaces = new Map<string, InterfaceInfo | undefined>()
  readonly #watched = new Set<string>()
  /** The primary address last given to the core, per interface and family. */
  readonly #reported = new Map<string, string | undefined>()
  readonly #vipWork: VipWorker
  readonly #queue: Event[] = []
  #dispatching = false
  readonly #trackers: Trackers
  readonly drops = new DropCounters()
  readonly #dropLog = new RateLimiter(DROP_LOG_WINDOW_MS)
  readonly #startedAtIso = new Date().toISOString()

  constructor(
    config: Config,
    private readonly ports: DaemonPorts,
    private readonly log: Logger,
  ) {
    this.#config = config
    this.#index(config)
    this.#timers = new InstanceTimers(ports.clock, (instance) => this.dispatch({ type: 'timerFired', instance }))
    this.#trackers = new Trackers(ports, log, (event) => this.dispatch(event))
    this.#vipWork = new VipWorker({
      addresses: ports.addresses,
      garp: ports.garp,
      iface: (name) => this.#ifaces.get(name),
      log,
      limiter: this.#dropLog,
      now: () => ports.clock.now(),
      onFailure: (instance, op, message) => this.dispatch({ type: 'ioFailed', instance, op, message }),
    })
  }

  get config(): Config {
    return this.#config
  }

  /** The live view for `vrrpd status` and the SIGUSR1/SIGUSR2 files. */
  status(): StatusView {
    const daemon = { name: 'vrrpd', pid: process.pid, startedAt: this.#startedAtIso, config: this.#config.file } as const
    if (!this.#router) return { daemon, instances: [], syncGroups: [], unattributedDrops: this.drops.unattributed() }
    const view = describeRouter(this.#router)
    return {
      daemon,
      instances: view.instances.map((i) => ({ ...i, stats: { ...i.stats, dropped: sumDrops(i.stats.dropped, this.drops.forInstance(i.name)) } })),
      syncGroups: view.syncGroups,
      unattributedDrops: sumDrops(view.dropped, this.drops.unattributed()),
    }
  }

  async start(): Promise<void> {
    await this.#refreshInterfaces(referencedInterfaces(this.#config))
    await this.#removeLeftoverVips(this.#config.instances)
    this.#openTransports()
    this.#router = createRouter(this.#config, this.#topology())
    this.#watch(referencedInterfaces(this.#config))
    this.#trackers.start(this.#config)
    this.dispatch({ type: 'startup' })
  }

  /** SIGTERM: masters send priority 0 and release their VIPs, notify_stop runs, then everything closes. */
  async stop(): Promise<void> {
    this.dispatch({ type: 'shutdown' })
    await this.#vipWork.settle()
    await withTimeout(this.ports.notify.drain(), NOTIFY_DRAIN_MS)
    await this.#trackers.stop()
    this.ports.links.close()
    this.#timers.cancelAll()
    await sleep(TRANSPORT_LINGER_MS)
    for (const t of this.#transports.values()) t.close()
    this.#transports.clear()
    this.ports.garp.close()
  }

  /** SIGHUP: apply a new config; unchanged instances keep their state and VIPs. */
  async reload(config: Config): Promise<void> {
    const old = this.#config
    for (const inst of old.instances) this.#retired.set(inst.name, inst)
    this.#config = config
    this.#index(config)
    await this.#refreshInterfaces(referencedInterfaces(config))
    this.#openTransports()
    if (!this.#router) throw new Error('reload before start')
    const { router, actions } = reloadRouter(this.#router, config, this.ports.clock.now(), this.#topology())
    this.#router = router
    this.#execute(actions)
    this.#watch(referencedInterfaces(config))
    await this.#trackers.stop()
    this.#trackers.start(config)
    await this.#vipWork.settle()
    this.#retired.clear()
    // Transports whose interface no instance uses any more: let priority-0 adverts go first.
    const used = new Set(config.instances.map((i) => transportKey(i.interface, i.family)))
    setTimeout(() => {
      for (const [key, t] of this.#transports) {
        if (!used.has(key)) {
          t.close()
          this.#transports.delete(key)
        }
      }
    }, TRANSPORT_LINGER_MS).unref()
  }

  /** Feeds one event to the core and carries out what it asks. Never throws. */
  dispatch(event: Event): void {
    this.#queue.push(event)
    if (this.#dispatching || !this.#router) return
    this.#dispatching = true
    try {
      for (let e = this.#queue.shift(); e; e = this.#queue.shift()) {
        const { router, actions } = stepRouter(this.#router!, e, this.ports.clock.now())
        this.#router = router
        this.#execute(actions)
      }
    } catch (err) {
      // A bug in our own code must not take the VIP down with the process.
      this.log.error({ err }, `internal error while handling ${event.type}`)
    } finally {
      this.#dispatching = false
    }
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
      case 'addVips':
        return this.#vipWork.add(action.instance, action.vips)
      case 'removeVips':
        return this.#vipWork.remove(action.instance, action.vips)
      case 'sendGarp':
        return this.#vipWork.garp(action.instance, action.vips, action.repeat, action.intervalMs)
      case 'runNotify':
        return this.#runNotify(action)
      case 'stateChanged':
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

  #instance(name: string): VrrpInstance | undefined {
    return this.#byName.get(name) ?? this.#retired.get(name)
  }

  #sendAdvert(action: Extract<Action, { type: 'sendAdvert' }>): void {
    const inst = this.#instance(action.instance)
    if (!inst) return
    const transport = this.#transports.get(transportKey(inst.interface, inst.family))
    const source = inst.unicastSrcIp ?? inst.mcastSrcIp ?? primaryAddressOf(this.#ifaces.get(inst.interface), inst.family, this.#vips)
    if (!transport || !source) {
      this.log.debug({ instance: inst.name }, `cannot send advert on ${inst.interface}: no ${transport ? 'source address' : 'socket'}`)
      return
    }
    const destinations = inst.unicastPeers.length
      ? inst.unicastPeers.map((p) => p.address)
      : [inst.family === 4 ? this.#config.globalDefs.mcastGroup4 : this.#config.globalDefs.mcastGroup6]
    for (const destination of destinations) {
      const payload = encodeAdvert(action.advert, { source, destination, pseudoHeaderChecksum: inst.v3ChecksumPseudoHeader })
      const sent = transport.send(payload, source, destination)
      if (!sent.ok) {
        const allowed = this.#dropLog.allow(`send:${inst.name}`, this.ports.clock.now())
        if (allowed !== undefined) this.log.warn({ instance: inst.name }, `(${inst.name}) failed to send advert to ${destination}: ${sent.error}`)
      }
    }
  }

  #runNotify(action: Extract<Action, { type: 'runNotify' }>): void {
    const { owner, state, priority } = action
    const scripts: NotifyScripts | undefined =
      owner.kind === 'INSTANCE'
        ? this.#instance(owner.name)?.notify
        : this.#config.syncGroups.find((g) => g.name === owner.name)?.notify
    this.ports.notifyFifo?.(owner.kind, owner.name, state, priority)
    if (!scripts) return
    for (const job of notifyJobsFor(scripts, owner, state, priority, splitCommandLine)) this.ports.notify.enqueue(job)
  }

  /** A packet from a transport: an event for the core, or a counted (and rate-limited, logged) drop. */
  #onPacket = (packet: Parameters<Parameters<AdvertTransport['onPacket']>[0]>[0]): void => {
    const outcome = receivePacket(packet, {
      instanceFor: (iface, family, vrid) => this.#byKey.get(`${transportKey(iface, family)}/${vrid}`),
      isOwnAddress: (iface, address) => this.#ifaces.get(iface)?.addresses.some((a) => a.address === address) ?? false,
      checkUnicastSrc: this.#config.globalDefs.checkUnicastSrc,
    })
    if (outcome.ok) return this.dispatch(outcome.event)
    if (outcome.reason === 'ownAdvert') return
    this.drops.count(outcome.reason, outcome.instance)
    const suppressed = this.#dropLog.allow(`${outcome.reason}:${packet.source}`, this.ports.clock.now())
    if (suppressed === undefined) return
    const who = outcome.instance ? `(${outcome.instance}) ` : ''
    const more = suppressed > 0 ? ` (${suppressed} more like it since the last report)` : ''
    this.log.warn(`${who}dropped advert from ${packet.source} on ${packet.interface}: ${outcome.reason}${outcome.detail ? ` (${outcome.detail})` : ''}${more}`)
  }

  #index(config: Config): void {
    this.#byName = new Map(config.instances.map((i) => [i.name, i]))
    this.#byKey = new Map(config.instances.map((i) => [`${transportKey(i.interface, i.family)}/${i.virtualRouterId}`, i]))
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
    const address = this.#transports.has(transportKey(name, family)) ? primaryAddressOf(this.#ifaces.get(name), family, this.#vips) : undefined
    this.#reported.set(transportKey(name, family), address)
    return address
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
        if (!this.#ifaces.get(vip.dev) || !(await this.ports.addresses.has(vip))) continue
        const removed = await this.ports.addresses.remove(vip)
        this.log.info({ instance: inst.name }, `(${inst.name}) removed leftover VIP ${vip.address} from ${vip.dev}${removed.ok ? '' : `: failed: ${removed.error}`}`)
      }
    }
  }

  #openTransports(): void {
    for (const inst of this.#config.instances) {
      const key = transportKey(inst.interface, inst.family)
      if (this.#transports.has(key)) continue
      const info = this.#ifaces.get(inst.interface)
      if (!info) continue // FAULT in the core; opened when the interface appears (reload)
      try {
        const transport = this.ports.openTransport({
          interface: inst.interface,
          ifindex: info.index,
          family: inst.family,
          multicastGroup: inst.family === 4 ? this.#config.globalDefs.mcastGroup4 : this.#config.globalDefs.mcastGroup6,
          unicastPeers: [],
        })
        transport.onPacket(this.#onPacket)
        this.#transports.set(key, transport)
      } catch (err) {
        this.log.error({ err }, `cannot open VRRP socket on ${inst.interface}: ${(err as Error).message}`)
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
    const wasUp = this.#ifaces.get(name)?.up ?? false
    this.#ifaces.set(name, info)
    const isUp = info?.up ?? false
    if (info && isUp) this.#openTransports()
    if (wasUp !== isUp) this.dispatch({ type: 'interfaceChanged', interface: name, up: isUp })
    for (const family of [4, 6] as const) {
      const key = transportKey(name, family)
      const before = this.#reported.get(key)
      const after = this.#usableAddress(name, family)
      if (before !== after) this.dispatch({ type: 'addressChanged', interface: name, family, address: after })
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
