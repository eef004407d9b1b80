/**
 * VRRP's wire: one raw IP protocol-112 socket per interface (IPv4).
 *
 * We write our own IPv4 header (IP_HDRINCL) because RFC 9568 5.1.1 fixes the
 * fields a plain raw socket would not let us choose per packet: TTL 255, the
 * source (the interface's primary address, or mcast_src_ip / unicast_src_ip),
 * and TOS 0xc0 (internetwork control, as keepalived sends). The socket is bound
 * to its device (SO_BINDTODEVICE) so adverts on another interface never reach
 * this one, joins the group on that interface, and turns multicast loopback off
 * so our own multicast adverts do not come back to us.
 *
 * Filtering is the daemon's (src/daemon/receive.ts): packets from our own
 * addresses (ownAdvert), from non-peers (unicastSource) or to the wrong kind of
 * destination (notForUs). The transport only drops what is not an IPv4 packet
 * at all, and counts it in `stats.malformed`.
 */
import { isIPv4 } from 'node:net'
import { buildIpv4Header, formatIpv4, parseIpv4Packet, VRRP_IP_PROTOCOL, VRRP_IPV4_TOS, VRRP_TTL } from '../protocol/index.js'
import { silentLog, type IoLog } from './io-log.js'
import { openCloseOnExec } from './cloexec.js'
import type { AdvertTransport, ReceivedPacket, TransportOptions } from './ports.js'
import {
  deviceName,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  ipMreqn,
  loadRawSocket,
  SO_BINDTODEVICE,
  SOL_SOCKET,
  type RawSocket,
} from './raw-socket.js'

/** After the socket is lost (a poll error closes it), wait this long before reopening. */
const REOPEN_DELAY_MS = 1000

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

/** Where the source address sits in an IPv4 header (RFC 791 3.1); the destination follows. */
const IPV4_SOURCE_OFFSET = 12

/** The raw-socket transport: the port plus counters for the stats file. */
export interface RawAdvertTransport extends AdvertTransport {
  readonly stats: Readonly<AdvertTransportStats>
}

/**
 * Opens the transport for one interface and family. Throws an Error with a
 * readable message when the socket cannot be set up (not root, no such
 * interface, raw-socket not loadable).
 */
