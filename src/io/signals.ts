/**
 * The signals keepalived 2.2.7 uses for its VRRP process, delivered to vrrpd
 * without any of them ever taking the default action (which for SIGRTMIN+2 is to
 * kill the process and leave the VIP on the interface).
 *
 * Node's `process.on` refuses real-time signals, so those go through Node's own
 * signal handle (`signal_wrap`, the class behind `process.on('SIGUSR1')`): libuv
 * installs an async-signal-safe handler that only writes to a self-pipe, and the
 * callback runs on the event loop like any other. If that binding is ever gone,
 * the signal is set to SIG_IGN through libc (so it still cannot kill) and vrrpd
 * says the signal is not supported.
 */
import { createRequire } from 'node:module'
import { constants } from 'node:os'

/** keepalived's names (`keepalived --signum=NAME`) and the ones its VRRP child handles without a name. */
export type KeepalivedSignal = 'STOP' | 'INT' | 'RELOAD' | 'DATA' | 'STATS' | 'STATS_CLEAR' | 'JSON' | 'TDUMP' | 'XCPU'

/**
 * Linux numbers, as keepalived 2.2.7 prints them with --signum (glibc's SIGRTMIN
 * is 34 and SIGRTMAX 64 on Linux). keepalived's lib/signals.h: SIGJSON is
 * SIGRTMIN+2, SIGSTATS_CLEAR SIGRTMAX-1, SIGTDUMP SIGRTMAX (only in THREAD_DUMP
 * builds; ignored here so that it is as harmless as in keepalived, whose parent
 * sets every other signal to SIG_IGN). SIGXCPU is logged (vrrp_rlimit_rttime).
 */
export const KEEPALIVED_SIGNALS: Readonly<Record<KeepalivedSignal, number>> = {
  STOP: constants.signals.SIGTERM,
  INT: constants.signals.SIGINT,
  RELOAD: constants.signals.SIGHUP,
  DATA: constants.signals.SIGUSR1,
  STATS: constants.signals.SIGUSR2,
  STATS_CLEAR: 63,
  JSON: 36,
  TDUMP: 64,
  XCPU: constants.signals.SIGXCPU,
}

/** The names `keepalived --signum=NAME` accepts (lib/signals.c get_signum; TDUMP only in THREAD_DUMP builds, not 2.2.7's). */
export const SIGNUM_NAMES = ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'] as const

/** `--signum=NAME` as keepalived answers it: the number, or undefined for a name it does not know. */
export function signumFor(name: string): number | undefined {
  return (SIGNUM_NAMES as readonly string[]).includes(name) ? KEEPALIVED_SIGNALS[name as KeepalivedSignal] : undefined
}

/** What `watchSignals` reports: a handler failure or a signal it could not take. */
export type SignalLog = (level: 'warn' | 'error', msg: string) => void

export interface SignalWatch {
  /** How each signal is taken: Node's handle, or ignored through libc. */
  readonly modes: Readonly<Partial<Record<KeepalivedSignal, 'handled' | 'ignored' | 'failed'>>>
  /** Stops delivering; the dispositions Node restores are its defaults. */
  close(): void
}

interface SignalHandle {
  onsignal: ((signo: number) => void) | undefined
  start(signo: number): number
  close(): void
  unref?(): void
}
type SignalCtor = new () => SignalHandle

/**
 * Calls `handlers[name]` on each signal. Every name in KEEPALIVED_SIGNALS is
 * taken, with or without a handler, so none of them can kill the process.
 */
export function watchSignals(handlers: Partial<Record<KeepalivedSignal, (signo: number) => void>>, log: SignalLog, binding: () => SignalCtor | undefined = loadSignalWrap): SignalWatch {
  const modes: Partial<Record<KeepalivedSignal, 'handled' | 'ignored' | 'failed'>> = {}
  const undo: (() => void)[] = []
  let Ctor: SignalCtor | undefined | null = null // null: not looked up yet
  for (const [name, signo] of Object.entries(KEEPALIVED_SIGNALS) as [KeepalivedSignal, number][]) {
    const fn = handlers[name] ?? (() => {})
    const call = (): void => {
      try {
        fn(signo)
      } catch (err) {
        log('error', `signal ${signo} handler failed: ${(err as Error).message}`)
      }
    }
    const nodeName = signalName(signo)
    if (nodeName) {
      process.on(nodeName, call)
      undo.push(() => process.off(nodeName, call))
      modes[name] = 'handled'
      continue
    }
    if (Ctor === null) Ctor = binding()
    const handle = Ctor ? startHandle(Ctor, signo, call) : undefined
    if (handle) {
      undo.push(() => handle.close())
      modes[name] = 'handled'
    } else if (ignoreSignal(signo)) {
      modes[name] = 'ignored'
      log('warn', `signal ${signo} (keepalived ${name}) is not supported by this Node; it is ignored`)
    } else {
      modes[name] = 'failed'
      log('error', `signal ${signo} (keepalived ${name}) can neither be handled nor ignored: it would stop vrrpd`)
    }
  }
  return { modes, close: () => undo.splice(0).forEach((u) => u()) }
}

/** Node's name for a signal `process.on` accepts (not the real-time ones). */
function signalName(signo: number): NodeJS.Signals | undefined {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signo)
  return entry ? (entry[0] as NodeJS.Signals) : undefined
}

function startHandle(Ctor: SignalCtor, signo: number, call: () => void): SignalHandle | undefined {
  try {
    const h = new Ctor()
    h.onsignal = call
    if (h.start(signo) !== 0) {
      h.close()
      return undefined
    }
    // Like process.on's handles: a signal alone must not keep the process alive.
    h.unref?.()
    return h
  } catch {
    return undefined
  }
}

/**
 * Node's signal handle, reached through process.binding('signal_wrap'): the one
 * that prints DEP0111. The warning is about this access only, so it is swallowed
 * for exactly this call; any other warning goes through.
 */
export function loadSignalWrap(): SignalCtor | undefined {
  const emit = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1]
    if (code === 'DEP0111' && String(warning).includes('signal_wrap')) return
    ;(emit as (...a: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    const b = (process as unknown as { binding(name: string): { Signal?: SignalCtor } }).binding('signal_wrap')
    return typeof b.Signal === 'function' ? b.Signal : undefined
  } catch {
    return undefined
  } finally {
    process.emitWarning = emit
  }
}

/** signal(signo, SIG_IGN) through libc; false when libc cannot be reached. */
function ignoreSignal(signo: number): boolean {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
    const signal = koffi.load('libc.so.6').func('intptr_t signal(int signum, intptr_t handler)') as (s: number, h: number) => number | bigint
    const SIG_ERR = -1
    return Number(signal(signo, 1 /* SIG_IGN */)) !== SIG_ERR
  } catch {
    return false
  }
}
