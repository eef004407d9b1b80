/**
 * static_ipaddress, static_routes and static_rules, as keepalived's vrrp_daemon.c handles
 * them: at start, leftovers of an earlier run are removed and the entries set;
 * they stay while vrrpd runs (whatever the VRRP states); a reload removes the
 * ones no longer configured and sets the new ones; stop removes them. Failures
 * are logged, never fatal (keepalived carries on too).
 */
import type { Config, RouteEntry, RuleEntry, VipEntry } from '../config/model.js'
import type { AddressManager } from '../io/ports.js'
import type { RouteManager } from '../io/netlink-routes.js'
import type { Logger } from '../log.js'

const addressKey = (v: VipEntry): string => `${v.address}/${v.prefixLength} dev ${v.dev}`
const routeKey = ({ at: _a, text: _t, ...r }: RouteEntry | RuleEntry): string => JSON.stringify(r)

export class StaticEntries {
  #addresses: VipEntry[] = []
  #routes: RouteEntry[] = []
  #rules: RuleEntry[] = []
  constructor(private readonly deps: { addresses: AddressManager; routes?: RouteManager; log: Logger }) {}

  /** Start: clear what an earlier run may have left, then set everything. */
  async start(config: Config): Promise<void> {
    await this.#removeAll(config.staticIpAddresses, config.staticRoutes ?? [], config.staticRules ?? [])
    await this.#set(config)
  }

  /** Reload: remove entries no longer configured, set the current ones (setting is idempotent). */
  async reload(config: Config): Promise<void> {
    const addresses = new Set(config.staticIpAddresses.map(addressKey))
    const routes = new Set((config.staticRoutes ?? []).map(routeKey))
    const rules = new Set((config.staticRules ?? []).map(routeKey))
    await this.#removeAll(
      this.#addresses.filter((a) => !addresses.has(addressKey(a))),
      this.#routes.filter((r) => !routes.has(routeKey(r))),
      this.#rules.filter((r) => !rules.has(routeKey(r))),
    )
    await this.#set(config)
  }

  async stop(): Promise<void> {
    await this.#removeAll(this.#addresses, this.#routes, this.#rules)
    this.#addresses = []
    this.#routes = []
    this.#rules = []
  }

  async #set(config: Config): Promise<void> {
    this.#addresses = config.staticIpAddresses
    this.#routes = config.staticRoutes ?? []
    this.#rules = config.staticRules ?? []
    for (const a of this.#addresses) this.#report('add', `static address ${addressKey(a)}`, await this.deps.addresses.add(a))
    // Routes after addresses: a static route may use a static address as its source.
    for (const r of this.#routes) if (this.deps.routes) this.#report('add', `static route ${r.text}`, await this.deps.routes.add(r))
    for (const r of this.#rules) if (this.deps.routes) this.#report('add', `static rule ${r.text}`, await this.deps.routes.addRule(r))
  }

  async #removeAll(addresses: VipEntry[], routes: RouteEntry[], rules: RuleEntry[]): Promise<void> {
    for (const r of rules) if (this.deps.routes) this.#report('remove', `static rule ${r.text}`, await this.deps.routes.removeRule(r))
    for (const r of routes) if (this.deps.routes) this.#report('remove', `static route ${r.text}`, await this.deps.routes.remove(r))
    for (const a of addresses) this.#report('remove', `static address ${addressKey(a)}`, await this.deps.addresses.remove(a))
  }

  #report(op: string, what: string, result: { ok: true } | { ok: false; error: string }): void {
    if (!result.ok) this.deps.log.error(`cannot ${op} ${what}: ${result.error}`)
  }
}
