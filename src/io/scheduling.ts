/**
 * The process-level scheduling globals, as keepalived's set_process_priorities
 * and set_process_cpu_affinity apply them to its VRRP process: vrrp_rt_priority
 * (SCHED_RR, with vrrp_rlimit_rttime as RLIMIT_RTTIME), else vrrp_priority (nice),
 * vrrp_no_swap (memory locking) and vrrp_cpu_affinity.
 *
 * keepalived's VRRP process has one thread; Node has several (libuv's pool, V8's
 * platform and GC workers, our config and VIP workers). On Linux the nice value,
 * the scheduling policy and the CPU affinity belong to each thread, so "the
 * process" has to be chosen thread by thread:
 * - SCHED_RR goes to every thread that exists when it is applied: the main thread
 *   (timers, every advert) and the threads it waits for, V8's platform workers (its
 *   garbage collector's parallel and concurrent phases) and libuv's pool (the fd
 *   poller's poll). Only the main thread was realtime at first, and under two CPU
 *   hogs the main thread then stalled up to 343 ms waiting for a starved GC worker:
 *   258 false state changes in 5 minutes of 10 ms adverts, 0 with every thread
 *   realtime (bench/results/scale-2026-11-30-fast-rt-threads.md). With
 *   SCHED_RESET_ON_FORK, as keepalived sets it, scripts and the threads started later
 *   (a reload's parser worker) run at normal priority, so a busy-looping parse can
 *   never starve the machine; RLIMIT_RTTIME is counted per realtime thread.
 * - nice and the CPU affinity go to every thread that exists (/proc/self/task),
 *   and later threads inherit them from the thread that creates them: the whole
 *   process is as keepalived's single thread would be.
 * - RLIMIT_RTTIME is per process anyway.
 * vrrp_no_swap cannot be keepalived's mlockall: V8 hands memory back with
 * madvise(MADV_DONTNEED), which Linux refuses on locked memory, and V8 then
 * aborts the process (measured: a worker's first code page, i.e. the first
 * reload). So vrrpd locks the file-backed mappings (node's text with V8's
 * builtins, libc, koffi), which V8 never discards, with MLOCK_ONFAULT as
 * keepalived's MCL_ONFAULT: what has run stays in memory; the JavaScript heap does not.
 * A failure (no CAP_SYS_NICE or CAP_IPC_LOCK) is logged with keepalived's words
 * and the reason, never fatal.
 */
import { createRequire } from 'node:module'
import { readFileSync, readdirSync } from 'node:fs'
import type { GlobalDefs } from '../config/model.js'
import { DEFAULT_RLIMIT_RTTIME_US } from '../config/keywords/scheduling.js'

export interface SchedulingLog {
  info(message: string): void
  warn(message: string): void
}

const SCHED_OTHER = 0
const SCHED_RR = 2
const SCHED_RESET_ON_FORK = 0x40000000
const PRIO_PROCESS = 0
const RLIMIT_RTTIME = 15
const MLOCK_ONFAULT = 1
/**
 * The shortest RLIMIT_RTTIME vrrpd sets (µs). keepalived's default, 10 ms, is
 * one C event loop turn many times over, but not one of Node's: the first
 * transitions after start (JIT compiling, a GC) ran longer without sleeping, and
 * the kernel's SIGKILL at the hard limit came before the SIGXCPU at the soft one
 * could even be handled (measured: 20 instances, 10 ms adverts, killed in 2 of 3 runs
 * at 10000; none in 1 run at 20000, 2 at 50000, 1 at 200000). One second still stops a runaway loop.
 */
const MIN_RLIMIT_RTTIME_US = 1_000_000
/** cpu_set_t: 1024 CPUs. */
const CPU_SET_BYTES = 128

interface SchedCalls {
  sched_setscheduler(pid: number, policy: number, param: Buffer): number
  setpriority(which: number, who: number, prio: number): number
  getpriority(which: number, who: number): number
  getrlimit(resource: number, rlim: Buffer): number
  setrlimit(resource: number, rlim: Buffer): number
  mlock2(addr: bigint, len: bigint, flags: number): number
  munlockall(): number
  sched_setaffinity(pid: number, size: number, mask: Buffer): number
  strerror(errnum: number): string
  errno(): number
}

