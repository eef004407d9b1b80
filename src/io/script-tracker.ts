/**
 * The {@link ScriptTracker} port: runs each vrrp_script on its interval, one
 * run at a time, counts rise/fall and reports OK <-> FAILED transitions.
 */
import { performance } from 'node:perf_hooks'
import type { VrrpScript } from '../config/model.js'
import { checkScriptSecurity as defaultCheck } from '../config/script-security.js'
import { splitCommandLine as defaultSplit } from '../config/tokenize.js'
import type { ScriptSecurity, ScriptTracker } from './ports.js'
import { silentProcLog, type ProcLog } from './proc-log.js'
import { carryRiseFall, initialRiseFall, stepRiseFall, type RiseFallState } from './rise-fall.js'
import { describeResult, runProcess as defaultRun, type RunProcess, type RunResult } from './run-process.js'
import { createUserLookup, resolveCredentials, type Credentials, type UserLookup } from './user-lookup.js'

export interface ScriptTrackerOptions {
  /** global_defs `script_user USER [GROUP]`; default keepalived_script if it exists, else root. */
  scriptUser?: { user: string; group?: string }
  /** global_defs `enable_script_security`: unsafe scripts are disabled. The config front end already leaves them out (as keepalived does: no weight applied); this catches a script whose permissions changed after the config was read, which then counts as failed. */
  enableScriptSecurity: boolean
  log?: ProcLog
  runProcess?: RunProcess
  splitCommandLine?: (s: string) => string[]
  /** Default: src/config's check (sync or async both fine). */
  checkScriptSecurity?: (program: string) => ReturnType<typeof defaultCheck> | Promise<ReturnType<typeof defaultCheck>>
  userLookup?: UserLookup
  /** SIGTERM -> SIGKILL grace after a timeout (keepalived: 2 s). */
  killGraceMs?: number
}

interface Tracked {
  script: VrrpScript
  argv: string[]
  creds?: Credentials
  rf: RiseFallState
  lastOutcome?: string
  running?: { abort: AbortController; done: Promise<void> }
  timer?: NodeJS.Timeout
  nextAt: number
  disabled: boolean
}

/**
 * Creates a script tracker. `onChange(name, ok, detail)` fires only on a
 * transition; `detail` is keepalived's log line ("VRRP_Script(chk) succeeded",
 * "VRRP_Script(chk) failed (exited with status 1)", "VRRP_Script(chk) timed_out")
 * and is not logged here: the caller logs it once, in its own context.
 * Every script starts OK (FAILED with init_fail) and its first run decides
 * at once; see {@link stepRiseFall}. `reload` keeps each script's result by
 * name (keepalived clear_diff_script, {@link carryRiseFall}).
 */
