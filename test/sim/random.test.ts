/**
 * Randomized runs (seeded, reproducible): whatever cuts, partitions and losses
 * happened before, once the wire is whole again and Master_Down_Interval has
 * passed there is at most one master per VRID.
 */
import t from 'tap'
import { SimWire, seededRng } from '../helpers/sim-wire.js'
import { makeConfig, makeInstance } from '../helpers/sim-config.js'
import { masterDownIntervalMs } from '../../src/core/index.js'

const RUNS = Number(process.env.VRRPD_SIM_RUNS ?? 300)
const BASE_SEED = Number(process.env.VRRPD_SIM_SEED ?? 20261125)

function runOnce(seed: number): string | undefined {
  const rng = seededRng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!
  const version = pick([2, 3] as const)
  const interval = version === 2 ? pick([1000, 2000]) : pick([10, 100, 1000])
  const n = 2 + Math.floor(rng() * 4)
  const wire = new SimWire(interval / 100)
  const names: string[] = []
  for (let i = 0; i < n; i++) {
    const priority = pick([50, 100, 100, 150, 200, 254])
    const name = `r${i}`
    names.push(name)
    wire.add(name, `10.0.0.${i + 1}`, makeConfig([makeInstance({ version, advertIntervalMs: interval, priority, nopreempt: rng() < 0.3, preemptDelayMs: rng() < 0.2 ? interval * 3 : 0 })]))
  }
  // Staggered starts.
  for (const name of names) {
    wire.runFor(Math.floor(rng() * interval * 4))
    wire.inject(name, { type: 'startup' })
  }
  // Chaos: a few random fault phases.
  const phases = 1 + Math.floor(rng() * 4)
  for (let p = 0; p < phases; p++) {
    const kind = pick(['cut', 'isolate', 'drop', 'restart'] as const)
    if (kind === 'cut') wire.cut(pick(names))
    else if (kind === 'isolate') {
      const split = 1 + Math.floor(rng() * (n - 1))
      wire.isolate(names.slice(0, split), names.slice(split))
    } else if (kind === 'drop') wire.drop(rng() * 0.6, rng)
    else {
      const victim = pick(names)
      wire.inject(victim, { type: 'shutdown' })
      wire.runFor(Math.floor(rng() * interval * 5))
      // A restarted daemon: a new router from the same config.
      const node = wire.node(victim)
      const cfg = node.router.config
      wire.nodes.delete(victim)
      wire.add(victim, node.address, cfg)
      wire.inject(victim, { type: 'startup' })
    }
    wire.runFor(Math.floor(rng() * interval * 10))
  }
  wire.healAll()
  // Master_Down_Interval of the slowest router plus one advert interval and the wire delay.
  wire.runFor(masterDownIntervalMs(version, 1, interval) + interval + 2 * wire.delayMs)
  for (let check = 0; check < 10; check++) {
    const masters = wire.masters()
    if (masters.length !== 1) return `seed ${seed}: ${masters.length} masters at ${wire.now} ms (${JSON.stringify(wire.states())})`
    wire.runFor(interval / 2)
  }
  return undefined
}

t.test(`${RUNS} randomized runs keep exactly one master on a whole wire`, (t) => {
  // RFC 3768 6.4.2 / 6.4.3, RFC 9568 6.4.2 / 6.4.3: election converges
  const failures: string[] = []
  for (let i = 0; i < RUNS; i++) {
    let failure: string | undefined
    try {
      failure = runOnce(BASE_SEED + i)
    } catch (err) {
      failure = `seed ${BASE_SEED + i}: ${(err as Error).message}`
    }
    if (failure) failures.push(failure)
  }
  t.same(failures, [], failures.length > 0 ? `replay with VRRPD_SIM_SEED=<seed> VRRPD_SIM_RUNS=1: ${failures.slice(0, 3).join('; ')}` : 'all runs converged')
  t.end()
})
