/**
 * VIP changes and gratuitous ARP bursts, one ordered chain per instance: the
 * core asks for "add VIPs, then GARP", and the GARPs must leave only once the
 * address is on the interface (a client sent to us before that would be dropped).
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
  /** `ip addr` failed for some VIPs: tell the core (adding them puts it in FAULT). */
  onFailure(instance: string, op: 'addVips' | 'removeVips', message: string): void
}

export class VipWorker {
  readonly #chains = new Map<string, Promise<void>>()
  constructor(private readonly deps: VipWorkerDeps) {}

  add(instance: string, vips: VipEntry[]): void {
    this.#chain(instance, () => this.#change(instance, vips, 'add'))
  }

  remove(instance: string, vips: VipEntry[]): void {
    this.#chain(instance, () => this.#change(instance, vips, 'remove'))
  }

  /** One burst: `repeat` GARPs per IPv4 VIP, `intervalMs` apart (vrrp_garp_interval). */
  garp(instance: string, vips: VipEntry[], repeat: number, intervalMs: number): void {
    this.#chain(instance, () => this.#sendGarps(vips, repeat, intervalMs))
  }

  /** Resolves when every instance's queued work is done. */
  async settle(): Promise<void> {
    await Promise.all([...this.#chains.values()])
  }

  #chain(instance: string, work: () => Promise<void>): void {
    const prev = this.#chains.get(instance) ?? Promise.resolve()
    const next = prev.then(work).catch((err: unknown) => this.deps.log.error({ err, instance }, 'internal error in VIP/GARP work'))
    this.#chains.set(instance, next)
  }

  async #change(instance: string, vips: VipEntry[], op: 'add' | 'remove'): Promise<void> {
    const failures: string[] = []
    for (const vip of vips) {
      const result = op === 'add' ? await this.deps.addresses.add(vip) : await this.deps.addresses.remove(vip)
      if (!result.ok) failures.push(`${vip.address}/${vip.prefixLength} dev ${vip.dev}: ${result.error}`)
    }
    if (failures.length === 0) return
    this.deps.log.error({ instance }, `(${instance}) cannot ${op} VIPs: ${failures.join('; ')}`)
    // One bad VIP is one bad VIP: keepalived (netlink_iplist) logs it and keeps
    // the others and its state. Only an add that placed none of them tells the core
    // (FAULT: a master holding none of its addresses would only keep the backup out).
    if (op === 'add' && failures.length < vips.length) return
    this.deps.onFailure(instance, op === 'add' ? 'addVips' : 'removeVips', failures.join('; '))
  }

  async #sendGarps(vips: VipEntry[], repeat: number, intervalMs: number): Promise<void> {
    for (let round = 0; round < repeat; round++) {
      for (const vip of vips) {
        const sender = vip.family === 4 ? this.deps.garp : this.deps.na
        const iface = this.deps.iface(vip.dev)
        if (!iface || !sender) continue
        const sent = sender.send(iface, vip.address)
        const what = vip.family === 4 ? 'gratuitous ARP' : 'unsolicited neighbour advert'
        if (!sent.ok && this.deps.limiter.allow(`garp:${vip.dev}`, this.deps.now()) !== undefined) {
          this.deps.log.warn(`cannot send ${what} on ${vip.dev} for ${vip.address}: ${sent.error}`)
        }
        if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs))
      }
    }
  }
}
