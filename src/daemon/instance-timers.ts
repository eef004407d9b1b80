/**
 * The core's one timer per instance (keepalived's `sands`): `armTimer` replaces
 * the instance's deadline, `cancelTimer` drops it; firing raises `timerFired`.
 */
import type { Clock, TimerHandle } from '../io/ports.js'

export class InstanceTimers {
  readonly #handles = new Map<string, TimerHandle>()
  constructor(
    private readonly clock: Clock,
    private readonly fire: (instance: string) => void,
  ) {}

  arm(instance: string, at: number): void {
    this.cancel(instance)
    this.#handles.set(
      instance,
      this.clock.setTimer(at, () => {
        this.#handles.delete(instance)
        this.fire(instance)
      }),
    )
  }

  cancel(instance: string): void {
    const old = this.#handles.get(instance)
    if (old) this.clock.clearTimer(old)
    this.#handles.delete(instance)
  }

  cancelAll(): void {
    for (const instance of [...this.#handles.keys()]) this.cancel(instance)
  }
}
