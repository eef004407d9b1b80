/**
 * One NETLINK_ROUTE socket for requests answered by the kernel's ack: the socket,
 * the send, the ack-wait and the ack parser, shared by the VIP requests
 * (src/io/netlink-addresses.ts), routes and rules (netlink-routes.ts) and the
 * VMAC links (vmac-links.ts). The kernel handles a request inside sendto(2), so
 * the ack is normally read at once; a short non-blocking poll covers a delay
 * without blocking the loop. Errors are returned, never thrown.
 */
import { endianness } from 'node:os'
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import { NLMSG_HDRLEN, align4, putU16, putU32 } from './netlink-encode.js'

const AF_NETLINK = 16
const NETLINK_ROUTE = 0
const MSG_DONTWAIT = 0x40
const EAGAIN = 11
const SOL_NETLINK = 270
const NETLINK_CAP_ACK = 10
const NETLINK_EXT_ACK = 11
const NLMSG_ERROR = 2
const NLM_F_CAPPED = 0x100
const NLM_F_ACK_TLVS = 0x200
const NLMSGERR_ATTR_MSG = 1
const ACK_TIMEOUT_MS = 1000

const LE = endianness() === 'LE'

/** struct sockaddr_nl to the kernel (nl_pid 0, no groups). */
export function sockaddrNl(): Buffer {
  const b = Buffer.alloc(12)
  putU16(b, AF_NETLINK, 0)
  return b
}

/** One NLMSG_ERROR answer: `error` is the negative errno (0 = ack); `message` the kernel's extended-ack text, if any. */
export interface Ack {
  seq: number
  error: number
  message?: string
}

/** NLMSGERR_ATTR_MSG from the extended-ack TLVs in `tlvs`, if there. */
function extAckMessage(tlvs: Buffer): string | undefined {
  let at = 0
  while (at + 4 <= tlvs.length) {
    const len = LE ? tlvs.readUInt16LE(at) : tlvs.readUInt16BE(at)
    const type = (LE ? tlvs.readUInt16LE(at + 2) : tlvs.readUInt16BE(at + 2)) & 0x3fff
    if (len < 4 || at + len > tlvs.length) return undefined
    if (type === NLMSGERR_ATTR_MSG) return tlvs.toString('utf8', at + 4, at + len).replace(/\0.*$/s, '') || undefined
    at += align4(len)
  }
  return undefined
}

/**
 * The NLMSG_ERROR answers in a received datagram, with the extended-ack
 * message when the kernel sent one (NLM_F_ACK_TLVS). Other messages and
 * truncated bytes are skipped.
 */
export function parseAcks(buf: Buffer): Ack[] {
  const acks: Ack[] = []
  let at = 0
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = LE ? buf.readUInt32LE(at) : buf.readUInt32BE(at)
    if (len < NLMSG_HDRLEN || at + len > buf.length) break
    const type = LE ? buf.readUInt16LE(at + 4) : buf.readUInt16BE(at + 4)
    if (type === NLMSG_ERROR && len >= NLMSG_HDRLEN + 4) {
      const seq = LE ? buf.readUInt32LE(at + 8) : buf.readUInt32BE(at + 8)
      const flags = LE ? buf.readUInt16LE(at + 6) : buf.readUInt16BE(at + 6)
      const error = LE ? buf.readInt32LE(at + NLMSG_HDRLEN) : buf.readInt32BE(at + NLMSG_HDRLEN)
      const ack: Ack = { seq, error }
      const inner = at + NLMSG_HDRLEN + 4
      if (flags & NLM_F_ACK_TLVS && inner + NLMSG_HDRLEN <= at + len) {
        // The TLVs follow the echoed request: its header only when capped, else all of it.
        const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : LE ? buf.readUInt32LE(inner) : buf.readUInt32BE(inner)
        const message = extAckMessage(buf.subarray(inner + align4(echoed), at + len))
        if (message) ack.message = message
      }
      acks.push(ack)
    }
    at += align4(len)
  }
  return acks
}

/**
 * The kernel's answer: ok, or the errno (0 when the request never got an answer)
 * with iproute2's wording of it, and the kernel's extended-ack message if it sent one.
 */
export type NetlinkOutcome = { ok: true } | { ok: false; errno: number; error: string; message?: string }

export interface NetlinkChannel {
  /** The socket's libc, opening the socket if needed; a string says why it cannot be opened. */
  open(): Libc | string
  /**
   * Sends the request `build(seq)` makes (NLM_F_ACK set by the builder) and waits for
   * its ack; `what` names the request in a timeout ("RTM_NEWADDR"). A builder that
   * returns a string cannot make the request: nothing is sent, the string is the error.
   */
  request(build: (seq: number) => Buffer | string, what?: string): Promise<NetlinkOutcome>
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
      putU32(one, 1, 0)
      // As iproute2: the kernel's own words for a refusal, and no echo of the request. Best effort (old kernels lack them).
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4)
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4)
    }
    return libc
  }

  /** Reads whatever is queued; the ack for `want` if it is there, else undefined. */
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

  async function request(build: (seq: number) => Buffer | string, what?: string): Promise<NetlinkOutcome> {
    try {
      const c = open()
      if (typeof c === 'string') return { ok: false, errno: 0, error: c }
      seq = (seq + 1) >>> 0
      const mine = seq
      const bytes = build(mine)
      if (typeof bytes === 'string') return { ok: false, errno: 0, error: bytes }
      if (Number(c.sendto(fd, bytes, bytes.length, 0, dest, dest.length)) < 0) return { ok: false, errno: c.errno(), error: `sendto(netlink): ${c.strerror(c.errno())}` }
      const deadline = Date.now() + ACK_TIMEOUT_MS
      let ack = drain(c, mine)
      while (!ack && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1))
        ack = drain(c, mine)
      }
      if (!ack) return { ok: false, errno: 0, error: `no answer from the kernel${what ? ` to ${what}` : ''} within ${ACK_TIMEOUT_MS} ms` }
      if ('failed' in ack) return { ok: false, errno: 0, error: ack.failed }
      const errno = -ack.error
      if (errno === 0) return { ok: true }
      return { ok: false, errno, error: ack.message ? `Error: ${ack.message}` : `RTNETLINK answers: ${c.strerror(errno)}`, ...(ack.message ? { message: ack.message } : {}) }
    } catch (error) {
      return { ok: false, errno: 0, error: (error as Error).message }
    }
  }

  return {
    open,
    request,
    close() {
      if (fd >= 0 && libc && !(libc instanceof Error)) libc.close(fd)
      fd = -1
    },
  }
}
