/**
 * The {@link NotifyRunner} port: notify scripts in order per key, concurrent
 * across keys, never in the protocol's way.
 *
 * keepalived forks notify scripts fire-and-forget, so a quick BACKUP -> MASTER
 * -> BACKUP can run the scripts out of order (keepalived issues #996, #1055).
 * Here a job starts only after the previous job of its key finished or timed
 * out, so scripts see the transitions in the order they happened.
 */
import type { NotifyJob, NotifyRunner } from './ports.js'
import { silentProcLog, type ProcLog } from './proc-log.js'
import { describeResult, runProcess as defaultRun, type RunProcess } from './run-process.js'
import { createUserLookup, resolveCredentials, type Credentials, type UserLookup } from './user-lookup.js'

export interface NotifyRunnerOptions {
  log?: ProcLog
  runProcess?: RunProcess
  /** Used when a job has no positive timeout. */
  defaultTimeoutMs: number
  /** global_defs `script_user`; default keepalived_script if it exists, else root. */
  scriptUser?: { user: string; group?: string }
  userLookup?: UserLookup
  killGraceMs?: number
}

/** Creates a runner; `enqueue` returns at once and never throws. */
export function createNotifyRunner(opts: NotifyRunnerOptions): NotifyRunner {
  const log = opts.log ?? silentProcLog
  const run = opts.runProcess ?? defaultRun
  const queues = new Map<string, NotifyJob[]>()
  let pending = 0
  let waiters: Array<() => void> = []
  let creds: Promise<Credentials | undefined> | undefined
  let scriptUser = opts.scriptUser

  const credentials = (): Promise<Credentials | undefined> => {
    creds ??= resolveCredentials(opts.userLookup ?? createUserLookup(), scriptUser).then((r) => {
      if (r.ok) return r.creds
      log('error', `notify scripts: ${r.error}; they will not run`)
      return undefined
    })
    return creds
  }

  const runJob = async (job: NotifyJob): Promise<void> => {
    const who = await credentials()
    const cmd = job.argv.join(' ')
    if (!who) return
    const timeoutMs = job.timeoutMs > 0 && Number.isFinite(job.timeoutMs) ? job.timeoutMs : opts.defaultTimeoutMs
    log('debug', `Running notify script: ${cmd}`)
    const r = await run(job.argv, { timeoutMs, uid: who.uid, gid: who.gid, killGraceMs: opts.killGraceMs })
    if (r.timedOut) log('warn', `notify script ${cmd} timed out after ${timeoutMs} ms and was killed`)
    else if (r.error !== undefined || r.exitCode !== 0) log('warn', `notify script ${cmd} failed (${describeResult(r)})`)
  }

  const pump = async (key: string, queue: NotifyJob[]): Promise<void> => {
    while (queue.length > 0) {
      const job = queue[0] as NotifyJob
      try {
        await runJob(job)
      } catch (e) {
        log('error', `notify script ${job.argv.join(' ')} could not run: ${(e as Error).message}`)
      }
      queue.shift()
      pending--
    }
    queues.delete(key)
    if (pending === 0) {
      const w = waiters
      waiters = []
      for (const resolve of w) resolve()
    }
  }

  return {
    enqueue(job) {
      if (job.argv.length === 0) return
      pending++
      const queue = queues.get(job.key)
      if (queue) {
        queue.push(job)
        return
      }
      const fresh = [job]
      queues.set(job.key, fresh)
      void pump(job.key, fresh)
    },
    setScriptUser(spec) {
      if (JSON.stringify(spec) === JSON.stringify(scriptUser)) return
      scriptUser = spec
      creds = undefined // looked up again for the next job
    },
    drain() {
      if (pending === 0) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
  }
}
