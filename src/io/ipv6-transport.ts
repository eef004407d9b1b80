/**
 * VRRPv3 over IPv6 (RFC 9568): one raw IPv6 protocol-112 socket per interface,
 * opened through libc (koffi) like the IPv4 one. An IPv6 raw socket delivers no
 * header, so the hop limit and destination come as ancillary data (recvmsg).
 *
 * Receive: recvmsg with IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO, as keepalived
 * does, so every packet comes up with its hop limit and destination. A hop limit
 * other than 255 is then dropped and counted by the decoder (reason `ttl`, RFC
 * 9568 7.1) like any other bad packet, and unicast_peer's min_ttl/max_ttl can
 * be checked. (A BPF filter on the hop limit would drop in the kernel, unseen
 * and uncounted, and still leave the destination unknown; see docs/operations.md
 * "IPv6 receive path".) Readiness comes from the process's shared poller
 * (fd-poller.ts): a poll(2) on a koffi worker thread.
 *
 * Send: sendmsg to ff02::12 (or each unicast peer) with an IPV6_PKTINFO control
 * message naming the source (the interface's link-local address, RFC 9568
 * 5.1.2.1, or mcast_src_ip / unicast_src_ip) and the interface. The kernel fills
 * the VRRP checksum (IPV6_CHECKSUM at offset 6) and checks it on receive; the
 * hop limit is 255 for multicast and unicast (RFC 9568 5.1.2.3), the traffic
 * class 0xc0 (keepalived's). ff02::12 is joined on this interface only,
 * IPV6_MULTICAST_ALL is off, loopback is off and the socket is bound to the
 * device, so only this link's adverts arrive.
 */
import { isIPv6 } from 'node:net'
import { VRRP_IP_PROTOCOL, VRRP_TTL } from '../protocol/index.js'
import { silentLog, type IoLog } from './io-log.js'
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc, type MsgHdr } from './libc.js'
import { sharedPoller, type FdPoller } from './fd-poller.js'
import type { ReceivedPacket } from './ports.js'
import type { AdvertTransportOptions, AdvertTransportStats, RawAdvertTransport } from './advert-transport.js'
import { deviceName, SO_BINDTODEVICE, SOL_SOCKET } from './ipv4-socket.js'
import {
  AF_INET6,
  EAGAIN,
  intOption,
  iovec,
  IPPROTO_IPV6,
  IPV6_CHECKSUM,
  IPV6_JOIN_GROUP,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  ipv6Mreq,
  MSG_DONTWAIT,
  parseAncillary,
  pktinfoCmsg,
  SOCK_NONBLOCK,
  SOCKADDR_IN6_SIZE,
  sockaddrIn6,
  sockaddrIn6Address,
} from './ipv6-socket.js'

/** Offset of the checksum in a VRRPv3 message (RFC 9568 5.2.8). */
const VRRP_CHECKSUM_OFFSET = 6
/** keepalived's IPV6_TCLASS for adverts (CS6). */
const VRRP_IPV6_TCLASS = 0xc0
/** Largest VRRPv3 message: 8-byte header + 255 IPv6 addresses. */
const RECEIVE_BUFFER = 8 + 255 * 16
/** Enough for IPV6_PKTINFO and IPV6_HOPLIMIT (and anything else the kernel adds). */
const CONTROL_BUFFER = 256
/** At most this many packets read per readiness, so one flooded socket cannot hold the loop. */
const MAX_READS_PER_WAKE = 64

export interface Ipv6TransportDeps {
  libc?: Libc | Error
  poller?: FdPoller
}

/**
 * Opens the IPv6 transport for one interface. Throws an Error with a readable
 * message when the socket cannot be set up (not root, no koffi, bad interface).
 */
