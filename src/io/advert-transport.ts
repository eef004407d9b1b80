/**
 * VRRP's wire: one raw IP protocol-112 socket per interface (IPv4), opened
 * through libc (koffi) like the IPv6 one (ipv6-transport.ts).
 *
 * We write our own IPv4 header (IP_HDRINCL) because RFC 9568 5.1.1 fixes the
 * fields a plain raw socket would not let us choose per packet: TTL 255, the
 * source (the interface's primary address, or mcast_src_ip / unicast_src_ip),
 * and TOS 0xc0 (internetwork control, as keepalived sends). The socket is bound
 * to its device (SO_BINDTODEVICE) so adverts on another interface never reach
 * this one, joins the group on that interface (multicast mode only), turns
 * multicast loopback off so our own adverts do not come back to us, and is
 * close-on-exec so scripts do not inherit it.
 *
 * Receive: the process's shared poller (fd-poller.ts) says when the socket is
 * readable; we then read with recv(MSG_DONTWAIT) into one buffer allocated
 * once, until EAGAIN or a bound per wake-up, and hand each packet to the
 * listeners in one packet object reused for every packet. Under a flood one
 * wake-up reads many packets, and reading one allocates almost nothing (issue
 * 12: the old raw-socket path made ~1 KB of garbage per packet, and V8 grew
 * its heap for it; issue 9: one JS callback per packet). A read error other
 * than EAGAIN closes the socket and opens a new one a second later.
 *
 * Filtering is the daemon's (src/daemon/receive.ts): packets from our own
 * addresses (ownAdvert), from non-peers (unicastSource) or to the wrong kind of
 * destination (notForUs). The transport only drops what is not an IPv4 packet
 * at all, and counts it in `stats.malformed`.
 */
import { isIPv4 } from 'node:net'
import { buildIpv4Header, VRRP_IP_PROTOCOL, VRRP_IPV4_TOS, VRRP_TTL } from '../protocol/index.js'
import { silentLog, type IoLog } from './io-log.js'
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import { sharedPoller, type FdPoller } from './fd-poller.js'
import type { AdvertTransport, ReceivedPacket, TransportOptions } from './ports.js'
import { EAGAIN, intOption, MSG_DONTWAIT, SOCK_NONBLOCK } from './ipv6-socket.js'
import {
  AF_INET,
  deviceName,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  ipMreqn,
  ipv4HeaderLength,
  ipv4TotalLength,
  Ipv4TextCache,
  ReceiveBuffer,
  SO_BINDTODEVICE,
  sockaddrIn,
  SOCKADDR_IN_SIZE,
  SOL_SOCKET,
} from './ipv4-socket.js'

export { Ipv4TextCache } from './ipv4-socket.js'

/** After the socket is lost (a read error closes it), wait this long before reopening. */
const REOPEN_DELAY_MS = 1000
/** The size raw-socket read into, kept: the largest VRRP packet (v2, 255 addresses) is ~1.1 KB. */
const RECEIVE_BUFFER = 4096
/** At most this many packets read per wake-up, so one flooded socket cannot hold the loop. */
const MAX_READS_PER_WAKE = 64
/** A send that finds the socket buffer full is tried again this often, then reported. */
const SEND_RETRY_MS = 10
const SEND_RETRIES = 3
const EINTR = 4

export interface AdvertTransportOptions extends TransportOptions {
  /** The interface's index, for the multicast membership and outgoing interface. */
  ifindex: number
  log?: IoLog
}

export interface AdvertTransportStats {
  sent: number
  sendErrors: number
  received: number
  /** Received buffers that were not a readable IPv4 packet. */
  malformed: number
  receiveErrors: number
}

/** A raw-socket transport (this one or the IPv6 one): the port plus counters for the stats file. */
export interface RawAdvertTransport extends AdvertTransport {
  readonly stats: Readonly<AdvertTransportStats>
}

/** What the transport needs from outside; tests pass fakes. */
export interface AdvertTransportDeps {
  libc?: Libc | Error
  poller?: FdPoller
}

