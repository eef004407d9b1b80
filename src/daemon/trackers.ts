/**
 * The tracked objects that run outside the core: vrrp_script checks and
 * track_file readers. Their transitions become `trackChanged` events. Started
 * per config, restarted on reload (scripts count as good again, as keepalived).
 */
import type { Config } from '../config/model.js'
import type { Event } from '../core/types.js'
import type { FileTracker, ScriptTracker } from '../io/ports.js'
import type { Logger } from '../log.js'
import { referencedScripts, referencedTrackFiles } from './topology.js'

export interface TrackerFactories {
  createScriptTracker(): ScriptTracker
  createFileTracker(): FileTracker
}

export class Trackers {
  #scripts: ScriptTracker | undefined
  #files: FileTracker | undefined

  constructor(
    private readonly factories: TrackerFactories,
    private readonly log: Logger,
    private readonly dispatch: (event: Event) => void,
  ) {}

  /** Runs what `config` tracks (keepalived runs only the scripts someone tracks). */
  start(config: Config): void {
    const scripts = referencedScripts(config)
    if (scripts.length) {
      this.#scripts = this.factories.createScriptTracker()
      this.#scripts.start(scripts, (name, ok, detail) => {
        this.log.info(detail)
        this.dispatch({ type: 'trackChanged', kind: 'script', name, ok })
      })
    }
    const files = referencedTrackFiles(config)
    if (files.length) {
      this.#files = this.factories.createFileTracker()
      this.#files.start(files, (name, value) => {
        this.dispatch({ type: 'trackChanged', kind: 'file', name, ok: value !== undefined, ...(value !== undefined ? { value } : {}) })
      })
    }
  }

  async stop(): Promise<void> {
    await this.#scripts?.stop()
    this.#files?.stop()
    this.#scripts = this.#files = undefined
  }
}
