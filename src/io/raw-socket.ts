/**
 * The raw-socket 1.8 module (CommonJS, native, no types) seen through the few
 * calls the test helpers make (test/helpers/pair-injector.ts). vrrpd itself opens
 * its IPv4 socket through libc (advert-transport.ts).
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

// The option numbers and structs live in ipv4-socket.ts (the transport opens its
// socket through libc); re-exported for the test helpers that still send with raw-socket.
export { deviceName, IP_ADD_MEMBERSHIP, IP_HDRINCL, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL, IPPROTO_IP, ipMreqn, ipv4Bytes, SO_BINDTODEVICE, SOL_SOCKET } from './ipv4-socket.js'
