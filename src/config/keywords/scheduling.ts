/**
 * The global_defs keywords that set how the VRRP process is scheduled:
 * vrrp_priority, vrrp_rt_priority, vrrp_rlimit_rttime, vrrp_no_swap and
 * vrrp_cpu_affinity. Ranges, defaults and the words of each error are keepalived
 * 2.2.7's (global_parser.c: get_priority, get_realtime_priority, get_rt_rlimit,
 * get_cpu_affinity); test/config/scheduling-oracle.test.ts compares with `keepalived -t`.
 */
import { cpus } from 'node:os'
import type { GlobalDefs } from '../model.js'
import { arg, needArg, type KeywordTable, type ParseContext } from '../values.js'
import type { Node } from '../tree.js'

/** sched_get_priority_min/max(SCHED_RR) on Linux. */
export const SCHED_RR_MIN = 1
export const SCHED_RR_MAX = 99
/** keepalived's RT_RLIMIT_DEFAULT (µs of CPU without sleeping, under SCHED_RR). */
export const DEFAULT_RLIMIT_RTTIME_US = 10000

/**
 * keepalived's read_int_strvec: a decimal integer in [min, max]; otherwise it
 * reports the number itself (then the caller reports the keyword).
 */
function readInt(n: Node, ctx: ParseContext, v: string, min: number, max: number): number | undefined {
  const num = /^[+-]?\d+$/.test(v) ? Number(v) : NaN
  if (Number.isNaN(num)) ctx.sink.error(n.at, `invalid number '${v}'`)
  else if (num < min || num > max) ctx.sink.error(n.at, `number '${v}' outside range [${min}, ${max}]`)
  else return num
  return undefined
}

export const SCHEDULING_KEYWORDS: KeywordTable<GlobalDefs> = {
  vrrp_priority: (n, g, ctx) => {
    const v = arg(n)
    if (v === undefined) return ctx.sink.error(n.at, 'No vrrp process priority specified')
    const prio = readInt(n, ctx, v, -20, 19)
    if (prio === undefined) ctx.sink.error(n.at, 'Invalid vrrp process priority specified')
    // keepalived stores 0 (leave the nice value alone) after a bad value.
    g.processPriority = prio ?? 0
  },
  vrrp_rt_priority: (n, g, ctx) => {
    const v = arg(n)
    if (v === undefined) return ctx.sink.error(n.at, 'No vrrp process real-time priority specified')
    let prio = readInt(n, ctx, v, -(2 ** 31), 2 ** 31 - 1)
    if (prio === undefined) return ctx.sink.error(n.at, `vrrp process real-time priority '${v}' invalid`)
    // Out of range is an error, and keepalived still uses the nearest bound.
    if (prio < SCHED_RR_MIN) {
      ctx.sink.error(n.at, `vrrp process real-time priority ${prio} less than minimum ${SCHED_RR_MIN} - setting to minimum`)
      prio = SCHED_RR_MIN
    } else if (prio > SCHED_RR_MAX) {
      ctx.sink.error(n.at, `vrrp process real-time priority ${prio} greater than maximum ${SCHED_RR_MAX} - setting to maximum`)
      prio = SCHED_RR_MAX
    }
    g.realtimePriority = prio
  },
  vrrp_rlimit_rttime: rlimit,
  // Deprecated spelling (keepalived 2020), same handler.
  vrrp_rlimit_rtime: rlimit,
  vrrp_no_swap: (_n, g) => {
    // keepalived takes no value and ignores any.
    g.noSwap = true
  },
  vrrp_cpu_affinity: (n, g, ctx) => {
    if (n.args.length === 0) return ctx.sink.error(n.at, 'No vrrp cpu_id set specified')
    // sysconf(_SC_NPROCESSORS_ONLN): the CPUs online, not the ones we may run on.
    const online = cpus().length
    const set = new Set<number>()
    for (const t of n.args) {
      const id = readInt(n, ctx, t.text, 0, online - 1)
      if (id === undefined) {
        // keepalived names the number it read, 0 for a word, and forgets the whole set.
        const read = /^[+-]?\d+$/.test(t.text) ? Number(t.text) : 0
        ctx.sink.error(n.at, `Invalid cpu_id:${read} specified for vrrp process`)
        g.cpuAffinity = []
        return
      }
      set.add(id)
    }
    g.cpuAffinity = [...set].sort((a, b) => a - b)
  },
}

function rlimit(n: Node, g: GlobalDefs, ctx: ParseContext): void {
  const v = needArg(n, ctx)
  if (v === undefined) return
  const limit = readInt(n, ctx, v, 1, 2 ** 32 - 1)
  if (limit === undefined) {
    ctx.sink.error(n.at, `Invalid vrrp real-time limit - ${v}`)
    // keepalived stores 0: no RLIMIT_RTTIME at all.
    g.rlimitRttimeUs = 0
    return
  }
  // The soft limit is half the hard one and must not be 0.
  g.rlimitRttimeUs = limit === 1 ? 2 : limit
}
