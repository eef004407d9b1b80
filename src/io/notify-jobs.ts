/**
 * Which notify scripts run for a state change, with keepalived's argv, pure.
 */
import type { NotifyScripts, NotifyUsers } from '../config/model.js'
import type { NotifyJob } from './ports.js'

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'

/** Who changed state: a vrrp_instance or a vrrp_sync_group. */
export interface NotifyOwner {
  kind: 'INSTANCE' | 'GROUP'
  name: string
}

/** keepalived has no timeout for notify scripts; we do, so a hung script cannot hold its queue forever. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000

/** The queue key of an owner: its jobs run one after the other. */
export function notifyKey(owner: NotifyOwner): string {
  return `${owner.kind} ${owner.name}`
}

/**
 * The jobs for `owner` entering `state`, in keepalived's order: the specific
 * `notify_<state>` script with only its own arguments, then `notify` with
 * `INSTANCE|GROUP name STATE priority` appended (a group's priority is 0).
 * All share the owner's key, so they run in this order.
 */
export function notifyJobsFor(
  notify: NotifyScripts,
  owner: NotifyOwner,
  state: NotifyState,
  priority: number,
  splitCommandLine: (s: string) => string[],
  timeoutMs: number = DEFAULT_NOTIFY_TIMEOUT_MS,
  users: NotifyUsers = {},
): NotifyJob[] {
  const key = notifyKey(owner)
  const jobs: NotifyJob[] = []
  const field = ({ MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' } as const)[state]
  const withUser = (job: NotifyJob, f: keyof NotifyScripts): NotifyJob => (users[f] ? { ...job, user: users[f] } : job)
  const specific = notify[field]
  if (specific) {
    const argv = splitCommandLine(specific)
    if (argv.length > 0) jobs.push(withUser({ key, argv, timeoutMs }, field))
  }
  if (notify.any) {
    const argv = splitCommandLine(notify.any)
    const prio = owner.kind === 'GROUP' ? 0 : priority
    if (argv.length > 0) jobs.push(withUser({ key, argv: [...argv, owner.kind, owner.name, state, String(prio)], timeoutMs }, 'any'))
  }
  return jobs
}
