/**
 * In-memory ports for daemon tests: a manual clock, a recorded wire, fake
 * interfaces and `ip addr`. Every effect lands in `events` in order, so tests
 * can assert what happened and in which order.
 */
import type { VipEntry } from '../../src/config/model.js'
import type { DaemonPorts } from '../../src/daemon/daemon.js'
import type { VrrpScript } from '../../src/config/model.js'
import type { AdvertTransport, InterfaceInfo, NotifyJob, ReceivedPacket, ScriptSecurity, TimerHandle, TransportOptions } from '../../src/io/ports.js'

export type Recorded =
  | { kind: 'send'; source: string; destination: string; payload: Buffer }
  | { kind: 'addVip'; address: string }
  | { kind: 'removeVip'; address: string }
  | { kind: 'garp'; iface: string; address: string }
  | { kind: 'notify'; job: NotifyJob }
  | { kind: 'fifo'; line: string }

export class FakeWorld {
  now = 0
  readonly events: Recorded[] = []
  readonly timers = new Map<number, { at: number; fn: () => void }>()
  nextTimer = 1
  readonly ifaces = new Map<string, InterfaceInfo>()
  readonly vipsPresent = new Set<string>()
  readonly transports: { iface: string; ifindex: number; opts: TransportOptions; closed: boolean; listener?: (p: ReceivedPacket) => void }[] = []
  /** Every script tracker created, with what it was started / reloaded with. */
  readonly scriptTrackers: { security: ScriptSecurity; calls: Array<{ call: 'start' | 'reload' | 'stop'; scripts?: string[]; security?: ScriptSecurity }> }[] = []
  /** Every setScriptUser call of the notify runner. */
  readonly notifyUsers: Array<{ user: string; group?: string } | undefined> = []
  failAdd = false
  /** Addresses whose add fails (one bad VIP among good ones). */
  readonly failAddresses = new Set<string>()
  /** openTransport throws this message (no raw socket: not root, unsupported family...). */
  failOpen: string | undefined
  linkListener: ((info: InterfaceInfo | undefined, name: string) => void) | undefined

  addInterface(name: string, address: string, mac = '02:00:00:00:00:01'): void {
    this.ifaces.set(name, { name, index: this.ifaces.size + 2, mac, up: true, addresses: [{ family: 4, address, prefixLength: 24, primary: true }] })
  }

