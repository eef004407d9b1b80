/**
 * Reading and watching interfaces. The kernel tells us, in-process: an rtnetlink
 * monitor (src/io/rtnetlink-monitor.ts) holds the links and addresses from a dump
 * plus the events since, so `get` is a table look-up and `watch` hears of a
 * change as the kernel reports it, with no child process (nothing to orphan when
 * vrrpd is killed) and no wake-up while nothing changes.
 * When the monitor cannot run (no koffi build, no netlink), `get` runs
 * `ip -j addr show dev X` and watched interfaces are polled every second.
 */
import { silentLog, type IoLog } from './io-log.js'
import { parseIpAddrJson } from './ip-json.js'
import { runIp, type IpRunner } from './ip-command.js'
import type { InterfaceInfo, Links } from './ports.js'
import { openRtnetlinkMonitor, type RtnetlinkMonitor } from './rtnetlink-monitor.js'
import type { TableChange } from './rtnetlink-messages.js'

export interface LinksOptions {
  /** Opens the kernel monitor; the rtnetlink one by default. An Error selects the `ip` fallback. */
  openMonitor?: (onChange: (change: TableChange) => void) => RtnetlinkMonitor | Error
  /** The fallback's `ip` runner. */
  run?: IpRunner
  /** The fallback's poll period. */
  pollIntervalMs?: number
  log?: IoLog
}

type Listener = (info: InterfaceInfo | undefined, name: string) => void

/** Creates the {@link Links} adapter. The monitor is opened on first use. */
export function createLinks(opts: LinksOptions = {}): Links {
  const run = opts.run ?? ((args: string[]) => runIp(args))
  const log = opts.log ?? silentLog
  const pollIntervalMs = opts.pollIntervalMs ?? 1000
  const openMonitor = opts.openMonitor ?? ((onChange) => openRtnetlinkMonitor({ onChange, log }))

  const listeners = new Map<string, Set<Listener>>()
  /** Last view reported per name, as JSON, so unchanged re-reads stay quiet. */
  const lastView = new Map<string, string>()
  const reading = new Map<string, { again: boolean; force: boolean }>()
  let monitor: RtnetlinkMonitor | Error | undefined
  let pollTimer: NodeJS.Timeout | undefined
  let closed = false

  function kernel(): RtnetlinkMonitor | undefined {
    if (closed) return undefined
    if (!monitor) {
      try {
        monitor = openMonitor((change) => {
          for (const name of change.names) if (listeners.has(name)) report(name, (monitor as RtnetlinkMonitor).get(name), false)
        })
      } catch (error) {
        monitor = error as Error
      }
      if (monitor instanceof Error) log.warn({ error: monitor.message }, `rtnetlink monitor unavailable (${monitor.message}); polling interfaces every second`)
    }
    return monitor instanceof Error ? undefined : monitor
  }

  function report(name: string, info: InterfaceInfo | undefined, force: boolean): void {
    const view = JSON.stringify(info ?? null)
    if (closed || (!force && lastView.get(name) === view)) return
    lastView.set(name, view)
    for (const l of listeners.get(name) ?? []) {
      try {
        l(info, name)
      } catch (error) {
        log.error({ iface: name, error: String(error) }, 'Interface listener failed')
      }
    }
  }

  async function readWithIp(name: string): Promise<InterfaceInfo | undefined> {
    const r = await run(['-j', 'addr', 'show', 'dev', name])
    if (!r.ok) {
      if (!/does not exist|Cannot find device/i.test(r.stderr)) log.warn({ iface: name, error: r.stderr.trim() }, `Cannot read interface ${name}`)
      return undefined
    }
    return parseIpAddrJson(r.stdout)?.find((l) => l.name === name)
  }

  async function get(name: string): Promise<InterfaceInfo | undefined> {
    const k = kernel()
    return k ? k.get(name) : readWithIp(name)
  }

  /** Fallback: re-reads `name` with `ip` and reports it if it changed; reads of one name never overlap. */
  function refresh(name: string, force = false): void {
    const inFlight = reading.get(name)
    if (inFlight) {
      inFlight.again = true
      inFlight.force ||= force
      return
    }
    const state = { again: false, force }
    reading.set(name, state)
    void (async () => {
      do {
        state.again = false
        try {
          const info = await readWithIp(name)
          report(name, info, state.force)
          state.force = false
        } catch (error) {
          log.warn({ iface: name, error: String(error) }, `Cannot read interface ${name}`)
        }
      } while (state.again && !closed)
      reading.delete(name)
    })()
  }

  function startPolling(): void {
    if (pollTimer || closed) return
    pollTimer = setInterval(() => {
      for (const name of listeners.keys()) refresh(name)
    }, pollIntervalMs)
    pollTimer.unref?.()
  }

  return {
    get,
    /**
     * Also reports each interface's current view once when watching starts
     * (asynchronously, after the caller's own start-up), so a change between a
     * `get()` and `watch()` is never lost; after that, only changed views.
     */
    watch(names, listener) {
      if (closed) return
      for (const name of names) {
        let set = listeners.get(name)
        if (!set) listeners.set(name, (set = new Set()))
        set.add(listener)
      }
      const k = kernel()
      if (!k) {
        startPolling()
        for (const name of names) refresh(name, true)
        return
      }
      queueMicrotask(() => {
        for (const name of names) {
          if (closed) return
          const info = k.get(name)
          lastView.set(name, JSON.stringify(info ?? null))
          try {
            listener(info, name)
          } catch (error) {
            log.error({ iface: name, error: String(error) }, 'Interface listener failed')
          }
        }
      })
    },
    close() {
      closed = true
      listeners.clear()
      if (pollTimer) clearInterval(pollTimer)
      pollTimer = undefined
      if (monitor && !(monitor instanceof Error)) monitor.close()
    },
  }
}
