/**
 * The IPv4 header (RFC 791 3.1) around an advert: built for sending through an
 * IP_HDRINCL raw socket, read on receive (Linux raw sockets deliver the IP
 * header first, total length in network order and counting the header).
 */
import { formatIpv4, parseIpv4 } from './address.js'
import { internetChecksum } from './checksum.js'
import { IPV4_HEADER_LENGTH, VRRP_IP_PROTOCOL, VRRP_IPV4_TOS, VRRP_TTL } from './constants.js'

/** Fields of an IPv4 header to build; the defaults are an advert's (RFC 9568 5.1.1). */
export interface Ipv4HeaderFields {
  source: string
  destination: string
  /** Bytes that follow the header (the VRRP message). */
  payloadLength: number
  /** Default 255 (RFC 9568 5.1.1.3). */
  ttl?: number
  /** Default 0xc0, internetwork control, as keepalived. */
  tos?: number
  /** Default 112, VRRP. */
  protocol?: number
  /** Identification; default 0, which Linux replaces with its own on IP_HDRINCL sockets. */
  id?: number
}

/**
 * Builds a 20-byte IPv4 header (no options, DF off and offset 0, as keepalived
 * sends) with its header checksum. Throws on an address that is not IPv4 or a
 * total length over 65535: those come from our configuration, not the wire.
 */
export function buildIpv4Header(fields: Ipv4HeaderFields): Buffer {
  const source = parseIpv4(fields.source)
  const destination = parseIpv4(fields.destination)
  if (!source) throw new TypeError(`not an IPv4 address: ${JSON.stringify(fields.source)}`)
  if (!destination) throw new TypeError(`not an IPv4 address: ${JSON.stringify(fields.destination)}`)
  const totalLength = IPV4_HEADER_LENGTH + fields.payloadLength
  if (!Number.isInteger(fields.payloadLength) || fields.payloadLength < 0 || totalLength > 0xffff) {
    throw new RangeError(`IPv4 payload length must be 0..${0xffff - IPV4_HEADER_LENGTH}, got ${fields.payloadLength}`)
  }
  const out = Buffer.alloc(IPV4_HEADER_LENGTH)
  out[0] = 0x45 // version 4, IHL 5 words
  out[1] = fields.tos ?? VRRP_IPV4_TOS
  out.writeUInt16BE(totalLength, 2)
  out.writeUInt16BE((fields.id ?? 0) & 0xffff, 4)
  // bytes 6-7: flags and fragment offset stay 0
  out[8] = fields.ttl ?? VRRP_TTL
  out[9] = fields.protocol ?? VRRP_IP_PROTOCOL
  out.set(source, 12)
  out.set(destination, 16)
  out.writeUInt16BE(internetChecksum(out), 10)
  return out
}

/** What parseIpv4Packet found: the header fields the receive path needs and the payload. */
export type Ipv4Packet =
  | {
      ok: true
      source: string
      destination: string
      ttl: number
      tos: number
      protocol: number
      id: number
      headerLength: number
      /** The bytes after the header up to the total length (a view into the input, not a copy). */
      payload: Buffer
    }
  | { ok: false; reason: 'length' | 'version'; detail: string }

/**
 * Reads an IPv4 packet as a raw socket delivers it. Never throws: too short
 * for a header, an IHL under 5 or past the buffer, or a total length shorter
 * than the header or longer than the buffer give 'length'; an IP version
 * other than 4 gives 'version'. Bytes past the total length (link padding)
 * are left out of the payload. The header checksum is the kernel's to check.
 */
export function parseIpv4Packet(buf: Buffer, format: (bytes: Uint8Array, offset: number) => string = formatIpv4): Ipv4Packet {
  if (buf.length < IPV4_HEADER_LENGTH) return { ok: false, reason: 'length', detail: `${buf.length} bytes, shorter than an IPv4 header` }
  const version = buf[0]! >> 4
  if (version !== 4) return { ok: false, reason: 'version', detail: `IP version ${version}, expected 4` }
  const headerLength = (buf[0]! & 0x0f) * 4
  if (headerLength < IPV4_HEADER_LENGTH) return { ok: false, reason: 'length', detail: `IHL ${headerLength / 4}, under 5` }
  const totalLength = buf.readUInt16BE(2)
  if (headerLength > buf.length || totalLength > buf.length) {
    return { ok: false, reason: 'length', detail: `header ${headerLength} / total ${totalLength} bytes, only ${buf.length} received` }
  }
  if (totalLength < headerLength) return { ok: false, reason: 'length', detail: `total length ${totalLength} shorter than the ${headerLength}-byte header` }
  return {
    ok: true,
    source: format(buf, 12),
    destination: format(buf, 16),
    ttl: buf[8]!,
    tos: buf[1]!,
    protocol: buf[9]!,
    id: buf.readUInt16BE(4),
    headerLength,
    payload: buf.subarray(headerLength, totalLength),
  }
}
