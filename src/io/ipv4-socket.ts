/**
 * The socket options and structs of Linux <netinet/in.h> and <sys/socket.h>
 * that the IPv4 VRRP socket needs, as bytes (pure: no system calls), and the
 * in-place reading of what a raw IPv4 socket delivers.
 */
import { formatIpv4 } from '../protocol/index.js'

/** Linux setsockopt levels and options (asm-generic/socket.h, linux/in.h). */
export const AF_INET = 2
export const SOL_SOCKET = 1
export const SO_BINDTODEVICE = 25
export const IPPROTO_IP = 0
export const IP_HDRINCL = 3
export const IP_MULTICAST_IF = 32
export const IP_MULTICAST_TTL = 33
export const IP_MULTICAST_LOOP = 34
export const IP_ADD_MEMBERSHIP = 35

/** sizeof(struct sockaddr_in) */
export const SOCKADDR_IN_SIZE = 16
/** An IPv4 header without options (RFC 791 3.1). */
const MIN_HEADER_LENGTH = 20

const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** An interface name as SO_BINDTODEVICE wants it: NUL-terminated. */
export function deviceName(name: string): Buffer {
  return Buffer.concat([Buffer.from(name, 'utf8'), Buffer.alloc(1)])
}

/** Dotted IPv4 text to its 4 network-order bytes. */
export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`not an IPv4 address: ${address}`)
  }
  return Buffer.from(parts)
}

/**
 * struct ip_mreqn { struct in_addr imr_multiaddr; struct in_addr imr_address; int imr_ifindex; }
 * (12 bytes; the index in host byte order). Used by IP_ADD_MEMBERSHIP and IP_MULTICAST_IF.
 */
export function ipMreqn(group: string, ifindex: number, local = '0.0.0.0'): Buffer {
  const buf = Buffer.alloc(12)
  ipv4Bytes(group).copy(buf, 0)
  ipv4Bytes(local).copy(buf, 4)
  if (le) buf.writeInt32LE(ifindex, 8)
  else buf.writeInt32BE(ifindex, 8)
  return buf
}

/** struct sockaddr_in { u16 family (host order); be16 port; in_addr addr; 8 bytes zero }. */
export function sockaddrIn(address: string): Buffer {
  const b = Buffer.alloc(SOCKADDR_IN_SIZE)
  if (le) b.writeUInt16LE(AF_INET, 0)
  else b.writeUInt16BE(AF_INET, 0)
  ipv4Bytes(address).copy(b, 4)
  return b
}

/**
 * The length of the IPv4 header at the start of the first `length` bytes of
 * `buf`, or 0 when they are not a readable IPv4 packet: shorter than a header,
 * not version 4, an IHL under 5, or a header or total length past what was
 * received. Read in place: the receive path calls it for every packet. (The
 * header checksum is the kernel's to check.)
 */
export function ipv4HeaderLength(buf: Uint8Array, length: number): number {
  if (length < MIN_HEADER_LENGTH || buf[0]! >> 4 !== 4) return 0
  const headerLength = (buf[0]! & 0x0f) * 4
  const totalLength = (buf[2]! << 8) | buf[3]!
  if (headerLength < MIN_HEADER_LENGTH || totalLength < headerLength || totalLength > length) return 0
  return headerLength
}

/** The total length field of an IPv4 header (what follows it up to there is the payload; the rest is padding). */
export function ipv4TotalLength(buf: Uint8Array): number {
  return (buf[2]! << 8) | buf[3]!
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

/**
 * Views of one receive buffer, made once per length: a packet's payload is
 * handed to listeners as a Buffer, and a new view per packet was garbage V8
 * had to collect under a flood (issue 12). Views that start right after a
 * 20-byte header (every advert: no IP options) are kept, one per length, at
 * most the buffer's size of them; any other start gets a fresh view.
 */
export class ReceiveBuffer {
  readonly bytes: Buffer
  readonly #views: (Buffer | undefined)[] = []

  constructor(size: number) {
    this.bytes = Buffer.alloc(size)
  }

  /** bytes[start, end) as a Buffer over the same memory (overwritten by the next read). */
  view(start: number, end: number): Buffer {
    if (start !== MIN_HEADER_LENGTH) return this.bytes.subarray(start, end)
    return (this.#views[end - start] ??= this.bytes.subarray(start, end))
  }
}
