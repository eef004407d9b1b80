/**
 * One of the daemon's notify FIFOs (`vrrp_notify_fifo PATH` with
 * `vrrp_notify_fifo_script`, or the global pair; keepalived writes each line to both when both are set)
 * across reloads: opened at start, and on SIGHUP closed and opened again when
 * its path, its reader script or script_user changed, or closed when the new
 * config has none. An unchanged FIFO stays open, so its reader sees no EOF
 * (keepalived reopens it on every reload; docs/notify.md says why we do not).
 */
import type { Config, GlobalDefs } from '../config/model.js'
import { splitCommandLine } from '../config/index.js'
import { openNotifyFifo, type FifoState, type NotifyFifo } from '../io/notify-fifo.js'
import type { ProcLog } from '../io/proc-log.js'
import { createUserLookup, resolveCredentials, type Credentials } from '../io/user-lookup.js'
import { scriptSecurityOf } from './trackers.js'

type Opener = typeof openNotifyFifo

/** Which global_defs FIFO a slot follows. */
export type FifoKeyword = 'vrrpNotifyFifo' | 'notifyFifo'

export class NotifyFifoSlot {
  #fifo: NotifyFifo | undefined
  /** What the open FIFO was opened from; undefined when none is configured. */
  #key: string | undefined

  constructor(
    private readonly keyword: FifoKeyword,
    private readonly log: ProcLog,
    private readonly open: Opener = openNotifyFifo,
    private readonly credentialsFor: (spec: { user: string; group?: string } | undefined) => ReturnType<typeof resolveCredentials> = (spec) =>
      resolveCredentials(createUserLookup(), spec),
  ) {}

  /** Makes the FIFO match `config` (start and SIGHUP). */
  async apply(config: Config): Promise<void> {
    const fifo: GlobalDefs[FifoKeyword] = config.globalDefs[this.keyword]
    // `notify_fifo_script COMMAND USER [GROUP]` runs as that user, else as script_user.
    const scriptUser = fifo?.script ? (fifo.scriptUser ?? scriptSecurityOf(config).scriptUser) : undefined
    const key = fifo ? JSON.stringify([fifo.path, fifo.script ?? null, scriptUser ?? null]) : undefined
    if (key === this.#key && (this.#fifo !== undefined || key === undefined)) return
    await this.close()
    this.#key = key
    if (!fifo) return
    let credentials: Credentials | undefined
    if (fifo.script) {
      const creds = await this.credentialsFor(scriptUser)
      if (!creds.ok) {
        this.log('error', `notify FIFO script ${fifo.script}: ${creds.error}; not started`)
        return
      }
      credentials = creds.creds
    }
    const opened = await this.open({
      path: fifo.path,
      ...(fifo.script ? { script: splitCommandLine(fifo.script) } : {}),
      ...(credentials ? { credentials } : {}),
      log: this.log,
    })
    if (!opened.ok) {
      this.log('error', opened.error)
      return
    }
    this.#fifo = opened.fifo
  }

  /** One line for a state change; nothing when no FIFO is open. */
  write(kind: 'INSTANCE' | 'GROUP', name: string, state: FifoState, priority: number): void {
    this.#fifo?.write(kind, name, state, priority)
  }

  async close(): Promise<void> {
    const fifo = this.#fifo
    this.#fifo = undefined
    this.#key = undefined
    await fifo?.close()
  }
}
