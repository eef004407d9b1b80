/**
 * VIP changes and gratuitous ARP bursts. VIP changes run on one ordered chain
 * per instance. A burst waits for the VIP work queued before it (the GARPs must
 * leave only once the address is on the interface: a client sent to us before
 * that would be dropped) but is not itself on the chain, so a later removal
 * never waits behind a burst with vrrp_garp_interval pauses in it. Removing a
 * VIP cancels every burst still claiming it, at once: no GARP for an address
 * after the instance let it go (it left MASTER, or a reload dropped the VIP).
 * Different instances do not wait for each other.
 */
import type { VipEntry } from '../config/model.js'
import type { AddressManager, GarpSender, InterfaceInfo } from '../io/ports.js'
import type { Logger } from '../log.js'
import type { RateLimiter } from './drop-counters.js'

export interface VipWorkerDeps {
  addresses: AddressManager
  garp: GarpSender
  /** Unsolicited neighbour adverts for IPv6 VIPs (none: IPv6 VIPs are not announced). */
  na?: GarpSender
  /** The interface a VIP lives on (index and MAC for the GARP frame). */
  iface(name: string): InterfaceInfo | undefined
  log: Logger
  /** Rate limit for repeated GARP send failures. */
  limiter: RateLimiter
  now(): number
  /**
   * The no_accept filter (src/io/nftables.ts): VIPs enter its drop sets before
   * they are added and leave after they are removed (keepalived's order).
   */
  filter?: {
    add(instance: string, vips: VipEntry[]): Promise<void>
    remove(instance: string, vips: VipEntry[]): Promise<void>
  }
  /** `ip addr` failed for some VIPs: tell the core (adding them puts it in FAULT). */
  onFailure(instance: string, op: 'addVips' | 'removeVips', message: string): void
}

/** A burst in flight: the VIPs it may still claim, and how to wake it from a pause. */
interface Burst {
  instance: string
  vips: VipEntry[]
  cancelled: Set<string>
  wake?: () => void
}

function vipKey(v: VipEntry): string {
  return `${v.address}/${v.prefixLength}@${v.dev}`
}

export class VipWorker {
  readonly #chains = new Map<string, Promise<void>>()
  readonly #bursts = new Set<Burst>()
  readonly #burstsDone = new Set<Promise<void>>()
  constructor(private readonly deps: VipWorkerDeps) {}

  add(instance: string, vips: VipEntry[]): void {
    this.#chain(instance, () => this.#change(instance, vips, 'add'))
  }

  remove(instance: string, vips: VipEntry[]): void {
    this.#cancelGarps(instance, vips)
    this.#chain(instance, () => this.#change(instance, vips, 'remove'))
  }

  /** One burst: `repeat` GARPs per IPv4 VIP, `intervalMs` apart (vrrp_garp_interval). */
  garp(instance: string, vips: VipEntry[], repeat: number, intervalMs: number): void {
    const burst: Burst = { instance, vips, cancelled: new Set() }
    this.#bursts.add(burst)
    const after = this.#chains.get(instance) ?? Promise.resolve()
    const done = after
      .then(() => this.#sendGarps(burst, repeat, intervalMs))
      .catch((err: unknown) => this.deps.log.error({ err, instance }, 'internal error in GARP burst'))
      .finally(() => {
        this.#bursts.delete(burst)
        this.#burstsDone.delete(done)
      })
    this.#burstsDone.add(done)
  }

  /** Resolves when every instance's queued work, bursts included, is done. */
  async settle(): Promise<void> {
    await Promise.all([...this.#chains.values(), ...this.#burstsDone])
  }

  /** Stops the bursts of `instance` from claiming `vips` any more, and wakes them to notice. */
  #cancelGarps(instance: string, vips: VipEntry[]): void {
    const keys = vips.map(vipKey)
    for (const burst of this.#bursts) {
      if (burst.instance !== instance) continue
      for (const k of keys) burst.cancelled.add(k)
      // Woken only when nothing is left to claim: the other VIPs keep their interval.
      if (burst.vips.every((v) => v.family !== 4 || burst.cancelled.has(vipKey(v)))) burst.wake?.()
    }
  }

  #chain(instance: string, work: () => Promise<void>): void {
    const prev = this.#chains.get(instance) ?? Promise.resolve()
    const next = prev.then(work).catch((err: unknown) => this.deps.log.error({ err, instance }, 'internal error in VIP/GARP work'))
    this.#chains.set(instance, next)
  }

  async #change(instance: string, vips: VipEntry[], op: 'add' | 'remove'): Promise<void> {
    const failures: string[] = []
    if (op === 'add') await this.deps.filter?.add(instance, vips)
    for (const vip of vips) {
      const result = op === 'add' ? await this.deps.addresses.add(vip) : await this.deps.addresses.remove(vip)
      if (!result.ok) failures.push(`${vip.address}/${vip.prefixLength} dev ${vip.dev}: ${result.error}`)
    }
    if (op === 'remove') await this.deps.filter?.remove(instance, vips)
    if (failures.length === 0) return
    this.deps.log.error({ instance }, `(${instance}) cannot ${op} VIPs: ${failures.join('; ')}`)
    // One bad VIP is one bad VIP: keepalived (netlink_iplist) logs it and keeps
    // the others and its state. Only an add that placed none of them tells the core
    // (FAULT: a master holding none of its addresses would only keep the backup out).
    if (op === 'add' && failures.length < vips.length) return
    this.deps.onFailure(instance, op === 'add' ? 'addVips' : 'removeVips', failures.join('; '))
  }

  async #sendGarps(burst: Burst, repeat: number, intervalMs: number): Promise<void> {
    for (let round = 0; round < repeat; round++) {
      for (const vip of burst.vips) {
        if (burst.cancelled.has(vipKey(vip))) continue
        const sender = vip.family === 4 ? this.deps.garp : this.deps.na
        const iface = this.deps.iface(vip.dev)
        if (!iface || !sender) continue
        const sent = sender.send(iface, vip.address)
        const what = vip.family === 4 ? 'gratuitous ARP' : 'unsolicited neighbour advert'
        if (!sent.ok && this.deps.limiter.allow(`garp:${vip.dev}`, this.deps.now()) !== undefined) {
          this.deps.log.warn(`cannot send ${what} on ${vip.dev} for ${vip.address}: ${sent.error}`)
        }
        if (intervalMs > 0) await this.#pause(burst, intervalMs)
      }
      if (burst.vips.every((v) => burst.cancelled.has(vipKey(v)))) return
    }
  }

  /** Waits `ms`, or less when the burst is cancelled meanwhile. */
  #pause(burst: Burst, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        burst.wake = undefined
        resolve()
      }
      burst.wake = done
    })
  }
}
