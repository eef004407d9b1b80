/**
 * The {@link FileTracker} port: `track_file NAME { file PATH }` reads the
 * integer in PATH and reports it when it changes.
 *
 * A missing or unreadable file, or one that does not hold an integer, has the
 * value `undefined`; the core treats that as a failed track (instance to FAULT
 * for weight 0, the negative weight applied otherwise).
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import type { TrackFile } from '../config/model.js'
import type { FileTracker } from './ports.js'
import { silentProcLog, type ProcLog } from './proc-log.js'

export interface FileTrackerOptions {
  /** stat polling period; default 1000 ms. */
  pollMs?: number
  log?: ProcLog
}

/** The integer a track file holds (surrounding white space allowed), or undefined. */
export function parseTrackFileValue(text: string): number | undefined {
  const m = /^\s*([+-]?\d+)\s*$/.exec(text)
  if (!m) return undefined
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : undefined
}

/** Reads a track file's value; never throws. */
export async function readTrackFile(path: string): Promise<number | undefined> {
  try {
    return parseTrackFileValue(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
}

interface Watched {
  file: TrackFile
  /** Last value reported; `unset` before the first report. */
  value: number | undefined | typeof unset
  listener: (curr: Stats, prev: Stats) => void
  reading: Promise<void>
}

const unset = Symbol('unset')

/**
 * Creates a file tracker. On start each file's `init_file` is applied, then its
 * value is read and reported once (the core learns the starting value), and
 * after that only when it changes. Files are polled with fs.watchFile (stat),
 * which also sees a file appear, vanish or be replaced by rename.
 */
export function createFileTracker(opts: FileTrackerOptions = {}): FileTracker {
  const log = opts.log ?? silentProcLog
  const pollMs = opts.pollMs ?? 1000
  const watched = new Map<string, Watched>()
  let stopped = false

  const refresh = (w: Watched, onChange: (name: string, value: number | undefined) => void): void => {
    // Chain reads so two quick changes are reported in order.
    w.reading = w.reading.then(async () => {
      const value = await readTrackFile(w.file.file)
      if (stopped || !watched.has(w.file.name) || value === w.value) return
      w.value = value
      if (value === undefined) log('warn', `track_file ${w.file.name}: ${w.file.file} is missing or does not hold a number`)
      try {
        onChange(w.file.name, value)
      } catch (e) {
        log('error', `track_file change handler failed for ${w.file.name}: ${(e as Error).message}`)
      }
    })
  }

  return {
    start(files, onChange) {
      stopped = false
      for (const file of files) {
        if (watched.has(file.name)) continue
        const w: Watched = { file, value: unset, listener: () => refresh(w, onChange), reading: Promise.resolve() }
        watched.set(file.name, w)
        w.reading = initFile(file, log)
        watchFile(file.file, { interval: pollMs, persistent: false }, w.listener)
        refresh(w, onChange)
      }
    },
    stop() {
      stopped = true
      for (const w of watched.values()) unwatchFile(w.file.file, w.listener)
      watched.clear()
    },
  }
}

async function initFile(file: TrackFile, log: ProcLog): Promise<void> {
  if (!file.initFile) return
  try {
    // 'wx' keeps an existing file unless overwrite was asked for.
    await writeFile(file.file, `${file.initFile.value}\n`, { flag: file.initFile.overwrite ? 'w' : 'wx' })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EEXIST') log('warn', `track_file ${file.name}: cannot initialise ${file.file}: ${(e as Error).message}`)
  }
}
