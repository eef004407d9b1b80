/**
 * The structs of Linux <netinet/in.h> and <sys/socket.h> that the IPv6 VRRP
 * socket needs, as bytes (pure: no system calls). Host byte order except the
 * port and the addresses; x86-64/aarch64 layout (64-bit size_t).
 */
import { formatIpv6, parseIpv6 } from '../protocol/index.js'

export const AF_INET6 = 10
export const IPPROTO_IPV6 = 41
export const IPV6_CHECKSUM = 7
export const IPV6_UNICAST_HOPS = 16
export const IPV6_MULTICAST_IF = 17
export const IPV6_MULTICAST_HOPS = 18
export const IPV6_MULTICAST_LOOP = 19
export const IPV6_JOIN_GROUP = 20
export const IPV6_MULTICAST_ALL = 29
export const IPV6_RECVPKTINFO = 49
export const IPV6_PKTINFO = 50
export const IPV6_RECVHOPLIMIT = 51
export const IPV6_HOPLIMIT = 52
export const IPV6_TCLASS = 67
export const SOCK_NONBLOCK = 0o4000
export const MSG_DONTWAIT = 0x40
export const EAGAIN = 11

/** sizeof(struct sockaddr_in6) */
export const SOCKADDR_IN6_SIZE = 28
/** sizeof(struct cmsghdr): size_t len; int level; int type. */
const CMSGHDR_SIZE = 16
/** sizeof(struct in6_pktinfo): in6_addr + int ifindex. */
const IN6_PKTINFO_SIZE = 20

const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function writeU32(buf: Buffer, value: number, at: number): void {
  if (le) buf.writeUInt32LE(value, at)
  else buf.writeUInt32BE(value, at)
}
function readU32(buf: Buffer, at: number): number {
  return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at)
}
function writeU64(buf: Buffer, value: number, at: number): void {
  if (le) buf.writeBigUInt64LE(BigInt(value), at)
  else buf.writeBigUInt64BE(BigInt(value), at)
}
function readU64(buf: Buffer, at: number): number {
  return Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at))
}

/** A setsockopt int. */
export function intOption(value: number): Buffer {
  const b = Buffer.alloc(4)
  writeU32(b, value >>> 0, 0)
  return b
}

function ipv6(text: string): Buffer {
  const bytes = parseIpv6(text)
  if (!bytes) throw new TypeError(`not an IPv6 address: ${text}`)
  return bytes
}

/**
 * struct sockaddr_in6 { u16 family; be16 port; be32 flowinfo; in6_addr addr; u32 scope_id }.
 * `scopeId` (the ifindex) is what picks the link for link-local and ff02:: addresses.
 */
export function sockaddrIn6(address: string, scopeId = 0): Buffer {
  const b = Buffer.alloc(SOCKADDR_IN6_SIZE)
  if (le) b.writeUInt16LE(AF_INET6, 0)
  else b.writeUInt16BE(AF_INET6, 0)
  ipv6(address).copy(b, 8)
  writeU32(b, scopeId, 24)
  return b
}

/** The address of a sockaddr_in6 as text. */
export function sockaddrIn6Address(b: Buffer): string {
  return formatIpv6(b, 8)
}

/** struct ipv6_mreq { in6_addr multiaddr; int ifindex } for IPV6_JOIN_GROUP. */
export function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20)
  ipv6(group).copy(b, 0)
  writeU32(b, ifindex, 16)
  return b
}

/** struct iovec { void *base; size_t len } for one buffer whose address is `address`. */
export function iovec(address: bigint, length: number): Buffer {
  const b = Buffer.alloc(16)
  if (le) b.writeBigUInt64LE(address, 0)
  else b.writeBigUInt64BE(address, 0)
  writeU64(b, length, 8)
  return b
}

/** One control message carrying IPV6_PKTINFO: send from `source` out of `ifindex`. */
export function pktinfoCmsg(source: string, ifindex: number): Buffer {
  const b = Buffer.alloc(CMSGHDR_SIZE + 24) // CMSG_SPACE(20): the data padded to 8
  writeU64(b, CMSGHDR_SIZE + IN6_PKTINFO_SIZE, 0)
  writeU32(b, IPPROTO_IPV6, 8)
  writeU32(b, IPV6_PKTINFO, 12)
  ipv6(source).copy(b, CMSGHDR_SIZE)
  writeU32(b, ifindex, CMSGHDR_SIZE + 16)
  return b
}

/** What the kernel told us about a received packet (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT). */
export interface ReceivedAncillary {
  destination?: string
  ifindex?: number
  hopLimit?: number
}

/** Walks the control messages of a recvmsg (the first `length` bytes of `control`). */
export function parseAncillary(control: Buffer, length: number): ReceivedAncillary {
  const out: ReceivedAncillary = {}
  let at = 0
  while (at + CMSGHDR_SIZE <= length) {
    const len = readU64(control, at)
    if (len < CMSGHDR_SIZE || at + len > length) break
    const level = readU32(control, at + 8)
    const type = readU32(control, at + 12)
    const data = at + CMSGHDR_SIZE
    if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO && len >= CMSGHDR_SIZE + IN6_PKTINFO_SIZE) {
      out.destination = formatIpv6(control, data)
      out.ifindex = readU32(control, data + 16)
    } else if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT && len >= CMSGHDR_SIZE + 4) {
      out.hopLimit = readU32(control, data)
    }
    at += (len + 7) & ~7 // CMSG_ALIGN
  }
  return out
}