  /** Runs every timer due up to `now + ms`, in deadline order. */
  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) break
      this.timers.delete(next[0])
      this.now = Math.max(this.now, next[1].at)
      next[1].fn()
    }
    this.now = end
  }

  /** Delivers a packet to the transport on `iface`. */
  deliver(iface: string, packet: Omit<ReceivedPacket, 'interface'>): void {
    for (const t of this.transports) if (t.iface === iface && !t.closed) t.listener?.({ ...packet, interface: iface })
  }

  setLink(name: string, up: boolean): void {
    const info = this.ifaces.get(name)
    if (!info) return
    const next = { ...info, up }
    this.ifaces.set(name, next)
    this.linkListener?.(this.view(name), name)
  }

  /** The interface as the kernel shows it: its own addresses plus the VIPs on it. */
  view(name: string): InterfaceInfo | undefined {
    const info = this.ifaces.get(name)
    if (!info) return undefined
    const vips = [...this.vipsPresent].flatMap((k) => {
      const m = /^(.*)\/(\d+)@(.*)$/.exec(k)
      return m && m[3] === name ? [{ family: (m[1]!.includes(':') ? 6 : 4) as 4 | 6, address: m[1]!, prefixLength: Number(m[2]), primary: false }] : []
    })
    return { ...info, addresses: [...info.addresses, ...vips] }
  }

  /** `ip link del`: the interface and its addresses go. */
  deleteInterface(name: string): void {
    this.ifaces.delete(name)
    for (const k of [...this.vipsPresent]) if (k.endsWith(`@${name}`)) this.vipsPresent.delete(k)
    this.linkListener?.(undefined, name)
  }

  /** The interface created again under the same name, with a new ifindex. */
  createInterface(name: string, address: string, index: number): void {
    this.ifaces.set(name, { name, index, mac: '02:00:00:00:00:01', up: true, addresses: [{ family: 4, address, prefixLength: 24, primary: true }] })
    this.linkListener?.(this.view(name), name)
  }

  /** The interface's primary IPv4 address replaced (a DHCP renewal with a new lease, a network manager). */
  setPrimaryAddress(name: string, address: string): void {
    const info = this.ifaces.get(name)
    if (!info) return
    this.ifaces.set(name, { ...info, addresses: [...info.addresses.filter((a) => !(a.family === 4 && a.primary)), { family: 4, address, prefixLength: 24, primary: true }] })
    this.linkListener?.(this.view(name), name)
  }

  /** `ip addr del` of a VIP by someone else. */
  deleteVip(address: string, prefixLength: number, dev: string): void {
    this.vipsPresent.delete(`${address}/${prefixLength}@${dev}`)
    this.linkListener?.(this.view(dev), dev)
  }

  ports(): DaemonPorts {
    const vipKey = (v: VipEntry) => `${v.address}/${v.prefixLength}@${v.dev}`
    return {
      clock: {
        now: () => this.now,
        setTimer: (at, fn): TimerHandle => {
          const id = this.nextTimer++
          this.timers.set(id, { at, fn })
          return { id }
        },
        clearTimer: (h) => {
          this.timers.delete(h.id as number)
        },
      },
      links: {
        get: async (name) => this.view(name),
        watch: (_names, listener) => {
          this.linkListener = listener
        },
        close: () => {},
      },
      addresses: {
        add: async (vip) => {
          if (this.failAdd || this.failAddresses.has(vip.address)) return { ok: false, error: 'RTNETLINK answers: Operation not permitted' }
          this.vipsPresent.add(vipKey(vip))
          this.events.push({ kind: 'addVip', address: vip.address })
          // The kernel reports the new address to the monitor, as rtnetlink does.
          this.linkListener?.(this.view(vip.dev), vip.dev)
          return { ok: true }
        },
        remove: async (vip) => {
          const had = this.vipsPresent.delete(vipKey(vip))
          this.events.push({ kind: 'removeVip', address: vip.address })
          if (had) this.linkListener?.(this.view(vip.dev), vip.dev)
          return { ok: true }
        },
        has: async (vip) => this.vipsPresent.has(vipKey(vip)),
      },
      garp: {
        send: (iface, address) => {
          this.events.push({ kind: 'garp', iface: iface.name, address })
          return { ok: true }
        },
        close: () => {},
      },
      notify: {
        enqueue: (job) => this.events.push({ kind: 'notify', job }),
        drain: async () => {},
        setScriptUser: (spec) => void this.notifyUsers.push(spec),
      },
      createScriptTracker: (security) => {
        const rec: FakeWorld['scriptTrackers'][number] = { security, calls: [] }
        this.scriptTrackers.push(rec)
        const names = (scripts: VrrpScript[]) => scripts.map((s) => s.name)
        return {
          start: (scripts) => void rec.calls.push({ call: 'start', scripts: names(scripts) }),
          reload: (scripts, next) => void rec.calls.push({ call: 'reload', scripts: names(scripts), security: next }),
          stop: async () => void rec.calls.push({ call: 'stop' }),
        }
      },
      createFileTracker: () => ({ start: () => {}, stop: () => {} }),
      openTransport: (opts): AdvertTransport => {
        if (this.failOpen) throw new Error(this.failOpen)
        const { ifindex: _i, ...spec } = opts
        const entry: FakeWorld['transports'][number] = { iface: opts.interface, ifindex: opts.ifindex, opts: spec, closed: false }
        this.transports.push(entry)
        return {
          send: (payload, source, destination) => {
            this.events.push({ kind: 'send', source, destination, payload: Buffer.from(payload) })
            return { ok: true }
          },
          onPacket: (l) => {
            entry.listener = l
          },
          close: () => {
            entry.closed = true
          },
        }
      },
      notifyFifo: (kind, name, state, priority) => this.events.push({ kind: 'fifo', line: `${kind} "${name}" ${state} ${priority}` }),
    }
  }
}

/** Lets pending promise chains (VIP and GARP work) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}
