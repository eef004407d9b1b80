/**
 * systemd's notify protocol, in-process: READY=1, RELOADING=1, STOPPING=1,
 * STATUS= and WATCHDOG=1 as datagrams to $NOTIFY_SOCKET (sd_notify(3)), so that
 * a `Type=notify` unit is "started" only once vrrpd runs, and a stalled event
 * loop is restarted by systemd when `WatchdogSec=` is set. No systemd-notify
 * child per message. Without $NOTIFY_SOCKET every call does nothing.
 */
import { openUnixDatagram, type UnixDatagramSocket } from './unix-datagram.js'

export interface SdNotifier {
  /** True when a notify socket was given (vrrpd runs under systemd with Type=notify). */
  readonly enabled: boolean
  /** The watchdog period systemd asked for (WATCHDOG_USEC), in ms; undefined when off. */
  readonly watchdogMs: number | undefined
  ready(status?: string): void
  reloading(): void
  stopping(): void
  status(text: string): void
  /**
   * Starts sending WATCHDOG=1 from the event loop every `watchdogMs / 3`: a loop
   * that stalls for a whole period stops the pings, and systemd restarts vrrpd.
   */
  startWatchdog(): void
  close(): void
}

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv
  pid?: number
  /** Where a failed send is reported (once per kind of failure). */
  warn?: (message: string) => void
  /** A monotonic clock in µs, for RELOADING's MONOTONIC_USEC (systemd >= 253 wants it). */
  monotonicUsec?: () => bigint
  /** Timer functions, injectable for tests. */
  setInterval?: (fn: () => void, ms: number) => { unref?: () => void }
  clearInterval?: (handle: unknown) => void
}

/** The variables sd_notify reads; they are removed from the environment so scripts do not inherit them. */
const NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const

function watchdogPeriod(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isFinite(usec) || usec <= 0) return undefined
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited it must not ping.
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return undefined
  return usec / 1000
}

/**
 * Reads $NOTIFY_SOCKET / $WATCHDOG_USEC once and removes them from `env`, as
 * sd_notify's unset_environment does: a check script calling systemd-notify must
 * not speak for vrrpd.
 */
export function createSdNotifier(opts: SdNotifyOptions = {}): SdNotifier {
  const env = opts.env ?? process.env
  const pid = opts.pid ?? process.pid
  const target = env.NOTIFY_SOCKET
  const watchdogMs = target ? watchdogPeriod(env, pid) : undefined
  for (const name of NOTIFY_ENV) delete env[name]
  const warned = new Set<string>()
  const warn = (message: string) => {
    if (warned.has(message)) return
    warned.add(message)
    opts.warn?.(message)
  }
  let socket: UnixDatagramSocket | undefined
  let timer: unknown
  const setIv = opts.setInterval ?? setInterval
  const clearIv = opts.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout))
  const monotonic = opts.monotonicUsec ?? (() => process.hrtime.bigint() / 1000n)

  const send = (lines: string[]) => {
    if (!target) return
    try {
      socket ??= openUnixDatagram()
    } catch (e) {
      warn(`systemd notify socket ${target}: ${(e as Error).message}`)
      return
    }
    const sent = socket.send(target, Buffer.from(lines.join('\n')))
    if (!sent.ok) warn(`systemd notify socket ${target}: ${sent.error}`)
  }
  // STATUS= is one line: a newline would end it and start another assignment.
  const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ')

  return {
    enabled: Boolean(target),
    watchdogMs,
    ready: (status) => send(['READY=1', ...(status !== undefined ? [`STATUS=${oneLine(status)}`] : [])]),
    reloading: () => send(['RELOADING=1', `MONOTONIC_USEC=${monotonic()}`]),
    stopping: () => send(['STOPPING=1']),
    status: (text) => send([`STATUS=${oneLine(text)}`]),
    startWatchdog() {
      if (watchdogMs === undefined || timer !== undefined) return
      send(['WATCHDOG=1'])
      timer = setIv(() => send(['WATCHDOG=1']), Math.max(1, Math.floor(watchdogMs / 3)))
    },
    close() {
      if (timer !== undefined) clearIv(timer)
      timer = undefined
      socket?.close()
      socket = undefined
    },
  }
}

/** STATUS= text: "2 instances: VI_1 MASTER, VI_2 BACKUP"; counts per state past 8 instances. */
export function statusSummary(instances: ReadonlyArray<{ name: string; state: string }>): string {
  const n = instances.length
  const head = `${n} instance${n === 1 ? '' : 's'}`
  if (n === 0) return head
  if (n <= 8) return `${head}: ${instances.map((i) => `${i.name} ${i.state}`).join(', ')}`
  const counts = new Map<string, number>()
  for (const i of instances) counts.set(i.state, (counts.get(i.state) ?? 0) + 1)
  return `${head}: ${[...counts].map(([state, c]) => `${c} ${state}`).join(', ')}`
}
