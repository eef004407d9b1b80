/**
 * The raw-socket 1.8 module (CommonJS, native, no types) seen through the few
 * calls we make, plus the socket option numbers and structs of Linux <netinet/in.h>.
 */
import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'

/** raw-socket's native handle: its `send` is a synchronous sendto(2) that throws on error. */
export interface RawSocketWrap {
  send(buffer: Buffer, offset: number, length: number, address: string, afterSend: (bytes: number) => void): void
}

/** raw-socket's Socket. `message` gives (buffer including the IPv4 header, source). */
export interface RawSocket extends EventEmitter {
  readonly wrap: RawSocketWrap
  send(
    buffer: Buffer,
    offset: number,
    length: number,
    address: string,
    afterSend: (error: Error | null, bytes: number) => void,
  ): RawSocket
  setOption(level: number, option: number, value: Buffer | number, length?: number): void
  close(): RawSocket
}

export interface RawSocketModule {
  createSocket(opts: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket
  AddressFamily: { IPv4: number; IPv6: number }
}

let loaded: RawSocketModule | Error | undefined

/** Loads raw-socket once; an Error (with the reason) when its native part cannot load. */
export function loadRawSocket(): RawSocketModule | Error {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('raw-socket') as RawSocketModule
    } catch (error) {
      loaded = new Error(`raw-socket could not be loaded: ${(error as Error).message}`)
    }
  }
  return loaded
}

/** Linux setsockopt levels and options (asm-generic/socket.h, linux/in.h). */
export const SOL_SOCKET = 1
export const SO_BINDTODEVICE = 25
export const IPPROTO_IP = 0
export const IP_HDRINCL = 3
export const IP_MULTICAST_IF = 32
export const IP_MULTICAST_TTL = 33
export const IP_MULTICAST_LOOP = 34
export const IP_ADD_MEMBERSHIP = 35

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
  if (isLittleEndian()) buf.writeInt32LE(ifindex, 8)
  else buf.writeInt32BE(ifindex, 8)
  return buf
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
}
