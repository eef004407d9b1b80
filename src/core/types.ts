/**
 * The pure core's vocabulary: what can happen to the VRRP routers of one daemon
 * (events) and what the shell must do about it (actions).
 *
 *     stepRouter(router, event, now) -> { router, actions }
 *
 * `now` is a monotonic time in milliseconds given by the shell (a fake clock in
 * tests). The core never reads a clock, opens a socket or starts a process.
 */
import type { VipEntry } from '../config/model.js'
import type { Advert, DropReason } from '../protocol/types.js'

/** RFC 3768 6.4 / RFC 9568 6.4 states, plus keepalived's FAULT. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT'

/** The kinds of object an instance or sync group can track. */
export type TrackKind = 'script' | 'interface' | 'file'

export type Event =
  /** Bring every instance up (RFC 3768 6.4.1 Startup). */
  | { type: 'startup' }
  /** Stop every instance (RFC 3768 6.4.2 / 6.4.3 Shutdown): masters send priority 0 and release. */
  | { type: 'shutdown' }
  /** An advert that decoded cleanly, from `source`, on `interface`. */
  | { type: 'advertReceived'; interface: string; source: string; advert: Advert }
  /** The instance's single deadline (see the `armTimer` action) has come. */
  | { type: 'timerFired'; instance: string }
  /**
   * A tracked object changed. Scripts and interfaces report `ok`; track files
   * report the number read from the file in `value` (and `ok` = value is usable).
   * One event reaches every instance and sync group tracking that object.
   */
  | { type: 'trackChanged'; kind: TrackKind; name: string; ok: boolean; value?: number }
  /** An instance's own interface went down or came up (-> FAULT / back). */
  | { type: 'interfaceChanged'; interface: string; up: boolean }
  /** The primary address the shell uses as source on `interface` changed (undefined: none -> FAULT). */
  | { type: 'addressChanged'; interface: string; family: 4 | 6; address: string | undefined }
  /** An action failed in the shell; `addVips` failing puts the instance in FAULT. */
  | { type: 'ioFailed'; instance: string; op: 'addVips' | 'removeVips' | 'sendAdvert' | 'sendGarp'; message: string }

/** The FIFO words of keepalived's instance events (vrrp_notify.c notify_fifo). */
export type InstanceEventKind = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type Action =
  /** Encode and send this advert from the instance's source address to its group/peers. */
  | { type: 'sendAdvert'; instance: string; advert: Advert }
  /** The instance's one timer: (re)arm it to fire `timerFired` at `at` (ms, same clock as `now`). */
  | { type: 'armTimer'; instance: string; at: number }
  | { type: 'cancelTimer'; instance: string }
  /** `ip addr add` these (idempotent). A failure comes back as `ioFailed`. */
  | { type: 'addVips'; instance: string; vips: VipEntry[] }
  /** `ip addr del` these (idempotent). */
  | { type: 'removeVips'; instance: string; vips: VipEntry[] }
  /** One burst: `repeat` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) per VIP, `intervalMs` apart. */
  | { type: 'sendGarp'; instance: string; interface: string; vips: VipEntry[]; repeat: number; intervalMs: number }
  /**
   * Run the notify scripts for this transition: notify_<state> and `notify`
   * (with `INSTANCE|GROUP name STATE priority`). The shell runs them in order per owner.
   */
  | { type: 'runNotify'; owner: { kind: 'INSTANCE' | 'GROUP'; name: string }; state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'; priority: number }
  /**
   * An instance event that is not a state change (keepalived's send_event_notify
   * and send_instance_priority_notifies): MASTER_RX_LOWER_PRI runs
   * notify_master_rx_lower_pri with its own arguments only; each kind writes a
   * notify FIFO line `INSTANCE "VI_1" EVENT priority`.
   */
  | { type: 'instanceEvent'; instance: string; event: InstanceEventKind; priority: number }
  /** A state transition happened (for the FIFO, the data file and metrics). */
  | { type: 'stateChanged'; instance: string; from: VrrpState; to: VrrpState; priority: number; reason: string }
  /** A log line, in keepalived's wording where keepalived has one. */
  | { type: 'log'; level: LogLevel; instance?: string; message: string }

/** Per-instance counters, named after keepalived.stats where keepalived has a name. */
export interface InstanceStats {
  advertRcvd: number
  advertSent: number
  becomeMaster: number
  releaseMaster: number
  priZeroRcvd: number
  priZeroSent: number
  /** Packets dropped, by reason (decoder and core reasons alike). */
  dropped: Partial<Record<DropReason, number>>
  /**
   * Config mismatches with a peer reported loudly (once per source and reason):
   * adverts dropped for auth, interval, version or VIP list while that peer may
   * be a master (split brain likely). Optional: added after the contract.
   */
  configMismatch?: number
}
