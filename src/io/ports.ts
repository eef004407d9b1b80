/**
 * The shell's ports: everything the daemon needs from the outside world, as
 * interfaces. src/io holds one adapter per port; the daemon (src/daemon) only
 * talks to these, so tests can hand it fakes.
 */
import type { VipEntry, VrrpScript, TrackFile } from '../config/model.js'

/** Monotonic milliseconds and one-shot timers. */
export interface Clock {
  now(): number
  /** Call `fn` once at (or just after) `at`, on the clock of `now()`. */
  setTimer(at: number, fn: () => void): TimerHandle
  clearTimer(handle: TimerHandle): void
}
export type TimerHandle = { readonly id: unknown }

/** A received protocol-112 packet, after the IP header was read. */
export interface ReceivedPacket {
  interface: string
  family: 4 | 6
  source: string
  destination: string
  /** IPv4 TTL / IPv6 hop limit as received (255 when it cannot be read). */
  ttl: number
  /**
   * The VRRP message (IP header stripped). Good only during the listener call:
   * the raw socket reads the next packet into the same memory, so a listener
   * copies what it keeps (the decoder does).
   */
  payload: Buffer
}

export interface TransportOptions {
  interface: string
  family: 4 | 6
  /** Multicast group to join and send to (224.0.0.18 / ff02::12 by default). */
  multicastGroup: string
  /** Unicast peers: when non-empty, adverts go to each peer instead of the group. */
  unicastPeers: string[]
}

/** A raw protocol-112 socket bound to one interface and family, shared by its instances. */
export interface AdvertTransport {
  /**
   * Send one VRRP message (built by src/protocol) from `source` to `destination`
   * with TTL 255 and TOS 0xc0. Throws only for a programming error; send failures
   * are returned.
   */
  send(payload: Buffer, source: string, destination: string): { ok: true } | { ok: false; error: string }
  onPacket(listener: (packet: ReceivedPacket) => void): void
  close(): void
}

export interface InterfaceAddress {
  family: 4 | 6
  address: string
  prefixLength: number
  /** Not a secondary address (`ip addr` without "secondary"). */
  primary: boolean
}

export interface InterfaceInfo {
  name: string
  index: number
  /** `aa:bb:cc:dd:ee:ff` */
  mac: string
  /** Administratively up and carrier present (operstate up or unknown). */
  up: boolean
  addresses: InterfaceAddress[]
}

/** Reading and watching the host's interfaces. */
export interface Links {
  get(name: string): Promise<InterfaceInfo | undefined>
  /** Calls `listener` with the new view of an interface whenever its link or addresses change. */
  watch(names: string[], listener: (info: InterfaceInfo | undefined, name: string) => void): void
  close(): void
}

/** `ip addr add/del`, idempotent: already present / already gone is success. */
export interface AddressManager {
  add(vip: VipEntry): Promise<{ ok: true } | { ok: false; error: string }>
  remove(vip: VipEntry): Promise<{ ok: true } | { ok: false; error: string }>
  /** Whether the address is configured on its dev now. */
  has(vip: VipEntry): Promise<boolean>
}

/** Gratuitous ARP (IPv4) sent by the daemon itself. */
export interface GarpSender {
  /** One gratuitous ARP request for `address` from `mac` out of `iface`. */
  send(iface: { name: string; index: number; mac: string }, address: string): { ok: true } | { ok: false; error: string }
  close(): void
}

/** global_defs that decide who runs scripts and whether unsafe ones are refused. */
export interface ScriptSecurity {
  /** `script_user USER [GROUP]`; default keepalived_script if it exists, else root. */
  scriptUser?: { user: string; group?: string }
  enableScriptSecurity: boolean
}

/** Periodic vrrp_script checks with rise/fall; reports transitions only. */
export interface ScriptTracker {
  /** Start running these scripts; `onChange` fires when one becomes OK or FAILED. */
  start(scripts: VrrpScript[], onChange: (name: string, ok: boolean, detail: string) => void): void
  /**
   * SIGHUP: run `scripts` from now on, under `security`. A script kept (same
   * name) keeps its result and reports nothing until that result changes; a new
   * one starts as at startup; running checks are killed and all run again at once.
   */
  reload(scripts: VrrpScript[], security: ScriptSecurity): void
  stop(): Promise<void>
}

/** track_file: reports the number in each file when it changes. */
export interface FileTracker {
  start(files: TrackFile[], onChange: (name: string, value: number | undefined) => void): void
  stop(): void
}

/** One notify invocation: argv[0] is the program. */
export interface NotifyJob {
  /** Jobs with the same key run one after the other, in order. */
  key: string
  argv: string[]
  timeoutMs: number
  /** The user (and group) given on the notify line; absent = script_user. */
  user?: { user: string; group?: string }
}

export interface NotifyRunner {
  enqueue(job: NotifyJob): void
  /** SIGHUP: global_defs `script_user` for the jobs that start from now on (undefined: the default). */
  setScriptUser(spec: { user: string; group?: string } | undefined): void
  /** Resolves when every queued job has finished or timed out. */
  drain(): Promise<void>
}
