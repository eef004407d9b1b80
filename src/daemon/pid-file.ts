/**
 * The pid file: written at start, removed at stop. A pid file naming a live
 * process means another vrrpd runs with the same file: refuse to start, as
 * keepalived does ("daemon is already running"), instead of two daemons fighting
 * over the same VIPs.
 *
 * Written through src/io/safe-file.ts: a pid file planted as a symbolic link (or
 * owned by another user) in a world-writable directory is refused, never
 * written through. Mode 0644, as keepalived's.
 */
import { unlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { ensureDirectory, readFileNoFollow, UnsafePathError, writeFileSafely } from '../io/safe-file.js'

/** keepalived's pid file mode (pidfile.c): rw-r--r--. */
export const PID_FILE_MODE = 0o644

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function acquirePidFile(path: string): { ok: true } | { ok: false; error: string } {
  try {
    ensureDirectory(dirname(path), 'the pid file')
    const other = Number(readFileNoFollow(path, 'pid file')?.trim())
    if (Number.isInteger(other) && other > 0 && other !== process.pid && isAlive(other)) {
      return { ok: false, error: `vrrpd is already running with pid ${other} (pid file ${path})` }
    }
    writeFileSafely(path, `${process.pid}\n`, PID_FILE_MODE, 'pid file')
    return { ok: true }
  } catch (err) {
    if (err instanceof UnsafePathError) return { ok: false, error: err.message }
    return { ok: false, error: `cannot write pid file ${path}: ${(err as Error).message}` }
  }
}

export function releasePidFile(path: string): void {
  try {
    if (Number(readFileNoFollow(path, 'pid file')?.trim()) === process.pid) unlinkSync(path)
  } catch {
    // already gone, or no longer ours to remove
  }
}
