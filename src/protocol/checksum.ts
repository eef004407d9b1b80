/**
 * The Internet checksum (RFC 1071) and the pseudo-headers that upper-layer
 * checksums cover: IPv4 (RFC 768 / RFC 9568 5.2.8) and IPv6 (RFC 8200 8.1).
 */
import { addressToBytes } from './address.js'
import { VRRP_IP_PROTOCOL } from './constants.js'

/**
 * RFC 1071: the one's complement of the one's complement sum of the 16-bit
 * words of `parts`, taken as one contiguous byte string (an odd-length part
 * shifts the next one's bytes, exactly as if they were concatenated). A message
 * whose checksum field is right sums, checksum included, to 0.
 */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0
  let odd = false
  for (const part of parts) {
    let i = 0
    const n = part.length
    if (odd && n > 0) {
      // the previous part ended mid-word: this byte is that word's low byte
      sum += part[0]!
      i = 1
      odd = false
    }
    for (; i + 1 < n; i += 2) sum += (part[i]! << 8) | part[i + 1]!
    if (i < n) {
      sum += part[i]! << 8
      odd = true
    }
  }
  // a double holds the sum exactly far beyond any packet; fold the carries in at the end
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000)
  return ~sum & 0xffff
}

function toBytes(address: string | Uint8Array, family: 4 | 6): Uint8Array {
  if (typeof address !== 'string') {
    if (address.length !== (family === 4 ? 4 : 16)) throw new RangeError(`an IPv${family} address has ${family === 4 ? 4 : 16} bytes, got ${address.length}`)
    return address
  }
  const bytes = addressToBytes(address, family)
  if (!bytes) throw new TypeError(`not an IPv${family} address: ${JSON.stringify(address)}`)
  return bytes
}

/**
 * IPv4 pseudo-header (12 bytes): source, destination, zero, protocol, upper-layer
 * length. Throws on an address that is not IPv4 (our own input, not wire input).
 */
export function ipv4PseudoHeader(source: string | Uint8Array, destination: string | Uint8Array, length: number, protocol: number = VRRP_IP_PROTOCOL): Buffer {
  const out = Buffer.alloc(12)
  out.set(toBytes(source, 4), 0)
  out.set(toBytes(destination, 4), 4)
  out[9] = protocol
  out.writeUInt16BE(length, 10)
  return out
}

/**
 * RFC 8200 8.1 IPv6 pseudo-header (40 bytes): source, destination, 32-bit
 * upper-layer length, 3 zero bytes, next header. Throws on an address that is
 * not IPv6.
 */
export function ipv6PseudoHeader(source: string | Uint8Array, destination: string | Uint8Array, length: number, nextHeader: number = VRRP_IP_PROTOCOL): Buffer {
  const out = Buffer.alloc(40)
  out.set(toBytes(source, 6), 0)
  out.set(toBytes(destination, 6), 16)
  out.writeUInt32BE(length, 32)
  out[39] = nextHeader
  return out
}
