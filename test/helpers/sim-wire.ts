/**
 * A discrete-event simulation of N pure routers on one Ethernet segment with a
 * fake clock (etcd raft_test.go `newNetwork`, xstate's SimulatedClock):
 * `sendAdvert` actions are delivered to every other connected router after
 * `delayMs`; `armTimer` actions become `timerFired` events at their time.
 * Faults: `cut(a)` / `heal(a)` a router's cable (its link stays up, like a
 * broken switch port), `cutLink(a, 'eth1')` one of its cables only,
 * `isolate([...], [...])` partitions, `drop(fraction, rng)`. An advert leaves
 * from the instance's source address (unicast_src_ip / mcast_src_ip, else the
 * node's address), as the daemon sends it.
 */
import type { Config } from '../../src/config/model.js'
import type { Action, Event } from '../../src/core/types.js'
import type { RouterState } from '../../src/core/state.js'
import { createRouter, stepRouter } from '../../src/core/index.js'
import { sourceAddress } from '../../src/core/instance.js'
import { MinHeap } from '../../src/util/min-heap.js'

/** mulberry32: a small seeded PRNG so randomized runs can be replayed from their seed. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SimNode {
  name: string
  address: string
  router: RouterState
  /** Live timer per instance: the sequence number of the last armTimer. */
  timers: Map<string, number>
  /** Every action this node emitted, with the time. */
  history: Array<{ at: number; action: Action }>
}

interface Scheduled {
  at: number
  seq: number
  node: string
  event: Event
  /** For timers: must still be the live one. */
  timerSeq?: number
}

export class SimWire {
  now = 0
  readonly nodes = new Map<string, SimNode>()
  private heap = new MinHeap<Scheduled>(before)
  private seq = 0
  private cutNodes = new Set<string>()
  /** `${node}|${interface}` cables cut. */
  private cutLinks = new Set<string>()
  private partition = new Map<string, number>()
  private dropFraction = 0
  private rng: () => number = () => 1

  /** Events one runUntil may process before it declares a storm. */
  maxEventsPerRun = 200_000

  constructor(readonly delayMs = 1) {}

  add(name: string, address: string, config: Config, ifaces: string[] = ['eth0']): SimNode {
    const family = address.includes(':') ? 6 : 4
    const primaryAddresses: Record<string, { 4?: string; 6?: string }> = {}
    const interfacesUp: Record<string, boolean> = {}
    for (const i of ifaces) {
      primaryAddresses[i] = family === 4 ? { 4: address } : { 6: address }
      interfacesUp[i] = true
    }
    const node: SimNode = { name, address, router: createRouter(config, { primaryAddresses, interfacesUp }), timers: new Map(), history: [] }
    this.nodes.set(name, node)
    return node
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name)
    if (!n) throw new Error(`no node ${name}`)
    return n
  }

  /** Apply one event to a node now and carry out its actions. */
  inject(name: string, event: Event): Action[] {
    const node = this.node(name)
    const { router, actions } = stepRouter(node.router, event, this.now)
    node.router = router
    for (const action of actions) this.perform(node, action)
    return actions
  }

  startAll(): void {
    for (const name of this.nodes.keys()) this.inject(name, { type: 'startup' })
  }

  cut(name: string): void {
    this.cutNodes.add(name)
  }

  heal(name: string): void {
    this.cutNodes.delete(name)
  }

  /** Cut one cable of a node: nothing sent or received on `iface`; the link stays up. */
  cutLink(name: string, iface: string): void {
    this.cutLinks.add(`${name}|${iface}`)
  }

  healLink(name: string, iface: string): void {
    this.cutLinks.delete(`${name}|${iface}`)
  }

  /** Split the wire: each list is a partition; unnamed nodes share partition 0. */
  isolate(...groups: string[][]): void {
    this.partition.clear()
    groups.forEach((g, i) => g.forEach((n) => this.partition.set(n, i + 1)))
  }

  healAll(): void {
    this.cutNodes.clear()
    this.cutLinks.clear()
    this.partition.clear()
    this.dropFraction = 0
  }

  drop(fraction: number, rng: () => number): void {
    this.dropFraction = fraction
    this.rng = rng
  }

  connected(a: string, b: string): boolean {
    return !this.cutNodes.has(a) && !this.cutNodes.has(b) && (this.partition.get(a) ?? 0) === (this.partition.get(b) ?? 0)
  }

  private schedule(item: Omit<Scheduled, 'seq'>): void {
    this.heap.push({ ...item, seq: this.seq++ })
  }

  private perform(node: SimNode, action: Action): void {
    node.history.push({ at: this.now, action })
    switch (action.type) {
      case 'sendAdvert': {
        const inst = node.router.instances.get(action.instance)
        if (!inst) return
        const iface = inst.config.interface
        const source = sourceAddress(inst, node.router) ?? node.address
        for (const other of this.nodes.values()) {
          if (other === node || !this.connected(node.name, other.name)) continue
          if (this.cutLinks.has(`${node.name}|${iface}`) || this.cutLinks.has(`${other.name}|${iface}`)) continue
          if (this.dropFraction > 0 && this.rng() < this.dropFraction) continue
          this.schedule({
            at: this.now + this.delayMs,
            node: other.name,
            event: { type: 'advertReceived', interface: iface, source, advert: action.advert },
          })
        }
        return
      }
      case 'armTimer': {
        const timerSeq = this.seq
        node.timers.set(action.instance, timerSeq)
        this.schedule({ at: Math.max(action.at, this.now), node: node.name, event: { type: 'timerFired', instance: action.instance }, timerSeq })
        return
      }
      case 'cancelTimer':
        node.timers.delete(action.instance)
        return
      default:
        return
    }
  }

  /** Process every event up to and including time `t`, then set the clock to `t`. */
  runUntil(t: number): void {
    // A protocol bug that makes routers answer each other at once would loop
    // forever in simulated time; fail fast instead.
    let budget = this.maxEventsPerRun
    for (;;) {
      if (--budget < 0) throw new Error(`more than ${this.maxEventsPerRun} events before ${t} ms: an advert storm?`)
      const next = this.heap.peek()
      if (!next || next.at > t) break
      this.heap.pop()
      this.now = next.at
      const node = this.nodes.get(next.node)
      if (!node) continue
      if (next.timerSeq !== undefined) {
        const ev = next.event as { instance: string }
        if (node.timers.get(ev.instance) !== next.timerSeq) continue
        node.timers.delete(ev.instance)
      }
      this.inject(next.node, next.event)
    }
    this.now = t
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms)
  }

  /** State of `instance` on every node. */
  states(instance = 'VI_1'): Record<string, string> {
    const out: Record<string, string> = {}
    for (const n of this.nodes.values()) out[n.name] = n.router.instances.get(instance)?.state ?? 'none'
    return out
  }

  masters(instance = 'VI_1'): string[] {
    return [...this.nodes.values()].filter((n) => n.router.instances.get(instance)?.state === 'MASTER').map((n) => n.name)
  }

  /** Log messages of a node (optionally since a time). */
  logs(name: string, since = 0): Array<{ at: number; level: string; message: string }> {
    return this.node(name)
      .history.filter((h) => h.at >= since && h.action.type === 'log')
      .map((h) => {
        const a = h.action as Extract<Action, { type: 'log' }>
        return { at: h.at, level: a.level, message: a.message }
      })
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
