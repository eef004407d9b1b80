/**
 * Gratuitous ARP sent by the daemon itself, as keepalived does, through one
 * AF_PACKET socket opened with libc via koffi (Node has no packet sockets).
 * A 42-byte frame (src/protocol buildGarp) is one sendto(2): no child process
 * per GARP as with `arping`.
 */
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import { buildGarp } from '../protocol/index.js'
import { silentLog, type IoLog } from './io-log.js'
import type { GarpSender } from './ports.js'

const AF_PACKET = 17
const ETH_P_ARP = 0x0806
const ARPHRD_ETHER = 1
/** sizeof(struct sockaddr_ll) */
const SOCKADDR_LL_SIZE = 20

type Outcome = { ok: true } | { ok: false; error: string }

function htons(n: number): number {
  return ((n & 0xff) << 8) | ((n >> 8) & 0xff)
}

/**
 * struct sockaddr_ll { u16 sll_family; be16 sll_protocol; i32 sll_ifindex;
 * u16 sll_hatype; u8 sll_pkttype; u8 sll_halen; u8 sll_addr[8]; } to the
 * Ethernet broadcast address. Host byte order except sll_protocol.
 */
export function sockaddrLl(ifindex: number): Buffer {
  const b = Buffer.alloc(SOCKADDR_LL_SIZE)
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
  if (le) {
    b.writeUInt16LE(AF_PACKET, 0)
    b.writeUInt16LE(htons(ETH_P_ARP), 2)
    b.writeInt32LE(ifindex, 4)
    b.writeUInt16LE(ARPHRD_ETHER, 8)
  } else {
    b.writeUInt16BE(AF_PACKET, 0)
    b.writeUInt16BE(ETH_P_ARP, 2)
    b.writeInt32BE(ifindex, 4)
    b.writeUInt16BE(ARPHRD_ETHER, 8)
  }
  b.writeUInt8(0, 10) // sll_pkttype: ignored when sending
  b.writeUInt8(6, 11) // sll_halen
  b.fill(0xff, 12, 18)
  return b
}

/**
 * Creates the daemon's GARP sender. The socket is opened on first use (so a
 * daemon with no IPv4 VIPs never needs one) and kept until `close()`. Failures,
 * including koffi not loading on this platform, are returned from `send`; the
 * reason is logged once.
 */
export function createGarpSender(opts: { log?: IoLog } = {}): GarpSender {
  const log = opts.log ?? silentLog
  let libc: Libc | Error | undefined
  let fd = -1
  let reported = false

  function unavailable(reason: string): Outcome {
    if (!reported) {
      reported = true
      log.error({ error: reason }, `Cannot send gratuitous ARP: ${reason}`)
    }
    return { ok: false, error: reason }
  }

  function lastError(c: Libc, what: string): string {
    const errno = c.errno()
    return `${what}: ${c.strerror(errno)} (errno ${errno})`
  }

  return {
    send(iface, address) {
      libc ??= loadLibc()
      if (libc instanceof Error) return unavailable(libc.message)
      let frame: Buffer
      try {
        frame = buildGarp(iface.mac, address)
      } catch (error) {
        return { ok: false, error: `gratuitous ARP for ${address} from ${iface.mac}: ${(error as Error).message}` }
      }
      if (fd < 0) {
        // Protocol 0: a send-only socket, so the kernel never queues received frames on it.
        fd = libc.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)
        if (fd < 0) return unavailable(lastError(libc, 'socket(AF_PACKET)'))
      }
      const addr = sockaddrLl(iface.index)
      const sent = Number(libc.sendto(fd, frame, frame.length, 0, addr, addr.length))
      if (sent < 0) return { ok: false, error: lastError(libc, `gratuitous ARP for ${address} on ${iface.name}`) }
      if (sent !== frame.length) return { ok: false, error: `gratuitous ARP for ${address} on ${iface.name}: sent ${sent} of ${frame.length} bytes` }
      return { ok: true }
    },
    close() {
      if (fd >= 0 && libc && !(libc instanceof Error)) libc.close(fd)
      fd = -1
    },
  }
}
