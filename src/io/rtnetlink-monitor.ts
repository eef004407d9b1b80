/**
 * The kernel's own account of links and addresses, in-process, as keepalived
 * keeps it: one NETLINK_ROUTE socket bound to RTMGRP_LINK, RTMGRP_IPV4_IFADDR and
 * RTMGRP_IPV6_IFADDR, filled by a link and an address dump when opened and kept
 * current by the events that follow.
 *
 * Readability without polling: the socket joins the process's one fd poller
 * (fd-poller.ts: a single poll(2) on a libuv pool thread over every fd Node cannot
 * watch itself, IPv6 advert sockets included), so an idle daemon is not woken at
 * all and only one pool thread is held however many sockets there are. When the
 * socket is readable the queue is read with MSG_DONTWAIT on the loop. A
 * receive-buffer overrun (ENOBUFS: events were lost) is answered by dumping
 * everything again.
 */
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import { sharedPoller, type FdPoller } from './fd-poller.js'
import { silentLog, type IoLog } from './io-log.js'
import type { InterfaceInfo } from './ports.js'
import { dumpEnds, dumpRequest, LinkTable, RTM_GETADDR, RTM_GETLINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK, type TableChange } from './rtnetlink-messages.js'
import { endianness } from 'node:os'

const AF_NETLINK = 16
const NETLINK_ROUTE = 0
const SOL_SOCKET = 1
const SO_RCVBUFFORCE = 33
const SO_RCVBUF = 8
const MSG_DONTWAIT = 0x40
const EAGAIN = 11
const EINTR = 4
const ENOBUFS = 105
/** Room for a burst of events (an interface with many addresses going away) before the kernel drops any. */
const RCVBUF_BYTES = 1 << 20
/** A dump is answered inside sendto/recv; this only bounds a kernel that is unexpectedly slow. */
const DUMP_TIMEOUT_MS = 2000

const LE = endianness() === 'LE'

export interface RtnetlinkMonitor {
  /** The interface called `name` as the kernel last reported it. */
  get(name: string): InterfaceInfo | undefined
  close(): void
}

export interface RtnetlinkMonitorOptions {
  /** Called on the loop with the interface names each batch of events touched. */
  onChange: (change: TableChange) => void
  log?: IoLog
  /** The fd poller to join (tests); the process's shared one by default. */
  poller?: FdPoller
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4)
  if (LE) b.writeInt32LE(value, 0)
  else b.writeInt32BE(value, 0)
  return b
}

/** struct sockaddr_nl { family, pad, pid 0 (the kernel picks), groups }. */
function sockaddrNl(groups: number): Buffer {
  const b = Buffer.alloc(12)
  if (LE) {
    b.writeUInt16LE(AF_NETLINK, 0)
    b.writeUInt32LE(groups, 8)
  } else {
    b.writeUInt16BE(AF_NETLINK, 0)
    b.writeUInt32BE(groups, 8)
  }
  return b
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Opens the monitor and reads the current state; an Error says why it cannot run (no koffi, no netlink). */
export function openRtnetlinkMonitor(opts: RtnetlinkMonitorOptions): RtnetlinkMonitor | Error {
  const libc = loadLibc()
  if (libc instanceof Error) return libc
  const log = opts.log ?? silentLog
  const c: Libc = libc
  const fail = (what: string) => new Error(`${what}: ${c.strerror(c.errno())}`)

  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
  if (fd < 0) return fail('socket(AF_NETLINK)')
  if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, int32(RCVBUF_BYTES), 4) < 0) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, int32(RCVBUF_BYTES), 4)
  const groups = sockaddrNl(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR)
  if (c.bind(fd, groups, groups.length) < 0) {
    const error = fail('bind(netlink)')
    c.close(fd)
    return error
  }
  const poller = opts.poller ?? sharedPoller(c)
  const table = new LinkTable()
  const rx = Buffer.alloc(1 << 16)
  const kernel = sockaddrNl(0)
  let seq = Math.floor(Math.random() * 0x7fffffff)
  let closed = false

  /** Reads one datagram without waiting: its length, 0 when none is queued, or -errno. */
  function receive(): number {
    const n = Number(c.recv(fd, rx, rx.length, MSG_DONTWAIT))
    if (n >= 0) return n === 0 ? -EAGAIN : n
    return -c.errno()
  }

  /** One dump, applied to the table; false if the kernel did not finish it. */
  function dump(type: typeof RTM_GETLINK | typeof RTM_GETADDR, change: TableChange): boolean {
    seq = (seq + 1) >>> 0
    const mine = seq
    const req = dumpRequest(type, mine)
    if (Number(c.sendto(fd, req, req.length, 0, kernel, kernel.length)) < 0) {
      log.warn({ error: c.strerror(c.errno()) }, `Netlink: cannot request a dump: ${c.strerror(c.errno())}`)
      return false
    }
    const deadline = Date.now() + DUMP_TIMEOUT_MS
    for (;;) {
      const n = receive()
      if (n > 0) {
        const datagram = rx.subarray(0, n)
        table.apply(datagram, change)
        if (dumpEnds(datagram).includes(mine)) return true
      } else if (n === -EAGAIN || n === -EINTR) {
        if (Date.now() > deadline) return false
        sleepSync(1)
      } else if (n === -ENOBUFS) {
        return false
      } else {
        return false
      }
    }
  }

  /** Forgets everything and reads it again; every name before and after counts as changed. */
  function resync(change: TableChange): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      table.clear()
      if (dump(RTM_GETLINK, change) && dump(RTM_GETADDR, change)) return
    }
    log.warn('Netlink: could not read the interfaces from the kernel')
  }

  function onReadable(): void {
    const change: TableChange = { names: new Set(), removed: [] }
    let lost = false
    for (;;) {
      const n = receive()
      if (n > 0) table.apply(rx.subarray(0, n), change)
      else if (n === -ENOBUFS) lost = true
      else if (n === -EINTR) continue
      else break
    }
    if (lost) {
      log.warn('Netlink: Receive buffer overrun on monitor socket; reading all interfaces again')
      const before = new Set(change.names)
      resync(change)
      for (const name of before) change.names.add(name)
    }
    if (change.names.size > 0) opts.onChange(change)
  }

  resync({ names: new Set(), removed: [] })
  poller.add(fd, {
    onReadable() {
      if (closed) return
      try {
        onReadable()
      } catch (err) {
        log.error({ error: String(err) }, 'Netlink: interface listener failed')
      }
    },
  })

  return {
    get: (name) => table.get(name),
    close() {
      if (closed) return
      closed = true
      // Closed by the poller once no poll(2) uses the descriptor any more.
      poller.closeFd(fd)
    },
  }
}
