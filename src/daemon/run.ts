/**
 * The composition root of the running daemon: real ports, the logger, the pid
 * file and the signals. Everything with a decision in it lives elsewhere.
 */
import { writeSync } from 'node:fs'
import { formatDiagnostic } from '../config/index.js'
import type { Config, Diagnostic } from '../config/model.js'
import { createLogger, type LogFormat, type Logger } from '../log.js'
import { createSystemClock } from '../io/clock.js'
import { createTimerLateness } from '../io/timer-lateness.js'
import { createLinks } from '../io/links.js'
import { createAddressManager } from '../io/address-manager.js'
import { createNetlinkAddressManager } from '../io/netlink-addresses.js'
import { createGarpSender } from '../io/garp-sender.js'
import { createNaSender } from '../io/na-sender.js'
import { createRouteManager } from '../io/netlink-routes.js'
import { createVmacLinks } from '../io/vmac-links.js'
import { VmacSysctls } from '../io/vmac-sysctls.js'
import { createVmacManager } from './vmac-manager.js'
import { vipFilterFor } from './vip-filter.js'
import { openTransportFor } from '../io/open-transport.js'
import { createScriptTracker } from '../io/script-tracker.js'
import { createFileTracker } from '../io/file-tracker.js'
import { createNotifyRunner } from '../io/notify-runner.js'
import { DEFAULT_NOTIFY_TIMEOUT_MS } from '../io/notify-jobs.js'
import { procLogFrom } from '../io/proc-log.js'
import { Daemon, EXIT_INTERNAL_ERROR, type DaemonPorts } from './daemon.js'
import type { PendingLoad } from './config-isolated.js'
import { loadLibc } from '../io/libc.js'
import { DEFAULT_UMASK } from './umask.js'
import { NotifyFifoSlot } from './notify-fifo-slot.js'
import { scriptSecurityOf } from './trackers.js'
import type { StatusKind } from './status-files.js'
import { watchSignals } from '../io/signals.js'
import { applyScheduling, leaveRealtime } from '../io/scheduling.js'
import { acquirePidFile, releasePidFile } from './pid-file.js'
import { controlSocketPath, startControlSocket, DEFAULT_PID_FILE, type ControlServer } from './control-socket.js'
import { createSdNotifier, statusSummary } from '../io/sd-notify.js'
import { missingOwnCapabilities } from '../io/capabilities.js'
import type { MetricsServer } from './metrics-server.js'
import type { ExporterConfig } from './metrics.js'
import type { ListenAddress } from '../cli.js'

/** What the daemon needs from the command line. */
export interface DaemonOptions {
  config: string
  configId?: string
  logFormat?: LogFormat
  logLevel?: string
  logDetail?: boolean
  pid?: string
  /** Unix socket for `vrrpd status`; default /run/vrrpd/vrrpd.sock (beside the pid file when --pid is given). */
  controlSocket?: string
  /** -u/--umask; 022 when not given. */
  umask?: number
  /** Where the HTTP metrics endpoint listens; off when undefined. */
  metricsListen?: ListenAddress
}