/** Where the source address sits in an IPv4 header (RFC 791 3.1); the destination follows. */
const IPV4_SOURCE_OFFSET = 12
const IPV4_DESTINATION_OFFSET = 16
const IPV4_TTL_OFFSET = 8

/**
 * Opens the transport for one interface. Throws an Error with a readable
 * message when the socket cannot be set up (not root, no such interface, no koffi).
 */
export function openAdvertTransport(opts: AdvertTransportOptions, deps: AdvertTransportDeps = {}): RawAdvertTransport {
  if (opts.family !== 4) {
    throw new Error(`VRRP over IPv6 is not supported by this transport (interface ${opts.interface})`)
  }
  const log = opts.log ?? silentLog
  const loaded = deps.libc ?? loadLibc()
  if (loaded instanceof Error) throw new Error(`Cannot open VRRP socket on ${opts.interface}: ${loaded.message}`)
  const libc: Libc = loaded
  const poller = deps.poller ?? sharedPoller(libc)
  const stats: AdvertTransportStats = { sent: 0, sendErrors: 0, received: 0, malformed: 0, receiveErrors: 0 }
  const listeners: ((packet: ReceivedPacket) => void)[] = []
  const errorText = (errno: number): string => `${libc.strerror(errno)} (errno ${errno})`
  let closed = false
  let reopenTimer: NodeJS.Timeout | undefined
  let fd = openSocket()

  function openSocket(): number {
    const s = libc.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IP_PROTOCOL)
    if (s < 0) throw new Error(`Cannot open VRRP socket on ${opts.interface}: ${errorText(libc.errno())}`)
    const set = (level: number, option: number, value: Buffer, what: string): void => {
      if (libc.setsockopt(s, level, option, value, value.length) >= 0) return
      const message = `${what}: ${errorText(libc.errno())}`
      libc.close(s)
      throw new Error(`Cannot set up VRRP socket on ${opts.interface}: ${message}`)
    }
    const mreqn = ipMreqn(opts.multicastGroup, opts.ifindex)
    set(SOL_SOCKET, SO_BINDTODEVICE, deviceName(opts.interface), 'SO_BINDTODEVICE')
    set(IPPROTO_IP, IP_HDRINCL, intOption(1), 'IP_HDRINCL')
    set(IPPROTO_IP, IP_MULTICAST_IF, mreqn, 'IP_MULTICAST_IF')
    set(IPPROTO_IP, IP_MULTICAST_TTL, intOption(VRRP_TTL), 'IP_MULTICAST_TTL')
    set(IPPROTO_IP, IP_MULTICAST_LOOP, intOption(0), 'IP_MULTICAST_LOOP')
    // Unicast mode neither sends to nor listens on the group (keepalived).
    if (opts.unicastPeers.length === 0) set(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, 'IP_ADD_MEMBERSHIP')
    poller.add(s, { onReadable: readAll })
    return s
  }

  /** The socket is gone (a read error): stop using it and open a new one after a pause. */
  function lose(errno: number): void {
    stats.receiveErrors++
    log.warn({ iface: opts.interface, error: libc.strerror(errno) }, `VRRP socket error on ${opts.interface}: ${errorText(errno)}; reopening`)
    poller.closeFd(fd)
    fd = -1
    scheduleReopen()
  }

  function scheduleReopen(): void {
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined
      if (closed) return
      try {
        fd = openSocket()
      } catch (error) {
        log.error({ iface: opts.interface, error: (error as Error).message }, `Cannot reopen VRRP socket on ${opts.interface}`)
        scheduleReopen()
      }
    }, REOPEN_DELAY_MS)
  }

  const buffer = new ReceiveBuffer(RECEIVE_BUFFER)
  const data = buffer.bytes
  const sourceText = new Ipv4TextCache()
  const destinationText = new Ipv4TextCache()
  // One packet object for every packet: listeners use it during the call only (ports.ts).
  const packet: ReceivedPacket = { interface: opts.interface, family: 4, source: '', destination: '', ttl: 0, payload: data.subarray(0, 0) }

  function readAll(): void {
    for (let i = 0; i < MAX_READS_PER_WAKE && fd >= 0 && !closed; i++) {
      const n = Number(libc.recv(fd, data, data.length, MSG_DONTWAIT))
      if (n < 0) {
        const errno = libc.errno()
        if (errno !== EAGAIN && errno !== EINTR) lose(errno)
        return
      }
      deliver(n)
    }
  }

  function deliver(n: number): void {
    const headerLength = ipv4HeaderLength(data, n)
    if (headerLength === 0) {
      stats.malformed++
      log.debug({ iface: opts.interface, bytes: n }, 'Dropping unreadable IPv4 packet')
      return
    }
    stats.received++
    packet.source = sourceText.format(data, IPV4_SOURCE_OFFSET)
    packet.destination = destinationText.format(data, IPV4_DESTINATION_OFFSET)
    packet.ttl = data[IPV4_TTL_OFFSET]!
    // Bytes past the total length are link padding, not payload.
    packet.payload = buffer.view(headerLength, ipv4TotalLength(data))
    for (const listener of listeners) {
      try {
        listener(packet)
      } catch (error) {
        log.error({ iface: opts.interface, error: String(error) }, 'Advert listener failed')
      }
    }
  }

  function fail(error: string): { ok: false; error: string } {
    stats.sendErrors++
    return { ok: false, error }
  }

  /** A full socket buffer: try again shortly, as raw-socket's send queue did, and report a failure later. */
  function retry(bytes: Buffer, to: Buffer, destination: string, triesLeft: number): void {
    setTimeout(() => {
      if (closed) return
      const sent = fd >= 0 ? Number(libc.sendto(fd, bytes, bytes.length, MSG_DONTWAIT, to, SOCKADDR_IN_SIZE)) : -1
      if (sent >= 0) return
      const errno = fd >= 0 ? libc.errno() : EAGAIN
      if (errno === EAGAIN && triesLeft > 1) return retry(bytes, to, destination, triesLeft - 1)
      stats.sendErrors++
      log.warn({ iface: opts.interface, error: libc.strerror(errno) }, `Advert to ${destination} on ${opts.interface} failed: ${errorText(errno)}`)
    }, SEND_RETRY_MS)
  }

  // The daemon sends the same payload Buffer while an advert is unchanged
  // (src/daemon/advert-payloads.ts): its IP packet (id 0, the kernel sets one) is the same too.
  const lastPacket = new WeakMap<Buffer, { source: string; destination: string; bytes: Buffer; to: Buffer }>()

  return {
    stats,
    send(payload, source, destination) {
      if (closed) return fail(`VRRP socket on ${opts.interface} is closed`)
      if (fd < 0) return fail(`VRRP socket on ${opts.interface} is being reopened`)
      let cached = lastPacket.get(payload)
      if (!cached || cached.source !== source || cached.destination !== destination) {
        if (!isIPv4(source) || !isIPv4(destination)) return fail(`not an IPv4 source/destination: ${source} -> ${destination}`)
        const header = buildIpv4Header({ source, destination, payloadLength: payload.length, ttl: VRRP_TTL, tos: VRRP_IPV4_TOS, protocol: VRRP_IP_PROTOCOL })
        cached = { source, destination, bytes: Buffer.concat([header, payload]), to: sockaddrIn(destination) }
        lastPacket.set(payload, cached)
      }
      const { bytes, to } = cached
      // sendto(2) now, so the caller learns of a failure (ENETDOWN, ENODEV...) at once.
      if (Number(libc.sendto(fd, bytes, bytes.length, MSG_DONTWAIT, to, SOCKADDR_IN_SIZE)) < 0) {
        const errno = libc.errno()
        if (errno !== EAGAIN) return fail(`send to ${destination} on ${opts.interface}: ${libc.strerror(errno)}`)
        retry(bytes, to, destination, SEND_RETRIES)
      }
      stats.sent++
      return { ok: true }
    },
    onPacket(listener) {
      listeners.push(listener)
    },
    close() {
      if (closed) return
      closed = true
      if (reopenTimer) clearTimeout(reopenTimer)
      if (fd >= 0) poller.closeFd(fd)
      fd = -1
    },
  }
}
