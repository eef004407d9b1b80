/**
 * Readiness for file descriptors Node cannot watch itself (a raw IPv6 socket
 * opened through libc): one poll(2) at a time, run off the event loop with
 * koffi's async call, over every watched fd plus an eventfd that wakes it when
 * the set changes. The callbacks run on the event loop; they read with
 * MSG_DONTWAIT until EAGAIN.
 *
 * One poller serves the whole process, so any number of sockets hold one koffi
 * worker thread (koffi has about as many as cores; one blocked call each would
 * starve the others). An fd is only closed once the poll that may be using it
 * has returned, so its number is never reused under a running poll.
 */
import type { Libc } from './libc.js'

const POLLIN = 0x001
const POLLERR = 0x008
const POLLHUP = 0x010
const POLLNVAL = 0x020
/** sizeof(struct pollfd): int fd; short events; short revents. */
const POLLFD_SIZE = 8
const EFD_NONBLOCK = 0o4000
const EFD_CLOEXEC = 0o2000000
/**
 * A safety net only: changes to the set wake the poll at once through the
 * eventfd. Long, because each timeout wakes the idle daemon (issue 9's budget).
 */
const POLL_TIMEOUT_MS = 60_000

export interface Watch {
  /** Readable (or an error is pending: the reader learns which from recvmsg). */
  onReadable(): void
}

export interface FdPoller {
  /** Calls `watch.onReadable` whenever `fd` has something to read. */
  add(fd: number, watch: Watch): void
  /** Stops watching `fd` and closes it once no poll uses it any more. */
  closeFd(fd: number): void
  /** Number of fds watched (for tests). */
  readonly size: number
}

const pollers = new WeakMap<Libc, FdPoller>()

/** The process's poller for `libc` (created on first use). */
export function sharedPoller(libc: Libc): FdPoller {
  let poller = pollers.get(libc)
  if (!poller) pollers.set(libc, (poller = createFdPoller(libc)))
  return poller
}

export function createFdPoller(libc: Libc): FdPoller {
  const watches = new Map<number, Watch>()
  const toClose: number[] = []
  let running = false
  let wakeFd = -1
  const one = Buffer.alloc(8)
  one.writeBigUInt64LE(1n)
  const drain = Buffer.alloc(8)

  function wake(): void {
    if (running && wakeFd >= 0) libc.write(wakeFd, one, 8)
  }

  function closePending(): void {
    for (const fd of toClose.splice(0)) libc.close(fd)
  }

  // The pollfd set is rebuilt only when the watched fds change: under a flood
  // the poll is restarted per batch of packets, and a new set each time was garbage.
  let fds: number[] = []
  let set = Buffer.alloc(0)
  let stale = true

  function rebuild(): void {
    fds = [wakeFd, ...watches.keys()]
    set = Buffer.alloc(POLLFD_SIZE * fds.length)
    for (let i = 0; i < fds.length; i++) {
      set.writeInt32LE(fds[i]!, i * POLLFD_SIZE)
      set.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4)
    }
    stale = false
  }

  function next(): void {
    closePending()
    if (watches.size === 0) {
      running = false
      return
    }
    if (wakeFd < 0) wakeFd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)
    if (stale) rebuild()
    running = true
    libc.poll.async(set, fds.length, POLL_TIMEOUT_MS, onPolled)
  }

  function onPolled(error: unknown, ready: number): void {
    if (error || ready < 0) {
      // EINTR or a koffi failure: poll again rather than stop receiving.
      setTimeout(next, 10)
      return
    }
    for (let i = 0; i < fds.length; i++) {
      const at = i * POLLFD_SIZE + 6
      const revents = set.readInt16LE(at)
      if (revents === 0) continue
      set.writeInt16LE(0, at)
      const fd = fds[i]!
      if (fd === wakeFd) {
        libc.read(wakeFd, drain, 8)
        continue
      }
      if (revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) {
        const watch = watches.get(fd)
        if (!watch) continue
        try {
          watch.onReadable()
        } catch {
          // the reader reports its own errors; one bad callback must not stop the others
        }
      }
    }
    next()
  }

  return {
    add(fd, watch) {
      watches.set(fd, watch)
      stale = true
      if (running) wake()
      else next()
    },
    closeFd(fd) {
      watches.delete(fd)
      stale = true
      toClose.push(fd)
      if (running) wake()
      else closePending()
    },
    get size() {
      return watches.size
    },
  }
}