export function createScriptTracker(opts: ScriptTrackerOptions): ScriptTracker {
  let security: ScriptSecurity = { enableScriptSecurity: opts.enableScriptSecurity, ...(opts.scriptUser ? { scriptUser: opts.scriptUser } : {}) }
  const log = opts.log ?? silentProcLog
  const run = opts.runProcess ?? defaultRun
  const split = opts.splitCommandLine ?? defaultSplit
  const check = opts.checkScriptSecurity ?? defaultCheck
  const users = opts.userLookup ?? createUserLookup()
  const tracked = new Map<string, Tracked>()
  let onChange: (name: string, ok: boolean, detail: string) => void = () => {}
  let stopped = false

  const now = (): number => performance.now()

  /** A run of a script the tracker no longer holds (stopped, or replaced by a reload) counts for nothing. */
  const current = (t: Tracked): boolean => !stopped && tracked.get(t.script.name) === t

  const report = (t: Tracked, ok: boolean, detail: string): void => {
    if (!current(t)) return
    try {
      onChange(t.script.name, ok, detail)
    } catch (e) {
      log('error', `script change handler failed for ${t.script.name}: ${(e as Error).message}`)
    }
  }

  const disable = (t: Tracked, why: string): void => {
    t.disabled = true
    if (t.rf.ok) {
      t.rf = { result: 0, ok: false, initial: false }
      report(t, false, `VRRP_Script(${t.script.name}) failed (disabled: ${why})`)
    }
  }

  const outcome = (t: Tracked, r: RunResult): void => {
    if (!current(t)) return
    const name = t.script.name
    const success = !r.timedOut && r.error === undefined && r.exitCode === 0
    const what = describeResult(r)
    if (what !== t.lastOutcome) {
      // keepalived logs each change of exit status, not every run.
      log('info', r.exitCode !== null && !r.timedOut ? `Script \`${name}\` now returning ${r.exitCode}` : `Script \`${name}\` ${what}`)
      t.lastOutcome = what
    }
    const wasInitial = t.rf.initial
    const { state, changed } = stepRiseFall(t.rf, success, Math.max(1, t.script.rise), Math.max(1, t.script.fall))
    t.rf = state
    // keepalived logs the first result of a script that starts good too ("VRRP_Script(chk) succeeded" at start-up).
    // Not a change, so no onChange: the line only.
    if (!changed && wasInitial && state.ok) return log('info', `VRRP_Script(${name}) succeeded`)
    if (!changed) return
    if (state.ok) report(t, true, `VRRP_Script(${name}) succeeded`)
    else if (r.timedOut) report(t, false, `VRRP_Script(${name}) timed_out`)
    else report(t, false, `VRRP_Script(${name}) failed (${what})`)
  }

  const runOnce = (t: Tracked): void => {
    const abort = new AbortController()
    const done = run(t.argv, {
      timeoutMs: t.script.timeoutMs,
      uid: t.creds?.uid,
      gid: t.creds?.gid,
      signal: abort.signal,
      killGraceMs: opts.killGraceMs,
      killGroupOnExit: true,
    })
      .then((r) => outcome(t, r))
      .catch((e) => log('error', `VRRP_Script(${t.script.name}) could not be run: ${(e as Error).message}`))
      .finally(() => {
        t.running = undefined
      })
    t.running = { abort, done }
  }

  const tick = (t: Tracked): void => {
    t.timer = undefined
    if (!current(t) || t.disabled) return
    if (t.running) log('debug', `Track script ${t.script.name} is already running, expect idle - skipping run`)
    else runOnce(t)
    // Fixed grid from the start: a slow script does not push later runs back.
    const interval = Math.max(1, t.script.intervalMs)
    t.nextAt += interval
    const late = now() - t.nextAt
    if (late > 0) t.nextAt += Math.ceil(late / interval) * interval
    t.timer = setTimeout(() => tick(t), Math.max(0, t.nextAt - now()))
  }

  const prepare = async (t: Tracked): Promise<void> => {
    const s = t.script
    if (t.argv.length === 0) {
      log('error', `No script set for vrrp_script ${s.name} - disabling`)
      disable(t, 'no command')
      return
    }
    const spec = s.user !== undefined ? { user: s.user, group: s.group } : security.scriptUser
    const creds = await resolveCredentials(users, spec)
    if (!creds.ok) {
      log('error', `vrrp_script ${s.name}: ${creds.error} - disabling`)
      disable(t, creds.error)
      return
    }
    t.creds = creds.creds
    // The same rule as `vrrpd -t` (exit code 6), so the two never disagree.
    const sec = await check(t.argv[0] as string)
    if (sec.ok) return
    if (sec.reason === 'insecure') {
      log('warn', security.enableScriptSecurity ? sec.message : sec.message.replace(/ - disabling\.$/, '.'))
      if (security.enableScriptSecurity) {
        log('warn', `Disabling track script ${s.name} due to insecure`)
        disable(t, 'unsafe permissions')
      }
      return
    }
    if (security.enableScriptSecurity) {
      log('warn', sec.message)
      log('warn', `Disabling track script ${s.name} since not found/accessible`)
      disable(t, sec.reason === 'not-found' ? 'not found' : 'not a regular file')
    }
  }

  /** Checks each script's user and safety, then runs them all at once and on their interval. */
  const launch = (fresh: Tracked[]): void => {
    if (fresh.length === 0) return
    void Promise.all(fresh.map(prepare)).then(() => {
      const live = fresh.filter(current)
      if (live.length === 0) return
      // "SECURITY VIOLATION ..." is the config's diagnostic (finalize.ts), logged once
      // at start as keepalived logs it; the tracker does not say it again.
      for (const t of live) {
        t.nextAt = now()
        tick(t)
      }
    })
  }

  const track = (s: VrrpScript, rf: RiseFallState): Tracked => {
    const t: Tracked = { script: s, argv: split(s.script), rf, nextAt: 0, disabled: false }
    tracked.set(s.name, t)
    return t
  }

  /** Stops a script's timer and kills its run (keepalived: SIGTERM to every script on reload). */
  const halt = (t: Tracked): Promise<void> | undefined => {
    clearTimeout(t.timer)
    t.timer = undefined
    if (!t.running) return undefined
    t.running.abort.abort()
    return t.running.done
  }

  return {
    start(scripts, cb) {
      onChange = cb
      stopped = false
      const fresh: Tracked[] = []
      for (const s of scripts) {
        if (tracked.has(s.name)) continue // keyed by name: one run per interval however many instances track it
        fresh.push(track(s, initialRiseFall(s.initFail, Math.max(1, s.rise), Math.max(1, s.fall))))
      }
      launch(fresh)
    },
    reload(scripts, next) {
      security = next
      const before = new Map(tracked)
      tracked.clear()
      for (const t of before.values()) void halt(t)
      const fresh: Tracked[] = []
      for (const s of scripts) {
        if (tracked.has(s.name)) continue
        const rise = Math.max(1, s.rise)
        const fall = Math.max(1, s.fall)
        const old = before.get(s.name)
        if (!old) {
          fresh.push(track(s, initialRiseFall(s.initFail, rise, fall)))
          continue
        }
        const rf = carryRiseFall(old.rf, Math.max(1, old.script.rise), Math.max(1, old.script.fall), rise, fall)
        const t = track(s, rf)
        t.lastOutcome = old.lastOutcome
        if (!rf.initial) log('info', `VRRP_Script(${s.name}) considered ${rf.ok ? 'successful' : 'unsuccessful'} on reload`)
        fresh.push(t)
      }
      launch(fresh)
    },
    async stop() {
      stopped = true
      const running = [...tracked.values()].map(halt).filter((p): p is Promise<void> => p !== undefined)
      tracked.clear()
      await Promise.all(running)
    },
  }
}