export function openAdvertTransport(opts: AdvertTransportOptions): RawAdvertTransport {
  if (opts.family !== 4) {
    throw new Error(`VRRP over IPv6 is not supported yet (interface ${opts.interface})`)
  }
  const log = opts.log ?? silentLog
  const stats: AdvertTransportStats = { sent: 0, sendErrors: 0, received: 0, malformed: 0, receiveErrors: 0 }
  const listeners: ((packet: ReceivedPacket) => void)[] = []
  let closed = false
  let reopenTimer: NodeJS.Timeout | undefined
  let socket: RawSocket | undefined = openSocket()

  function openSocket(): RawSocket {
    const raw = loadRawSocket()
    if (raw instanceof Error) throw raw
    let s: RawSocket
    try {
      // Close-on-exec: scripts must not inherit the VRRP socket (src/io/cloexec.ts).
      s = openCloseOnExec(
        () => raw.createSocket({ protocol: VRRP_IP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4 }),
        (message) => log.warn({ iface: opts.interface }, `VRRP socket on ${opts.interface} is inherited by child processes: ${message}`),
      )
    } catch (error) {
      throw new Error(`Cannot open VRRP socket on ${opts.interface}: ${(error as Error).message}`)
    }
    try {
      const dev = deviceName(opts.interface)
      s.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length)
      s.setOption(IPPROTO_IP, IP_HDRINCL, 1)
      const mreqn = ipMreqn(opts.multicastGroup, opts.ifindex)
      s.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn, mreqn.length)
      s.setOption(IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL)
      s.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0)
      // Unicast mode neither sends to nor listens on the group (keepalived).
      if (opts.unicastPeers.length === 0) s.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, mreqn.length)
    } catch (error) {
      s.close()
      throw new Error(`Cannot set up VRRP socket on ${opts.interface}: ${(error as Error).message}`)
    }
    s.on('message', onMessage)
    s.on('error', (error: Error) => {
      stats.receiveErrors++
      log.warn({ iface: opts.interface, error: error.message }, `VRRP socket error on ${opts.interface}`)
    })
    s.on('close', () => {
      if (closed || socket !== s) return
      // raw-socket closes the socket itself after a poll error: open a new one.
      socket = undefined
      log.warn({ iface: opts.interface }, `VRRP socket on ${opts.interface} closed; reopening`)
      scheduleReopen()
    })
    return s
  }

  function scheduleReopen(): void {
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined
      if (closed) return
      try {
        socket = openSocket()
      } catch (error) {
        log.error({ iface: opts.interface, error: (error as Error).message }, `Cannot reopen VRRP socket on ${opts.interface}`)
        scheduleReopen()
      }
    }, REOPEN_DELAY_MS)
  }

  const sourceText = new Ipv4TextCache()
  const destinationText = new Ipv4TextCache()
  const addressText = (bytes: Uint8Array, offset: number): string => (offset === IPV4_SOURCE_OFFSET ? sourceText : destinationText).format(bytes, offset)

  function onMessage(buffer: Buffer): void {
    const parsed = parseIpv4Packet(buffer, addressText)
    if (!parsed.ok) {
      stats.malformed++
      log.debug({ iface: opts.interface, bytes: buffer.length }, 'Dropping unreadable IPv4 packet')
      return
    }
    stats.received++
    // raw-socket reuses its receive buffer, so the payload is only good during the
    // call (ports.ts): listeners copy what they keep. No copy per packet here.
    const packet: ReceivedPacket = {
      interface: opts.interface,
      family: 4,
      source: parsed.source,
      destination: parsed.destination,
      ttl: parsed.ttl,
      payload: parsed.payload,
    }
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

  // The daemon sends the same payload Buffer while an advert is unchanged
  // (src/daemon/advert-payloads.ts): its IP packet (id 0, the kernel sets one) is the same too.
  const lastPacket = new WeakMap<Buffer, { source: string; destination: string; bytes: Buffer }>()

  return {
    stats,
    send(payload, source, destination) {
      if (closed) return fail(`VRRP socket on ${opts.interface} is closed`)
      if (!socket) return fail(`VRRP socket on ${opts.interface} is being reopened`)
      let packet = lastPacket.get(payload)
      if (!packet || packet.source !== source || packet.destination !== destination) {
        if (!isIPv4(source) || !isIPv4(destination)) return fail(`not an IPv4 source/destination: ${source} -> ${destination}`)
        const header = buildIpv4Header({ source, destination, payloadLength: payload.length, ttl: VRRP_TTL, tos: VRRP_IPV4_TOS, protocol: VRRP_IP_PROTOCOL })
        packet = { source, destination, bytes: Buffer.concat([header, payload]) }
        lastPacket.set(payload, packet)
      }
      const { bytes } = packet
      try {
        // raw-socket's own send() queues and reports later; its native wrap.send is
        // sendto(2) right now, so the caller learns of a failure (ENETDOWN, ENODEV...).
        socket.wrap.send(bytes, 0, bytes.length, destination, () => undefined)
      } catch (error) {
        const message = (error as Error).message
        if (!/temporarily unavailable/i.test(message)) return fail(`send to ${destination} on ${opts.interface}: ${message}`)
        // A full socket buffer: let raw-socket send it when writable.
        socket.send(bytes, 0, bytes.length, destination, (err) => {
          if (!err) return
          stats.sendErrors++
          log.warn({ iface: opts.interface, error: err.message }, `Advert to ${destination} on ${opts.interface} failed`)
        })
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
      socket?.close()
      socket = undefined
    },
  }
}

/**
 * The dotted-quad text of the last address seen in one header field: the group
 * (or our unicast address) and a steady peer recur in every advert, so they are
 * formatted once. One entry only: a table would keep spoofed sources alive
 * across minor GCs, and V8 would promote them (issue 12, measured).
 */
export class Ipv4TextCache {
  #key = -1
  #text: string | undefined

  readonly format = (bytes: Uint8Array, offset: number): string => {
    const key = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!
    if (this.#text !== undefined && this.#key === key) return this.#text
    this.#key = key
    return (this.#text = formatIpv4(bytes, offset))
  }
}
