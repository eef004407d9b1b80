/**
 * The kernel parameters keepalived sets for an IPv4 VMAC (vrrp_if_config.c),
 * so that ARP for a VIP is answered from the VMAC only:
 * - on the macvlan: arp_ignore=1, accept_local=1, rp_filter=0,
 *   promote_secondaries=1;
 * - on its base interface: arp_ignore=1, arp_filter=1, the old values kept
 *   and put back when the last VMAC on it goes;
 * - rp_filter=0 on the macvlan only works with net.ipv4.conf.all.rp_filter=0:
 *   if it is not, `default` and every interface are raised to the old `all`
 *   value first (so nothing else changes behaviour), `all` goes to 0, and all
 *   of it is put back at stop when still as we left it; keepalived's NOTICE lines.
 * - net.ipv6.conf.VMAC.disable_ipv6: 1 for an IPv4 instance, 0 for IPv6.
 * Written through /proc/sys (keepalived's non-devconf path; the same files
 * `sysctl` writes). Failures are logged, never thrown.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLog, type IoLog } from './io-log.js'

const VMAC_PARAMS: ReadonlyArray<[string, number]> = [
  ['arp_ignore', 1],
  ['accept_local', 1],
  ['rp_filter', 0],
  ['promote_secondaries', 1],
]
const BASE_PARAMS = ['arp_ignore', 'arp_filter'] as const

export class VmacSysctls {
  readonly #root: string
  readonly #log: IoLog
  /** Per base interface: how many VMACs rely on it, and what to put back. */
  readonly #bases = new Map<string, { users: number; saved: Map<string, number> }>()
  /** all.rp_filter as found (undefined: we did not touch it), default's, and each interface's we raised. */
  #allRpFilter: number | undefined
  #defaultRpFilter: number | undefined
  readonly #raised = new Map<string, number>()

  constructor(opts: { procSys?: string; log?: IoLog } = {}) {
    this.#root = opts.procSys ?? '/proc/sys'
    this.#log = opts.log ?? silentLog
  }

  #path(family: 'ipv4' | 'ipv6', iface: string, param: string): string {
    return join(this.#root, 'net', family, 'conf', iface, param)
  }

  get(iface: string, param: string, family: 'ipv4' | 'ipv6' = 'ipv4'): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(this.#path(family, iface, param), 'utf8'), 10)
      return Number.isNaN(n) ? undefined : n
    } catch {
      return undefined
    }
  }

  set(iface: string, param: string, value: number, family: 'ipv4' | 'ipv6' = 'ipv4'): boolean {
    try {
      writeFileSync(this.#path(family, iface, param), `${value}\n`)
      return true
    } catch (err) {
      this.#log.warn(`cannot set net.${family}.conf.${iface}.${param}=${value}: ${(err as Error).message}`)
      return false
    }
  }

  /** IPv6 on or off on the VMAC (off for an IPv4 instance: no MLD or ND from the shared MAC). */
  setIpv6(vmac: string, enabled: boolean): void {
    this.set(vmac, 'disable_ipv6', enabled ? 0 : 1, 'ipv6')
  }

  /** The IPv4 VMAC's own parameters (again, for a VMAC made anew). */
  applyVmac(vmac: string): void {
    for (const [param, value] of VMAC_PARAMS) this.set(vmac, param, value)
  }

  /** An IPv4 VMAC `vmac` on `base`: its parameters, the base's, and all.rp_filter. */
  apply(vmac: string, base: string | undefined): void {
    if (this.#allRpFilter === undefined) this.#clearRpFilter()
    this.applyVmac(vmac)
    // A macvlan moved here from another namespace has no base we can see.
    if (!base) return
    const known = this.#bases.get(base)
    if (known) {
      known.users++
      return
    }
    const saved = new Map<string, number>()
    for (const param of BASE_PARAMS) {
      const old = this.get(base, param)
      if (old === undefined || old === 1) continue
      if (this.set(base, param, 1)) saved.set(param, old)
    }
    this.#bases.set(base, { users: 1, saved })
  }

  /** A VMAC on `base` is gone: the last one puts the base's arp_ignore / arp_filter back. */
  release(base: string | undefined): void {
    if (!base) return
    const known = this.#bases.get(base)
    if (!known || --known.users > 0) return
    this.#bases.delete(base)
    for (const [param, old] of known.saved) this.set(base, param, old)
  }

  /** At stop: all / default / interface rp_filter back, where still as we left them. */
  restoreRpFilter(): void {
    const all = this.#allRpFilter
    if (all === undefined || all === 0) {
      this.#allRpFilter = undefined
      return
    }
    if (this.get('all', 'rp_filter') === 0) {
      this.#log.info(`NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to ${all}`)
      this.set('all', 'rp_filter', all)
    }
    if (this.#defaultRpFilter !== undefined && this.get('default', 'rp_filter') === all) {
      this.#log.info(`NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to ${this.#defaultRpFilter}`)
      this.set('default', 'rp_filter', this.#defaultRpFilter)
    }
    for (const [iface, old] of this.#raised) if (this.get(iface, 'rp_filter') === all) this.set(iface, 'rp_filter', old)
    this.#raised.clear()
    this.#allRpFilter = undefined
    this.#defaultRpFilter = undefined
  }

  #clearRpFilter(): void {
    const all = this.get('all', 'rp_filter')
    if (all === undefined) {
      this.#log.info('Unable to read sysctl net.ipv4.conf.all.rp_filter')
      return
    }
    this.#allRpFilter = all
    if (all === 0) return
    const dflt = this.get('default', 'rp_filter')
    if (dflt !== undefined && dflt < all) {
      this.#log.info(`NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from ${dflt} to ${all}`)
      this.set('default', 'rp_filter', all)
      this.#defaultRpFilter = dflt
    }
    let names: string[] = []
    try {
      names = readdirSync(join(this.#root, 'net', 'ipv4', 'conf')).filter((n) => n !== 'all' && n !== 'default')
    } catch {
      // no per-interface view: nothing to raise
    }
    for (const name of names) {
      const own = this.get(name, 'rp_filter')
      if (own !== undefined && own < all && this.set(name, 'rp_filter', all)) this.#raised.set(name, own)
    }
    this.#log.info(`NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`)
    this.set('all', 'rp_filter', 0)
  }
}
