// What a daemon costs, read from /proc: its process tree (keepalived: parent + VRRP
// child), RSS summed over it, and CPU both as utime+stime (clock ticks) and as on-CPU
// time from schedstat (ns, every thread: V8's and libuv's count too). Shared by
// bench/failover.mjs, bench/scale-lab.mjs, bench/footprint-process.mjs and bench/flood.mjs.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** Parent pid and utime+stime in ms of `pid`, or undefined once it has ended. */
export function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    return { ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK }
  } catch {
    return undefined
  }
}

/** `pid` and every process below it. */
export function processTree(pid) {
  const parent = new Map()
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    const st = procStat(e)
    if (st) parent.set(Number(e), st.ppid)
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p)
  return out
}

/** On-CPU ms of one thread (0 once it has ended). */
export function threadCpuMs(pid, tid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return 0
  }
}

/** VmRSS in kB of one process (0 once it has ended). */
export function rssKbOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** RSS (kB) and on-CPU ms (schedstat) summed over the tree of `pid`. */
export function usage(pid) {
  let rssKb = 0
  let cpuMs = 0
  for (const p of processTree(pid)) {
    rssKb += rssKbOf(p)
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) cpuMs += threadCpuMs(p, t)
    } catch {
      // a short-lived child that ended meanwhile
    }
  }
  return { rssKb, cpuMs }
}
