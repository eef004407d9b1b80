/**
 * One NETLINK_ROUTE request at a time, answered by the kernel's ack: the
 * socket, send and ack-wait of src/io/netlink-addresses.ts (whose ack parser
 * and sockaddr this reuses), for requests other modules build (the VMAC's
 * RTM_NEWLINK / RTM_DELLINK in src/io/vmac-links.ts). Errors are returned,
 * never thrown.
 */
import { endianness } from 'node:os'
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import { parseAcks, sockaddrNl, type Ack } from './netlink-addresses.js'

const AF_NETLINK = 16
const NETLINK_ROUTE = 0
const MSG_DONTWAIT = 0x40
const EAGAIN = 11
const SOL_NETLINK = 270
const NETLINK_CAP_ACK = 10
const NETLINK_EXT_ACK = 11
const ACK_TIMEOUT_MS = 1000

/** The kernel's answer: ok, or the errno with iproute2's wording of it. */
export type NetlinkOutcome = { ok: true } | { ok: false; errno: number; error: string }

export interface NetlinkChannel {
  /** Sends the request `build(seq)` makes (NLM_F_ACK set by the builder) and waits for its ack. */
  request(build: (seq: number) => Buffer): Promise<NetlinkOutcome>
  close(): void
}

/** Opens the socket on first use; `libc` for tests (an Error: every request fails with it). */
export function createNetlinkChannel(opts: { libc?: Libc | Error } = {}): NetlinkChannel {
  let libc: Libc | Error | undefined = opts.libc
  let fd = -1
  let seq = Math.floor(Math.random() * 0x7fffffff)
  const rx = Buffer.alloc(16384)
  const dest = sockaddrNl()

  function open(): Libc | string {
    libc ??= loadLibc()
    if (libc instanceof Error) return libc.message
    if (fd < 0) {
      fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
      if (fd < 0) return `socket(AF_NETLINK): ${libc.strerror(libc.errno())}`
      const one = Buffer.alloc(4)
      if (endianness() === 'LE') one.writeUInt32LE(1)
      else one.writeUInt32BE(1)
      // The kernel's own words for a refusal and no echo of the request, as iproute2; best effort.
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4)
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4)
    }
    return libc
  }

  function drain(c: Libc, want: number): Ack | { failed: string } | undefined {
    for (;;) {
      const n = Number(c.recv(fd, rx, rx.length, MSG_DONTWAIT))
      if (n < 0) {
        const errno = c.errno()
        return errno === EAGAIN ? undefined : { failed: `recv(netlink): ${c.strerror(errno)}` }
      }
      const ack = parseAcks(rx.subarray(0, n)).find((a) => a.seq === want)
      if (ack) return ack
    }
  }

  async function request(build: (seq: number) => Buffer): Promise<NetlinkOutcome> {
    try {
      const c = open()
      if (typeof c === 'string') return { ok: false, errno: 0, error: c }
      seq = (seq + 1) >>> 0
      const mine = seq
      const bytes = build(mine)
      if (Number(c.sendto(fd, bytes, bytes.length, 0, dest, dest.length)) < 0) return { ok: false, errno: c.errno(), error: `sendto(netlink): ${c.strerror(c.errno())}` }
      // The kernel answers inside sendto; the poll only covers an unexpected delay, without blocking the loop.
      const deadline = Date.now() + ACK_TIMEOUT_MS
      let ack = drain(c, mine)
      while (!ack && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1))
        ack = drain(c, mine)
      }
      if (!ack) return { ok: false, errno: 0, error: `no answer from the kernel within ${ACK_TIMEOUT_MS} ms` }
      if ('failed' in ack) return { ok: false, errno: 0, error: ack.failed }
      const errno = -ack.error
      if (errno === 0) return { ok: true }
      return { ok: false, errno, error: ack.message ? `Error: ${ack.message}` : `RTNETLINK answers: ${c.strerror(errno)}` }
    } catch (error) {
      return { ok: false, errno: 0, error: (error as Error).message }
    }
  }

  return {
    request,
    close() {
      if (fd >= 0 && libc && !(libc instanceof Error)) libc.close(fd)
      fd = -1
    },
  }
}
