/**
 * The tracked objects that run outside the core: vrrp_script checks and
 * track_file readers. Their transitions become `trackChanged` events. Started
 * per config; on reload the script tracker carries each kept script's result
 * (the core keeps the same value, src/core/reload.ts), so nothing moves.
 */
import type { Config } from '../config/model.js'
import type { Event } from '../core/types.js'
import type { FileTracker, ScriptSecurity, ScriptTracker } from '../io/ports.js'
import type { Logger } from '../log.js'
import { referencedScripts, referencedTrackFiles } from './topology.js'

export interface TrackerFactories {
  createScriptTracker(security: ScriptSecurity): ScriptTracker
  createFileTracker(): FileTracker
}

/** Who runs the scripts of `config`, and whether unsafe ones are refused (global_defs). */
export function scriptSecurityOf(config: Config): ScriptSecurity {
  const g = config.globalDefs
  return {
    enableScriptSecurity: g.enableScriptSecurity,
    ...(g.scriptUser ? { scriptUser: { user: g.scriptUser, ...(g.scriptGroup ? { group: g.scriptGroup } : {}) } } : {}),
  }
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
    this.#startScripts(config)
    this.#startFiles(config)
  }

  /** SIGHUP: the new config's scripts keep the results of the old ones of the same name. */
  async reload(config: Config): Promise<void> {
    const scripts = referencedScripts(config)
    if (this.#scripts && scripts.length > 0) this.#scripts.reload(scripts, scriptSecurityOf(config))
    else {
      await this.#scripts?.stop()
      this.#scripts = undefined
      this.#startScripts(config)
    }
    // Track files report their current value at start; the core kept the old one, so only a change moves.
    this.#files?.stop()
    this.#files = undefined
    this.#startFiles(config)
  }

  async stop(): Promise<void> {
    await this.#scripts?.stop()
    this.#files?.stop()
    this.#scripts = this.#files = undefined
  }

  #startScripts(config: Config): void {
    const scripts = referencedScripts(config)
    if (scripts.length === 0) return
    this.#scripts = this.factories.createScriptTracker(scriptSecurityOf(config))
    this.#scripts.start(scripts, (name, ok, detail) => {
      this.log.info(detail)
      this.dispatch({ type: 'trackChanged', kind: 'script', name, ok })
    })
  }

  #startFiles(config: Config): void {
    const files = referencedTrackFiles(config)
    if (files.length === 0) return
    this.#files = this.factories.createFileTracker()
    this.#files.start(files, (name, value) => {
      this.dispatch({ type: 'trackChanged', kind: 'file', name, ok: value !== undefined, ...(value !== undefined ? { value } : {}) })
    })
  }
}
