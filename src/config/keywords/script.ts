/** `vrrp_script NAME { ... }` and `track_file NAME { ... }` blocks. */
import { DEFAULTS, type TrackFile, type VrrpScript } from '../model.js'
import { arg, intArg, needArg, secondsArg, flagArg, type KeywordTable } from '../values.js'
import { vrrpScriptLine } from './script-command.js'
import { parseWeight } from './track-refs.js'

/** A script with keepalived's defaults; `timeoutMs` -1 until resolved (defaults to the interval). */
export function newScript(name: string, at: VrrpScript['at']): VrrpScript {
  return {
    name,
    script: '',
    intervalMs: DEFAULTS.script.intervalMs,
    timeoutMs: -1,
    weight: DEFAULTS.script.weight,
    reverse: false,
    rise: DEFAULTS.script.rise,
    fall: DEFAULTS.script.fall,
    initFail: false,
    at,
  }
}

const MAX_SECONDS = 2147

export const SCRIPT_KEYWORDS: KeywordTable<VrrpScript> = {
  script: (n, s, ctx) => {
    const v = vrrpScriptLine(n, ctx)
    if (v !== undefined) s.script = v
  },
  interval: (n, s, ctx) => {
    const v = secondsArg(n, ctx, 0.001, MAX_SECONDS)
    if (v !== undefined) s.intervalMs = v
  },
  timeout: (n, s, ctx) => {
    const v = secondsArg(n, ctx, 0.001, MAX_SECONDS)
    if (v !== undefined) s.timeoutMs = v
  },
  weight: (n, s, ctx) => {
    const w = parseWeight(n, ctx, 0)
    if (w) {
      s.weight = w.weight
      s.reverse = w.reverse
    }
  },
  rise: (n, s, ctx) => {
    const v = intArg(n, ctx, 1, 1000000)
    if (v !== undefined) s.rise = v
  },
  fall: (n, s, ctx) => {
    const v = intArg(n, ctx, 1, 1000000)
    if (v !== undefined) s.fall = v
  },
  user: (n, s, ctx) => {
    const u = needArg(n, ctx)
    if (u === undefined) return
    s.user = u
    const g = arg(n, 1)
    if (g !== undefined) s.group = g
    else delete s.group
  },
  init_fail: (n, s, ctx) => {
    s.initFail = flagArg(n, ctx)
  },
}

export function newTrackFile(name: string, at: TrackFile['at']): TrackFile {
  return { name, file: '', weight: 1, reverse: false, at }
}

export const TRACK_FILE_KEYWORDS: KeywordTable<TrackFile> = {
  file: (n, f, ctx) => {
    const v = needArg(n, ctx)
    if (v !== undefined) f.file = v
  },
  weight: (n, f, ctx) => {
    const w = parseWeight(n, ctx, 0)
    if (w) {
      f.weight = w.weight
      f.reverse = w.reverse
    }
  },
  init_file: (n, f, ctx) => {
    let value = 0
    let overwrite = false
    for (const t of n.args) {
      if (t.text === 'overwrite') overwrite = true
      else if (/^[+-]?\d+$/.test(t.text)) value = Number(t.text)
      else ctx.sink.error(n.at, `invalid init_file argument '${t.text}': expected a number or 'overwrite'`)
    }
    f.initFile = { value, overwrite }
  },
}
