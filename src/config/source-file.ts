/**
 * Opening one config file safely. keepalived reads only regular, non-executable
 * files ("Configuration file '/dev/zero' is not a regular non-executable file -
 * skipping"), and so do we: checked with stat before the open (a device is never
 * opened), then opened O_NONBLOCK (a FIFO cannot block the
 * open) and checked with fstat on the open descriptor (no swap between the check
 * and the read), and its size is bounded before anything is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs'

export type OpenResult =
  | { ok: true; text: string; real: string; size: number }
  | { ok: false; reason: 'missing' | 'directory' | 'not-regular' | 'too-big' | 'unreadable'; message: string }

/** Reads `path` if it is a regular, non-executable file of at most `maxSize` bytes. */
export function readConfigSource(path: string, maxSize: number): OpenResult {
  // stat first, as keepalived: a device is never even opened (opening some has effects).
  try {
    const refused = refuse(statSync(path), maxSize)
    if (refused) return refused
  } catch {
    // Reported by the open below.
  }
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: 'no such file' }
    if (code === 'EISDIR') return { ok: false, reason: 'directory', message: 'is a directory' }
    return { ok: false, reason: 'unreadable', message: (e as Error).message }
  }
  try {
    const st = fstatSync(fd)
    const refused = refuse(st, maxSize)
    if (refused) return refused
    // Read at most maxSize + 1 bytes: a file that grows under us is still bounded.
    const buf = Buffer.alloc(Math.min(st.size, maxSize) + 1)
    let n = 0
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null)
      if (got === 0) break
      n += got
      if (n === buf.length) break
    }
    if (n > maxSize) return { ok: false, reason: 'too-big', message: `is larger than ${maxSize} bytes` }
    return { ok: true, text: buf.toString('utf8', 0, n), real: realpathSync(path), size: n }
  } catch (e) {
    return { ok: false, reason: 'unreadable', message: (e as Error).message }
  } finally {
    closeSync(fd)
  }
}

function refuse(st: Stats, maxSize: number): OpenResult | undefined {
  if (st.isDirectory()) return { ok: false, reason: 'directory', message: 'is a directory' }
  if (!st.isFile() || (st.mode & 0o111) !== 0) return { ok: false, reason: 'not-regular', message: 'is not a regular non-executable file' }
  if (st.size > maxSize) return { ok: false, reason: 'too-big', message: `is larger than ${maxSize} bytes` }
  return undefined
}
