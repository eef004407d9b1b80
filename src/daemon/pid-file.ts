/**
 * The pid file: written at start, removed at stop. A pid file naming a live
 * process means another vrrpd runs with the same file: refuse to start, as
 * keepalived does ("daemon is already running"), instead of two daemons fighting
 * over the same VIPs.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

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
    const other = Number(readFileSync(path, 'utf8').trim())
    if (Number.isInteger(other) && other > 0 && other !== process.pid && isAlive(other)) {
      return { ok: false, error: `vrrpd is already running with pid ${other} (pid file ${path})` }
    }
  } catch {
    // no pid file: nobody else
  }
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${process.pid}\n`)
    return { ok: true }
  } catch (err) {
    return { ok: false, error: `cannot write pid file ${path}: ${(err as Error).message}` }
  }
}

export function releasePidFile(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === process.pid) unlinkSync(path)
  } catch {
    // already gone
  }
}
