/**
 * Files vrrpd creates as root (the pid file, the keepalived.data/.stats/.json
 * dumps, the notify FIFO, the control socket), created so that another user
 * cannot turn them into a write primitive:
 * - never through a symbolic link: a pre-planted link is refused, new files are
 *   created O_EXCL|O_NOFOLLOW under a random name and renamed into place (rename
 *   replaces a directory entry, it never follows one), as keepalived's
 *   fopen_safe() does with mkostemp();
 * - never into a directory another user can swap entries in (owned by someone
 *   else, or group/world-writable without the sticky bit);
 * - a path that exists and belongs to another user is refused with a message
 *   that says so, rather than silently replaced or used;
 * - modes given at creation (not after), no looser than keepalived's.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'

/** A refusal or failure, worded for the person reading the log. */
export class UnsafePathError extends Error {}

export type EntryKind = 'file' | 'fifo' | 'socket'

const KIND_TEST: Record<EntryKind, (s: Stats) => boolean> = {
  file: (s) => s.isFile(),
  fifo: (s) => s.isFIFO(),
  socket: (s) => s.isSocket(),
}

const KIND_NAME: Record<EntryKind, string> = { file: 'regular file', fifo: 'FIFO', socket: 'socket' }

function ourUid(): number {
  return process.getuid?.() ?? 0
}

/** Owners we trust: ourselves and root (plus any the caller names, e.g. a FIFO's script user). */
function trusted(uid: number, extra: number[] = []): boolean {
  return uid === ourUid() || uid === 0 || extra.includes(uid)
}

function describeLink(path: string): string {
  try {
    return ` to ${readlinkSync(path)}`
  } catch {
    return ''
  }
}

/**
 * The entry at `path`, not followed: undefined when absent; an error when it is
 * a symlink, not a `kind`, or owned by an untrusted user.
 */
export function checkEntry(path: string, kind: EntryKind, what: string, extraOwners: number[] = []): Stats | undefined {
  let st: Stats
  try {
    st = lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UnsafePathError(`cannot check ${what} ${path}: ${(err as Error).message}`)
  }
  if (st.isSymbolicLink()) throw new UnsafePathError(`refusing ${what} ${path}: it is a symbolic link${describeLink(path)}; vrrpd never writes through links (remove it if it is yours)`)
  if (!KIND_TEST[kind](st)) throw new UnsafePathError(`refusing ${what} ${path}: it exists and is not a ${KIND_NAME[kind]}`)
  if (!trusted(st.uid, extraOwners)) throw new UnsafePathError(`refusing ${what} ${path}: it is owned by uid ${st.uid}, not by root or vrrpd (uid ${ourUid()}); remove it if it is legitimate`)
  return st
}

/**
 * `dir` must be a real directory (not a link) that only trusted users can change
 * entries in: owned by root or us, and not group/world-writable unless sticky
 * (/tmp is fine: in a sticky directory others cannot rename or remove our files).
 */
export function checkDirectory(dir: string, what: string): void {
  let st: Stats
  try {
    st = lstatSync(dir)
  } catch (err) {
    throw new UnsafePathError(`cannot use directory ${dir} for ${what}: ${(err as Error).message}`)
  }
  if (st.isSymbolicLink()) {
    // A link owned by root (e.g. /var/run -> /run) is the administrator's; follow it once and check the target.
    if (st.uid !== 0) throw new UnsafePathError(`refusing directory ${dir} for ${what}: it is a symbolic link owned by uid ${st.uid}`)
    st = statDir(dir, what)
  }
  if (!st.isDirectory()) throw new UnsafePathError(`refusing directory ${dir} for ${what}: not a directory`)
  if (!trusted(st.uid)) throw new UnsafePathError(`refusing directory ${dir} for ${what}: it is owned by uid ${st.uid}, who could swap its entries`)
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    throw new UnsafePathError(`refusing directory ${dir} for ${what}: writable by other users without the sticky bit (mode ${(st.mode & 0o7777).toString(8)})`)
  }
}

function statDir(dir: string, what: string): Stats {
  try {
    // lstat on "dir/." resolves the link itself but not beyond the directory.
    return lstatSync(`${dir}/.`)
  } catch (err) {
    throw new UnsafePathError(`cannot use directory ${dir} for ${what}: ${(err as Error).message}`)
  }
}

/** mkdir -p `dir` (new directories get `mode`), then {@link checkDirectory}. */
export function ensureDirectory(dir: string, what: string, mode = 0o755): void {
  try {
    mkdirSync(dir, { recursive: true, mode })
  } catch (err) {
    throw new UnsafePathError(`cannot create directory ${dir} for ${what}: ${(err as Error).message}`)
  }
  checkDirectory(dir, what)
}

const O_NOFOLLOW = constants.O_NOFOLLOW
const O_CLOEXEC = 0o2000000

/**
 * Writes `data` to `path` atomically with `mode`: a fresh temporary beside it
 * (O_CREAT|O_EXCL|O_NOFOLLOW, random name: nothing pre-planted can be there),
 * renamed over `path`. An existing `path` must be a regular file of a trusted owner.
 */
export function writeFileSafely(path: string, data: string | Buffer, mode: number, what: string): void {
  checkDirectory(dirname(path), what)
  checkEntry(path, 'file', what)
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  let fd: number
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
  } catch (err) {
    throw new UnsafePathError(`cannot create ${what} ${tmp}: ${(err as Error).message}`)
  }
  try {
    fchmodSync(fd, mode) // the umask may have taken bits away; never adds any beyond `mode`
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off)
    closeSync(fd)
    renameSync(tmp, path)
  } catch (err) {
    try {
      closeSync(fd)
    } catch {
      // closed already
    }
    try {
      unlinkSync(tmp)
    } catch {
      // gone
    }
    throw new UnsafePathError(`cannot write ${what} ${path}: ${(err as Error).message}`)
  }
}

/** Reads a regular file without following a link; undefined when absent. Refusals as {@link checkEntry}. */
export function readFileNoFollow(path: string, what: string): string | undefined {
  if (!checkEntry(path, 'file', what)) return undefined
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UnsafePathError(`cannot read ${what} ${path}: ${(err as Error).message}`)
  }
  try {
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}

/** Opens an existing FIFO without following links and checks what was opened (no lstat/open race). */
export function openFifoNoFollow(path: string, flags: number, what: string, extraOwners: number[] = []): number {
  let fd: number
  try {
    fd = openSync(path, flags | O_NOFOLLOW | O_CLOEXEC)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new UnsafePathError(`refusing ${what} ${path}: it is a symbolic link${describeLink(path)}`)
    throw new UnsafePathError(`cannot open ${what} ${path}: ${(err as Error).message}`)
  }
  const st = fstatSync(fd)
  const problem = !st.isFIFO() ? 'it is not a FIFO' : !trusted(st.uid, extraOwners) ? `it is owned by uid ${st.uid}, not by root or vrrpd` : undefined
  if (problem) {
    closeSync(fd)
    throw new UnsafePathError(`refusing ${what} ${path}: ${problem}`)
  }
  return fd
}