let calls: SchedCalls | Error | undefined
function load(): SchedCalls | Error {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi')
    const lib = koffi.load('libc.so.6')
    return {
      sched_setscheduler: lib.func('int sched_setscheduler(int pid, int policy, const uint8_t *param)'),
      setpriority: lib.func('int setpriority(int which, uint32_t who, int prio)'),
      getpriority: lib.func('int getpriority(int which, uint32_t who)'),
      getrlimit: lib.func('int getrlimit(int resource, _Out_ uint8_t *rlim)'),
      setrlimit: lib.func('int setrlimit(int resource, const uint8_t *rlim)'),
      mlock2: lib.func('int mlock2(uint64_t addr, uint64_t len, unsigned int flags)'),
      munlockall: lib.func('int munlockall()'),
      sched_setaffinity: lib.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)'),
      strerror: lib.func('const char *strerror(int errnum)'),
      errno: () => koffi.errno(),
    }
  } catch (error) {
    return new Error(`koffi/libc could not be loaded: ${(error as Error).message}`)
  }
}

/** What is in force, to undo on a reload that drops a setting. */
interface Applied {
  realtime: boolean
  /** RLIMIT_RTTIME set by us; origRttime is what it was before. */
  rttime?: boolean
  origRttime?: Buffer
  nice?: number
  origNice?: number
  locked: boolean
}
const applied: Applied = { realtime: false, locked: false }

/** Nothing to do: no libc needed (and none loaded) for a config without these keywords. */
function wantsNothing(g: GlobalDefs): boolean {
  return !g.realtimePriority && !g.processPriority && !g.noSwap && !g.cpuAffinity?.length
}

/**
 * Brings the process to what `g` asks. Called at start (after the instances are
 * up) and after each reload; a setting a reload removed is undone, as keepalived's
 * reset_process_priorities does before it reloads (the CPU affinity excepted:
 * keepalived leaves it as it was).
 */
export function applyScheduling(g: GlobalDefs, log: SchedulingLog): void {
  if (wantsNothing(g) && !applied.realtime && applied.nice === undefined && !applied.locked) return
  calls ??= load()
  if (calls instanceof Error) {
    log.warn(`scheduling globals not applied: ${calls.message}`)
    return
  }
  const c = calls
  const why = (): string => c.strerror(c.errno())

  if (g.realtimePriority) {
    const priority = g.realtimePriority
    if (!setScheduler(c, SCHED_RR | SCHED_RESET_ON_FORK, priority)) log.warn(`child process: cannot raise priority (${why()})`)
    else {
      applied.realtime = true
      const failed = forEachThread(c, (tid) => setThreadScheduler(c, tid, SCHED_RR | SCHED_RESET_ON_FORK, priority))
      if (failed) log.warn(`cannot raise the priority of every vrrpd thread (${failed}); the main thread is realtime`)
      const asked = g.rlimitRttimeUs ?? DEFAULT_RLIMIT_RTTIME_US
      const rttime = asked && Math.max(asked, MIN_RLIMIT_RTTIME_US)
      if (rttime !== asked) log.info(`vrrp_rlimit_rttime ${asked} us is shorter than one JavaScript burst can be: using ${rttime} us (docs/configuration.md)`)
      if (rttime) {
        if (!applied.origRttime) {
          const orig = Buffer.alloc(16)
          if (c.getrlimit(RLIMIT_RTTIME, orig) === 0) applied.origRttime = orig
        }
        // Soft at half the hard limit: SIGXCPU (logged) before the kernel's SIGKILL.
        if (c.setrlimit(RLIMIT_RTTIME, rlimit(Math.floor(rttime / 2), rttime)) !== 0) log.warn(`child process cannot set realtime rlimit (${why()})`)
        else applied.rttime = true
      }
    }
  } else {
    if (applied.realtime) leaveRealtime(log)
    // keepalived 2.2.7 "restores" a saved limit it never read (0/0); vrrpd the one it
    // found. Raising a hard limit needs CAP_SYS_RESOURCE: without it (EPERM) the
    // limit stays, harmless now that no thread of ours is realtime.
    if (applied.rttime && applied.origRttime) {
      if (c.setrlimit(RLIMIT_RTTIME, applied.origRttime) === 0) applied.rttime = false
      else if (c.errno() !== EPERM) log.warn(`child process cannot reset realtime rlimit (${why()})`)
    }
  }

  // keepalived sets the nice value only without a realtime priority.
  const nice = g.realtimePriority ? 0 : (g.processPriority ?? 0)
  if (nice !== 0 && nice !== applied.nice) {
    applied.origNice ??= c.getpriority(PRIO_PROCESS, 0)
    const failed = forEachThread(c, (tid) => c.setpriority(PRIO_PROCESS, tid, nice) === 0)
    if (failed) log.info(`Unable to set process priority to ${nice} - ${failed}`)
    else applied.nice = nice
  } else if (nice === 0 && applied.nice !== undefined) {
    const orig = applied.origNice ?? 0
    const failed = forEachThread(c, (tid) => c.setpriority(PRIO_PROCESS, tid, orig) === 0)
    if (failed) log.info(`Unable to reset process priority - ${failed}`)
    else delete applied.nice
  }

  if (g.noSwap && !applied.locked) {
    const failed = lockFileMappings(c)
    if (!failed) applied.locked = true
    else {
      log.info(`Unable to lock process in memory - ${failed}`)
      c.munlockall() // all or nothing: the mappings locked before the failure too
    }
  } else if (!g.noSwap && applied.locked) {
    c.munlockall()
    applied.locked = false
  }

  if (g.cpuAffinity?.length) {
    const mask = Buffer.alloc(CPU_SET_BYTES)
    for (const cpu of g.cpuAffinity) mask[cpu >> 3] = (mask[cpu >> 3] ?? 0) | (1 << (cpu & 7))
    const failed = forEachThread(c, (tid) => c.sched_setaffinity(tid, CPU_SET_BYTES, mask) === 0)
    if (failed) log.warn(`unable to set cpu affinity to vrrp process (${failed})`)
  }
}