/** Runs vrrpd until SIGTERM/SIGINT. Resolves with the process exit code. */
export async function runDaemon(options: DaemonOptions, loaded: { config: Config; diagnostics: Diagnostic[]; exitCode?: number }): Promise<number> {
  // Before anything is created: the pid file, the status socket, dumps, FIFOs.
  process.umask(options.umask ?? DEFAULT_UMASK)
  const level = (options.logLevel ?? (options.logDetail ? 'debug' : 'info')) as 'info'
  const log = createLogger({ format: options.logFormat ?? 'text', level })
  // Read (and removed from the environment) before any script can start and inherit it.
  const systemd = createSdNotifier({ warn: (m) => log.warn(m) })
  reportDiagnostics(log, loaded.diagnostics)
  if (loaded.exitCode === 4) {
    log.fatal('configuration cannot be used; not starting (vrrpd -t shows every problem)')
    return 1
  }

  const missing = missingOwnCapabilities() ?? []
  if (missing.length > 0) {
    for (const c of missing) log.fatal(`vrrpd needs ${c.name} (${c.why}) and does not have it; run it as root, or grant ${c.name} (see systemd/vrrpd-hardened.conf)`)
    return 1
  }

  const uid = process.getuid?.() ?? 0
  if (uid !== 0) {
    const su = loaded.config.globalDefs.scriptUser
    log.info(`running as uid ${uid}, not root: scripts run as this user${su ? `; script_user ${su} cannot be honoured` : ''}`)
  }

  const pidFile = options.pid ?? DEFAULT_PID_FILE
  const pid = acquirePidFile(pidFile)
  if (!pid.ok) {
    log.fatal(pid.error)
    return 1
  }

  // A bug of ours outside a core step (in an I/O callback) loses at most that one
  // action; the core's state is intact, so log it loudly and keep serving. A step
  // that throws is another matter: see Daemon.failed below.
  process.on('uncaughtException', (err) => log.error({ err }, 'internal error (uncaught exception); vrrpd keeps running'))
  process.on('unhandledRejection', (err) => log.error({ err }, 'internal error (unhandled rejection); vrrpd keeps running'))

  // STATUS= follows every state change between READY=1 and STOPPING=1; kept as a
  // name -> state map so a change costs O(1).
  const states = new Map<string, string>()
  let announceStates = false
  const summary = () => statusSummary([...states].map(([name, state]) => ({ name, state })))
  const resetStates = () => {
    states.clear()
    for (const i of daemon.status().instances) states.set(i.name, i.state)
  }
  const ports = {
    ...(await createPorts(loaded.config, log)),
    stateChanged: (instance: string, _from: string, to: string) => {
      states.set(instance, to)
      if (announceStates && systemd.enabled) systemd.status(summary())
    },
  }
  const daemon = new Daemon(loaded.config, ports, log)
  log.info(`Starting vrrpd ${loaded.config.instances.length} VRRP instance(s) from ${loaded.config.file}`)
  // The status socket first, so `vrrpd status` answers from the first state line on.
  let control: ControlServer | undefined
  try {
    control = await startControlSocket(options.controlSocket ?? controlSocketPath(options.pid), () => daemon.status(), log)
  } catch (err) {
    log.warn(`status socket not available: ${(err as Error).message}`)
  }
  await daemon.start()
  // keepalived's set_process_priorities: once the instances are set up.
  schedule(loaded.config, log)
  resetStates()
  systemd.ready(summary())
  announceStates = true
  systemd.startWatchdog()
  const garpDelaySeconds = (name: string) => {
    const garp = daemon.config.instances.find((i) => i.name === name)?.garp
    return garp && Math.floor(garp.masterDelayMs / 1000)
  }
  const metrics = await startMetrics(options.metricsListen, () => daemon.status(), { garpDelaySeconds }, log)

  return await new Promise<number>((resolve) => {
    let busy: Promise<void> = Promise.resolve()
    let stopping = false
    let reloading: PendingLoad | undefined
    const serial = (work: () => Promise<void>) => {
      busy = busy.then(work).catch((err: unknown) => log.error({ err }, 'internal error'))
    }
    /** Everything a stop does, once, whoever asked for it (a signal, a step that threw). */
    const shutDown = (code: number, lastLine: () => void) => {
      if (stopping) return
      stopping = true
      reloading?.cancel()
      announceStates = false
      systemd.stopping()
      serial(async () => {
        await metrics?.close()
        await daemon.stop()
        // The FIFO's reader script would otherwise keep the process alive after SIGTERM.
        await ports.closeFifo()
        await control?.close()
        releasePidFile(pidFile)
        lastLine()
        systemd.close()
        endAfterStop(code)
        resolve(code)
      })
    }
    const stop = (signal: string) => {
      if (stopping) return
      log.info(`Received ${signal}, stopping`)
      shutDown(0, () => log.info('Stopped vrrpd'))
    }
    // A core step threw: the daemon has released its VIPs; close down and exit
    // non-zero so that systemd (Restart=on-failure) starts a clean process.
    void daemon.failed.then(() => shutDown(EXIT_INTERNAL_ERROR, () => log.fatal(`Stopped vrrpd after an internal error (exit code ${EXIT_INTERNAL_ERROR})`)))
    const reload = (): void => {
      if (stopping) return
      serial(async () => {
        log.info('Reloading configuration (SIGHUP)')
        systemd.reloading()
        // Parsed in a worker thread: whatever the new file does, adverts keep going out.
        const { loadConfigIsolated } = await configIsolated()
        reloading = loadConfigIsolated(options.config, { ...(options.configId ? { configId: options.configId } : {}), ...reloadLimits() })
        const parsed = await reloading.done
        reloading = undefined
        if (stopping) return
        if (!parsed.ok) {
          log.error(`reload abandoned: ${parsed.error}; keeping the running configuration`)
          return
        }
        const next = parsed.result
        reportDiagnostics(log, next.diagnostics)
        if (next.exitCode === 4) {
          log.error('new configuration cannot be used; keeping the running one')
          return
        }
        // A start goes on with what could be read, as keepalived does with skipped files; a
        // reload does not trade a running config for one missing part of itself.
        if (next.incomplete) {
          const [first, ...more] = next.incomplete
          log.error(`reload abandoned: the new configuration was not read whole (${first}${more.length ? ` and ${more.length} more` : ''}); keeping the running configuration`)
          return
        }
        // keepalived closes the FIFO before the reload: the reload's own notifies go to the new one.
        await ports.reopenFifo(next.config)
        // The rebuild runs at normal priority, as keepalived's reload does; then the new settings.
        leaveRealtime(log)
        await daemon.reload(next.config)
        // The reload's core step threw: daemon.failed stops the process, nothing more to apply.
        if (daemon.hasFailed) return
        schedule(next.config, log)
        log.info('Reload finished')
      })
      // READY=1 whatever the reload's outcome: systemd waits for it after RELOADING=1.
      serial(async () => {
        resetStates()
        systemd.ready(summary())
      })
    }
    // Serial, so that DATA's two files and a burst of signals are written in order.
    let dumps: Promise<void> = Promise.resolve()
    const dump = (kind: StatusKind, then?: () => void): void => {
      dumps = dumps.then(() => writeDump(kind)).then(then)
    }
    const writeDump = async (kind: StatusKind): Promise<void> => {
      try {
        const { writeStatusFile } = await import('./status-files.js')
        const file = writeStatusFile(kind, daemon.dumpInput())
        if (file) log.debug(`wrote ${file}`)
      } catch (err) {
        log.error(`cannot write ${kind} file: ${(err as Error).message}`)
      }
    }
    // keepalived's VRRP process's signals (vrrp_daemon.c vrrp_signal_init) and its
    // parent's, with keepalived's log lines; none of them may kill vrrpd.
    watchSignals(
      {
        STOP: () => stop('SIGTERM'),
        INT: () => stop('SIGINT'),
        RELOAD: reload,
        DATA: () => {
          log.info(`Printing parent data for process(${process.pid}) on signal`)
          dump('parent')
          log.info(`Printing VRRP data for process(${process.pid}) on signal`)
          dump('data')
        },
        STATS: () => {
          log.info(`Printing VRRP stats for process(${process.pid}) on signal`)
          dump('stats')
        },
        STATS_CLEAR: () => {
          log.info(`Printing and clearing VRRP stats for process(${process.pid}) on signal`)
          dump('stats', () => daemon.clearStats())
        },
        JSON: () => {
          log.info(`Printing VRRP as json for process(${process.pid}) on signal`)
          dump('json')
        },
        TDUMP: (signo) => log.debug(`signal ${signo} (thread dump in keepalived debug builds) ignored`),
        XCPU: () => log.info('VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased'),
      },
      (level, msg) => log[level](msg),
    )
  })
}

