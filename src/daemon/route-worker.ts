/**
 * virtual_routes and virtual_rules follow the instance's MASTER state, as keepalived's: added once
 * the instance is MASTER (after its VIPs, so a route with `src VIP` can be
 * installed), removed when it leaves MASTER (BACKUP, FAULT, stop). One ordered
 * chain per instance; a failure is logged and does not change the state
 * (keepalived logs and carries on too).
 */
import type { VrrpInstance } from '../config/model.js'
import type { RouteManager } from '../io/netlink-routes.js'
import type { Logger } from '../log.js'

export interface RouteWorkerDeps {
  routes: RouteManager
  instance(name: string): VrrpInstance | undefined
  /** Resolves once queued VIP work is done. */
  vipsSettled(): Promise<void>
  log: Logger
}

export class RouteWorker {
  readonly #chains = new Map<string, Promise<void>>()
  constructor(private readonly deps: RouteWorkerDeps) {}

  /** Called for every state change of an instance. */
  stateChanged(name: string, from: string, to: string): void {
    const inst = this.deps.instance(name)
    const routes = inst?.virtualRouteEntries ?? []
    const rules = inst?.virtualRules ?? []
    if (routes.length + rules.length === 0 || (to === 'MASTER') === (from === 'MASTER')) return
    const op = to === 'MASTER' ? 'add' : 'remove'
    const prev = this.#chains.get(name) ?? Promise.resolve()
    const next = prev
      .then(async () => {
        if (op === 'add') await this.deps.vipsSettled()
        const failures: string[] = []
        const m = this.deps.routes
        for (const r of routes) {
          const result = op === 'add' ? await m.add(r) : await m.remove(r)
          if (!result.ok) failures.push(`${r.text}: ${result.error}`)
        }
        for (const r of rules) {
          const result = op === 'add' ? await m.addRule(r) : await m.removeRule(r)
          if (!result.ok) failures.push(`${r.text}: ${result.error}`)
        }
        if (failures.length) this.deps.log.error({ instance: name }, `(${name}) cannot ${op} virtual routes/rules: ${failures.join('; ')}`)
      })
      .catch((err: unknown) => this.deps.log.error({ err, instance: name }, 'internal error in route work'))
    this.#chains.set(name, next)
  }

  async settle(): Promise<void> {
    await Promise.all([...this.#chains.values()])
  }
}