/**
 * Before a reload's instances are rebuilt on the main thread: normal scheduling,
 * as keepalived's reload runs, so a long rebuild is not killed by RLIMIT_RTTIME.
 * applyScheduling with the new config follows.
 */
export function leaveRealtime(log: SchedulingLog): void {
  if (!applied.realtime || !calls || calls instanceof Error) return
  const c = calls
  if (!setScheduler(c, SCHED_OTHER, 0)) log.warn(`child process: cannot reset realtime scheduling (${c.strerror(c.errno())})`)
  else {
    applied.realtime = false
    const failed = forEachThread(c, (tid) => setThreadScheduler(c, tid, SCHED_OTHER, 0))
    if (failed) log.warn(`cannot reset the realtime scheduling of every vrrpd thread (${failed})`)
  }
}

/** pid 0: the calling thread, which is the main thread (every caller runs on it). */
function setScheduler(c: SchedCalls, policy: number, priority: number): boolean {
  return setThreadScheduler(c, 0, policy, priority)
}

function setThreadScheduler(c: SchedCalls, tid: number, policy: number, priority: number): boolean {
  const param = Buffer.alloc(4)
  param.writeInt32LE(priority)
  return c.sched_setscheduler(tid, policy, param) === 0
}

/** mlock2(MLOCK_ONFAULT) on every file-backed mapping; why the first failed, if one did. */
function lockFileMappings(c: SchedCalls): string | undefined {
  let maps: string
  try {
    maps = readFileSync('/proc/self/maps', 'utf8')
  } catch (error) {
    return (error as Error).message
  }
  for (const line of maps.split('\n')) {
    // "start-end perms offset dev inode path": a path from "/" is a file (not [heap], [stack], anonymous).
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+ +\//.exec(line)
    if (!m) continue
    const start = BigInt(`0x${m[1]}`)
    if (c.mlock2(start, BigInt(`0x${m[2]}`) - start, MLOCK_ONFAULT) !== 0) return c.strerror(c.errno())
  }
  return undefined
}

function rlimit(soft: number, hard: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeBigUInt64LE(BigInt(soft), 0)
  b.writeBigUInt64LE(BigInt(hard), 8)
  return b
}

/**
 * Runs `set` for each thread of this process; returns undefined when all
 * succeeded, else why the first one failed. A thread that ended meanwhile
 * (ESRCH) is no failure.
 */
function forEachThread(c: SchedCalls, set: (tid: number) => boolean): string | undefined {
  let tids: number[]
  try {
    tids = readdirSync('/proc/self/task').map(Number)
  } catch (error) {
    return (error as Error).message
  }
  let failure: string | undefined
  for (const tid of tids) {
    if (set(tid)) continue
    const errno = c.errno()
    if (errno !== ESRCH) failure ??= c.strerror(errno)
  }
  return failure
}
const ESRCH = 3
const EPERM = 1