export function openIpv6Transport(opts: AdvertTransportOptions, deps: Ipv6TransportDeps = {}): RawAdvertTransport {
  const log = opts.log ?? silentLog
  const loaded = deps.libc ?? loadLibc()
  if (loaded instanceof Error) throw new Error(`Cannot open VRRP IPv6 socket on ${opts.interface}: ${loaded.message}`)
  const libc: Libc = loaded
  const stats: AdvertTransportStats = { sent: 0, sendErrors: 0, received: 0, malformed: 0, receiveErrors: 0 }
  const listeners: ((packet: ReceivedPacket) => void)[] = []
  const lastError = (what: string): string => {
    const errno = libc.errno()
    return `${what}: ${libc.strerror(errno)} (errno ${errno})`
  }

  const fd = libc.socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IP_PROTOCOL)
  if (fd < 0) throw new Error(`Cannot open VRRP IPv6 socket on ${opts.interface}: ${lastError('socket')}`)
  const set = (level: number, option: number, value: Buffer, what: string): void => {
    if (libc.setsockopt(fd, level, option, value, value.length) < 0) {
      const message = lastError(what)
      libc.close(fd)
      throw new Error(`Cannot set up VRRP IPv6 socket on ${opts.interface}: ${message}`)
    }
  }
  const dev = deviceName(opts.interface)
  set(SOL_SOCKET, SO_BINDTODEVICE, dev, 'SO_BINDTODEVICE')
  set(IPPROTO_IPV6, IPV6_CHECKSUM, intOption(VRRP_CHECKSUM_OFFSET), 'IPV6_CHECKSUM')
  set(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, intOption(1), 'IPV6_RECVHOPLIMIT')
  set(IPPROTO_IPV6, IPV6_RECVPKTINFO, intOption(1), 'IPV6_RECVPKTINFO')
  set(IPPROTO_IPV6, IPV6_MULTICAST_ALL, intOption(0), 'IPV6_MULTICAST_ALL')
  set(IPPROTO_IPV6, IPV6_MULTICAST_IF, intOption(opts.ifindex), 'IPV6_MULTICAST_IF')
  set(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, intOption(VRRP_TTL), 'IPV6_MULTICAST_HOPS')
  set(IPPROTO_IPV6, IPV6_UNICAST_HOPS, intOption(VRRP_TTL), 'IPV6_UNICAST_HOPS')
  set(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, intOption(0), 'IPV6_MULTICAST_LOOP')
  set(IPPROTO_IPV6, IPV6_TCLASS, intOption(VRRP_IPV6_TCLASS), 'IPV6_TCLASS')
  if (opts.unicastPeers.length === 0) set(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(opts.multicastGroup, opts.ifindex), 'IPV6_JOIN_GROUP')

  const data = Buffer.alloc(RECEIVE_BUFFER)
  const name = Buffer.alloc(SOCKADDR_IN6_SIZE)
  const control = Buffer.alloc(CONTROL_BUFFER)
  const dataIov = iovec(libc.address(data), data.length)
  const poller = deps.poller ?? sharedPoller(libc)
  let closed = false

  function readAll(): void {
    for (let i = 0; i < MAX_READS_PER_WAKE && !closed; i++) {
      const msg: MsgHdr = { msg_name: name, msg_namelen: name.length, msg_iov: dataIov, msg_iovlen: 1, msg_control: control, msg_controllen: control.length, msg_flags: 0 }
      const n = Number(libc.recvmsg(fd, msg, MSG_DONTWAIT))
      if (n < 0) {
        const errno = libc.errno()
        if (errno === EAGAIN) return
        stats.receiveErrors++
        log.warn({ iface: opts.interface, error: libc.strerror(errno) }, `VRRP IPv6 socket error on ${opts.interface}: ${libc.strerror(errno)}`)
        return
      }
      const anc = parseAncillary(control, msg.msg_controllen)
      if (anc.destination === undefined || msg.msg_namelen < SOCKADDR_IN6_SIZE) {
        stats.malformed++
        log.debug({ iface: opts.interface, bytes: n }, 'Dropping IPv6 packet without its addresses')
        continue
      }
      stats.received++
      const packet: ReceivedPacket = {
        interface: opts.interface,
        family: 6,
        source: sockaddrIn6Address(name),
        destination: anc.destination,
        // Always present with IPV6_RECVHOPLIMIT; 0 (dropped as a bad hop limit) if it ever is not.
        ttl: anc.hopLimit ?? 0,
        payload: Buffer.from(data.subarray(0, n)),
      }
      for (const listener of listeners) {
        try {
          listener(packet)
        } catch (error) {
          log.error({ iface: opts.interface, error: String(error) }, 'Advert listener failed')
        }
      }
    }
  }

  poller.add(fd, { onReadable: readAll })

  function fail(error: string): { ok: false; error: string } {
    stats.sendErrors++
    return { ok: false, error }
  }

  return {
    stats,
    send(payload, source, destination) {
      if (closed) return fail(`VRRP IPv6 socket on ${opts.interface} is closed`)
      if (!isIPv6(source) || !isIPv6(destination)) return fail(`not an IPv6 source/destination: ${source} -> ${destination}`)
      const to = sockaddrIn6(destination, opts.ifindex)
      const cmsg = pktinfoCmsg(source, opts.ifindex)
      const body = Buffer.from(payload)
      const msg: MsgHdr = { msg_name: to, msg_namelen: to.length, msg_iov: iovec(libc.address(body), body.length), msg_iovlen: 1, msg_control: cmsg, msg_controllen: cmsg.length, msg_flags: 0 }
      const sent = Number(libc.sendmsg(fd, msg, MSG_DONTWAIT))
      // Keep the payload alive until the call has returned (the iovec holds only its address).
      void body.length
      if (sent < 0) return fail(lastError(`send to ${destination} on ${opts.interface}`))
      stats.sent++
      return { ok: true }
    },
    onPacket(listener) {
      listeners.push(listener)
    },
    close() {
      if (closed) return
      closed = true
      poller.closeFd(fd)
    },
  }
}
