/**
 * A single pure router driven by hand, for unit tests of src/core.
 */
import type { Config } from '../../src/config/model.js'
import type { Action, Event } from '../../src/core/types.js'
import type { InstanceState, RouterState } from '../../src/core/state.js'
import { createRouter, stepRouter } from '../../src/core/index.js'
import { hostOpts } from './sim-config.js'

export class Harness {
  router: RouterState
  now = 0
  last: Action[] = []

  constructor(config: Config, address = '10.0.0.1', ifaces: string[] = ['eth0']) {
    this.router = createRouter(config, hostOpts(address, ifaces))
  }

  step(event: Event, at = this.now): Action[] {
    this.now = at
    const { router, actions } = stepRouter(this.router, event, at)
    this.router = router
    this.last = actions
    return actions
  }

  /** Fire the instance's armed timer at its deadline. */
  fire(name = 'VI_1'): Action[] {
    const at = this.inst(name).armedAt
    if (at === undefined) throw new Error(`${name} has no timer armed`)
    return this.step({ type: 'timerFired', instance: name }, Math.max(at, this.now))
  }

  inst(name = 'VI_1'): InstanceState {
    const i = this.router.instances.get(name)
    if (!i) throw new Error(`no instance ${name}`)
    return i
  }
}

export function ofType<T extends Action['type']>(actions: Action[], type: T): Array<Extract<Action, { type: T }>> {
  return actions.filter((a): a is Extract<Action, { type: T }> => a.type === type)
}

export function messages(actions: Action[], level?: string): string[] {
  return ofType(actions, 'log')
    .filter((a) => level === undefined || a.level === level)
    .map((a) => a.message)
}