/**
 * A stopped daemon must end, whatever is left: a reload parser blocked in open(2)
 * (a FIFO nobody writes) would make Node wait for it at exit for ever, and any other
 * handle left open would hold systemd's stop until its timeout. With a stuck parser,
 * give the asynchronous log writer a moment, then _exit(2). Otherwise let the loop
 * drain as it should; if it has not within LINGER_MS (the timer does not itself keep
 * the process alive), name what holds it on stderr and exit.
 */
function endAfterStop(code: number): void {
  if (isolated && isolated.stuckParses() > 0) {
    setTimeout(() => {
      const libc = loadLibc()
      if (!(libc instanceof Error)) libc._exit(code)
    }, LOG_DRAIN_MS)
    return
  }
  setTimeout(() => {
    writeSync(2, `vrrpd: still running ${LINGER_MS} ms after stopping (held by: ${process.getActiveResourcesInfo().join(', ')}); exiting\n`)
    process.exit(code)
  }, LINGER_MS).unref()
}

const LINGER_MS = 2000
const LOG_DRAIN_MS = 250

/** The scheduling globals; a bug of ours there must not stop the daemon. */
function schedule(config: Config, log: Logger): void {
  try {
    applyScheduling(config.globalDefs, log)
  } catch (err) {
    log.error({ err }, 'internal error applying the scheduling globals; vrrpd keeps running')
  }
}

