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
    this.#enqueue(name, async () => {
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
  }

  /**
   * Reload of an instance that stays MASTER: routes and rules no longer
   * configured go, new ones come (keepalived's clear_diff for an unchanged master).
   */
  reconcile(name: string, before: VrrpInstance, after: VrrpInstance): void {
    const key = ({ at: _a, text: _t, ...r }: { at: unknown; text: string }): string => JSON.stringify(r)
    const diff = <T extends { at: unknown; text: string }>(a: T[], b: T[]): T[] => {
      const keep = new Set(b.map(key))
      return a.filter((x) => !keep.has(key(x)))
    }
    const [oldRoutes, newRoutes] = [before.virtualRouteEntries ?? [], after.virtualRouteEntries ?? []]
    const [oldRules, newRules] = [before.virtualRules ?? [], after.virtualRules ?? []]
    const gone = { routes: diff(oldRoutes, newRoutes), rules: diff(oldRules, newRules) }
    const come = { routes: diff(newRoutes, oldRoutes), rules: diff(newRules, oldRules) }
    if (gone.routes.length + gone.rules.length + come.routes.length + come.rules.length === 0) return
    this.#enqueue(name, async () => {
      const m = this.deps.routes
      const failures: string[] = []
      const note = (text: string, r: { ok: true } | { ok: false; error: string }): void => void (r.ok || failures.push(`${text}: ${r.error}`))
      for (const r of gone.rules) note(r.text, await m.removeRule(r))
      for (const r of gone.routes) note(r.text, await m.remove(r))
      for (const r of come.routes) note(r.text, await m.add(r))
      for (const r of come.rules) note(r.text, await m.addRule(r))
      if (failures.length) this.deps.log.error({ instance: name }, `(${name}) cannot apply reloaded virtual routes/rules: ${failures.join('; ')}`)
    })
  }

  #enqueue(name: string, work: () => Promise<void>): void {
    const prev = this.#chains.get(name) ?? Promise.resolve()
    this.#chains.set(name, prev.then(work).catch((err: unknown) => this.deps.log.error({ err, instance: name }, 'internal error in route work')))
  }

  async settle(): Promise<void> {
    await Promise.all([...this.#chains.values()])
  }
}
