/**
 * raw-socket opens its socket without SOCK_CLOEXEC, so every process vrrpd
 * starts afterwards (notify and track scripts, `ip`) inherits the VRRP socket:
 * a script could read and send VRRP, and the socket outlives its close() in
 * vrrpd while a child holds it, keeping its multicast membership (a reload to
 * another vrrp_mcast_group4 would stay in the old group). keepalived opens its
 * sockets with SOCK_CLOEXEC. This marks the socket raw-socket just opened.
 */
import { readdirSync, readlinkSync } from 'node:fs'
import { loadLibc } from './libc.js'

const F_GETFD = 1
const F_SETFD = 2
const FD_CLOEXEC = 1

function socketFds(): Set<number> {
  const fds = new Set<number>()
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`).startsWith('socket:')) fds.add(Number(name))
    } catch {
      // closed meanwhile (the fd of readdir itself)
    }
  }
  return fds
}

/**
 * Runs `open` (which creates one socket synchronously) and sets close-on-exec on
 * the socket descriptor(s) it created. Returns what `open` returned; when the
 * descriptor cannot be found or marked, the socket still works (only children
 * inherit it), and `warn` says why.
 */
export function openCloseOnExec<T>(open: () => T, warn: (message: string) => void = () => {}): T {
  let before: Set<number>
  try {
    before = socketFds()
  } catch (error) {
    warn(`cannot list /proc/self/fd: ${(error as Error).message}`)
    return open()
  }
  const value = open()
  const libc = loadLibc()
  if (libc instanceof Error) {
    warn(libc.message)
    return value
  }
  for (const fd of socketFds()) {
    if (before.has(fd)) continue
    const flags = libc.fcntl(fd, F_GETFD, 0)
    if (flags < 0 || libc.fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) warn(`cannot set close-on-exec on fd ${fd}: ${libc.strerror(libc.errno())}`)
  }
  return value
}