/**
 * Modules a daemon needs only later (a reload, a dump signal, the metrics
 * endpoint) are imported then: start-up time and RSS go to what every run needs.
 */
let isolated: typeof import('./config-isolated.js') | undefined
async function configIsolated(): Promise<typeof import('./config-isolated.js')> {
  return (isolated ??= await import('./config-isolated.js'))
}

/** VRRPD_RELOAD_TIMEOUT_MS / VRRPD_RELOAD_MAX_MEMORY_MB override the reload parser's limits (docs/operations.md). */
function reloadLimits(): { timeoutMs?: number; maxMemoryMb?: number } {
  const n = (v: string | undefined) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined)
  const timeoutMs = n(process.env.VRRPD_RELOAD_TIMEOUT_MS)
  const maxMemoryMb = n(process.env.VRRPD_RELOAD_MAX_MEMORY_MB)
  return { ...(timeoutMs ? { timeoutMs } : {}), ...(maxMemoryMb ? { maxMemoryMb } : {}) }
}

/** The opt-in HTTP metrics endpoint; a failure to listen is logged and vrrpd runs on (the VIPs matter more). */
async function startMetrics(at: ListenAddress | undefined, status: () => ReturnType<Daemon['status']>, config: ExporterConfig, log: Logger): Promise<MetricsServer | undefined> {
  if (at === undefined) return undefined
  const { startMetricsServer } = await import('./metrics-server.js')
  try {
    const server = await startMetricsServer(at, status, config)
    log.info(`serving metrics on http://${server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host}:${server.address.port}/metrics`)
    return server
  } catch (err) {
    log.error(`metrics endpoint ${at.host}:${at.port}: ${(err as Error).message}; running without it`)
    return undefined
  }
}

async function createPorts(config: Config, log: Logger): Promise<DaemonPorts & { closeFifo(): Promise<void>; reopenFifo(config: Config): Promise<void> }> {
  const scriptUser = scriptSecurityOf(config).scriptUser
  const procLog = procLogFrom(log)
  // keepalived writes every line to notify_fifo and to vrrp_notify_fifo when both are set.
  const fifos = [new NotifyFifoSlot('vrrpNotifyFifo', procLog), new NotifyFifoSlot('notifyFifo', procLog)]
  for (const fifo of fifos) await fifo.apply(config)
  const links = createLinks({ log })
  const addresses = createNetlinkAddressManager({ fallback: createAddressManager(), log, eager: true })
  const lateness = createTimerLateness()
  return {
    clock: createSystemClock(undefined, { lateness }),
    loopDelay: lateness.read,
    links,
    addresses,
    vmacs: createVmacManager({ links: createVmacLinks(), sysctls: new VmacSysctls({ log }), addresses, interfaces: links, log }),
    garp: createGarpSender({ log }),
    na: createNaSender({ log }),
    routes: createRouteManager({ log }),
    vipFilter: vipFilterFor(config, procLog),
    notify: createNotifyRunner({ log: procLog, defaultTimeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS, ...(scriptUser ? { scriptUser } : {}) }),
    createScriptTracker: (security) => createScriptTracker({ ...security, log: procLog }),
    createFileTracker: () => createFileTracker(),
    openTransport: (opts) => openTransportFor({ ...opts, log }),
    notifyFifo: (kind, name, state, priority) => fifos.forEach((f) => f.write(kind, name, state, priority)),
    closeFifo: async () => void (await Promise.all(fifos.map((f) => f.close()))),
    reopenFifo: async (next) => {
      for (const f of fifos) await f.apply(next)
    },
  }
}

function reportDiagnostics(log: Logger, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const line = formatDiagnostic(d)
    if (d.severity === 'warning') log.warn(line)
    else log.error(line)
  }
}
