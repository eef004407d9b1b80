/**
 * Reading and watching interfaces. `get` runs `ip -j addr show dev X`; `watch`
 * follows one `ip monitor link address` process (iproute2 6.1 ignores `-j` in
 * monitor mode, so its text lines are read) and re-reads an interface whenever a
 * line names it. If the monitor cannot run or dies, it falls back to polling.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { silentLog, type IoLog } from './io-log.js'
import { parseIpAddrJson } from './ip-json.js'
import { runIp, type IpRunner } from './ip-command.js'
import type { InterfaceInfo, Links } from './ports.js'

export interface LinksOptions {
  run?: IpRunner
  /** Starts the monitor process; `spawn('ip', ['monitor', 'link', 'address'])` by default. */
  spawnMonitor?: () => ChildProcess
  /** Poll period when the monitor is not running. */
  pollIntervalMs?: number
  log?: IoLog
}

type Listener = (info: InterfaceInfo | undefined, name: string) => void

/**
 * The interface a monitor line is about: `3: eth0@if2: <...>`, `3: eth0    inet ...`,
 * `Deleted 3: eth0 ...`. Continuation lines (leading blank) name none.
 */
export function monitorLineInterface(line: string): string | undefined {
  const m = /^(?:\[[^\]]*\]\s*)?(?:Deleted\s+)?\d+:\s+([^\s:@]+)/.exec(line)
  return m?.[1]
}

/** Creates the {@link Links} adapter. */
export function createLinks(opts: LinksOptions = {}): Links {
  const run = opts.run ?? ((args: string[]) => runIp(args))
  const log = opts.log ?? silentLog
  const pollIntervalMs = opts.pollIntervalMs ?? 1000
  // Its own process group: a Ctrl-C or a group-wide SIGTERM meant for vrrpd must not
  // kill the monitor before vrrpd has released its VIPs (close() stops it).
  const spawnMonitor = opts.spawnMonitor ?? (() => spawnChild('ip', ['monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true }))

  const listeners = new Map<string, Set<Listener>>()
  /** Last view reported per name, as JSON, so unchanged re-reads stay quiet. */
  const lastView = new Map<string, string>()
  const reading = new Map<string, { again: boolean; force: boolean }>()
  let monitor: ChildProcess | undefined
  let pollTimer: NodeJS.Timeout | undefined
  let closed = false

  async function get(name: string): Promise<InterfaceInfo | undefined> {
    const r = await run(['-j', 'addr', 'show', 'dev', name])
    if (!r.ok) {
      if (!/does not exist|Cannot find device/i.test(r.stderr)) log.warn({ iface: name, error: r.stderr.trim() }, `Cannot read interface ${name}`)
      return undefined
    }
    return parseIpAddrJson(r.stdout)?.find((l) => l.name === name)
  }

  /** Re-reads `name` and reports it if it changed; reads of one name never overlap. */
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
        let info: InterfaceInfo | undefined
        try {
          info = await get(name)
        } catch (error) {
          log.warn({ iface: name, error: String(error) }, `Cannot read interface ${name}`)
          continue
        }
        const view = JSON.stringify(info ?? null)
        if (closed || (!state.force && lastView.get(name) === view)) continue
        state.force = false
        lastView.set(name, view)
        for (const l of listeners.get(name) ?? []) {
          try {
            l(info, name)
          } catch (error) {
            log.error({ iface: name, error: String(error) }, 'Interface listener failed')
          }
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

  function startMonitor(): void {
    if (monitor || closed) return
    let child: ChildProcess
    try {
      child = spawnMonitor()
    } catch (error) {
      log.warn({ error: String(error) }, 'Cannot start ip monitor; polling interfaces every second')
      startPolling()
      return
    }
    monitor = child
    child.on('error', (error) => {
      log.warn({ error: error.message }, 'ip monitor failed; polling interfaces every second')
      monitor = undefined
      startPolling()
    })
    child.on('exit', (code, signal) => {
      if (closed || monitor !== child) return
      log.warn({ code, signal }, 'ip monitor exited; polling interfaces every second')
      monitor = undefined
      startPolling()
    })
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const name = monitorLineInterface(line)
        if (name && listeners.has(name)) refresh(name)
      })
    }
  }

  return {
    get,
    /**
     * Also reports each interface's current view once when watching starts
     * (after the monitor is running), so a change between a `get()` and
     * `watch()` is never lost; after that, only changed views are reported.
     */
    watch(names, listener) {
      if (closed) return
      for (const name of names) {
        let set = listeners.get(name)
        if (!set) listeners.set(name, (set = new Set()))
        set.add(listener)
      }
      startMonitor()
      for (const name of names) refresh(name, true)
    },
    close() {
      closed = true
      listeners.clear()
      if (pollTimer) clearInterval(pollTimer)
      pollTimer = undefined
      const child = monitor
      monitor = undefined
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
  }
}
