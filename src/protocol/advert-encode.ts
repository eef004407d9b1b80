/**
 * Builds the bytes of a VRRP advertisement: VRRPv2 (RFC 3768 5.1) and VRRPv3
 * for IPv4 and IPv6 (RFC 9568 5.1). Only the VRRP message: the IP header is the
 * kernel's, or buildIpv4Header's.
 *
 * The encoder is fed from validated configuration, so a field that cannot be
 * put on the wire (a VRID of 300, an IPv6 address in a v2 advert) is a bug in
 * the caller and throws; wire input never reaches this module.
 */
import { addressToBytes } from './address.js'
import { internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader } from './checksum.js'
import {
  VRRP_HEADER_LENGTH,
  VRRP_MAX_ADDRESSES,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_V2_AUTH_DATA_LENGTH,
  VRRP_V2_MAX_ADVER_INT_S,
  VRRP_V3_MAX_ADVER_INT_CS,
} from './constants.js'
import type { Advert } from './types.js'

/** Where the advert goes: the v3 checksum covers these through the pseudo-header. */
export interface EncodeContext {
  source: string
  destination: string
  /**
   * VRRPv3 over IPv4 only: false computes the checksum over the VRRP message
   * alone, the v2 way (keepalived's `old_unicast_checksum`). Default true
   * (RFC 9568 5.2.8, what keepalived and FRR send). VRRPv3 over IPv6 always
   * uses the pseudo-header (RFC 8200 8.1); VRRPv2 never does (RFC 3768 5.3.8).
   */
  pseudoHeaderChecksum?: boolean
}

/**
 * RFC 3768 5.3.10: the simple-text password as the 8 authentication bytes,
 * NUL padded; a longer password is cut to 8 bytes, as keepalived does
 * ("Truncating auth_pass to 8 characters").
 */
export function authDataFromPassword(password: string): Buffer {
  const out = Buffer.alloc(VRRP_V2_AUTH_DATA_LENGTH)
  Buffer.from(password, 'utf8').copy(out, 0, 0, VRRP_V2_AUTH_DATA_LENGTH)
  return out
}

/**
 * Converts milliseconds to the wire's interval unit: whole seconds for v2
 * (RFC 3768 5.3.7), centiseconds for v3 (RFC 9568 5.2.7). Rounds to the
 * nearest unit (1500 ms -> 2 s for v2, 1005 ms -> 101 cs for v3) and clamps
 * to 1..255 s / 1..4095 cs, so a validated interval always fits its field.
 */
export function adverIntervalToWire(version: 2 | 3, ms: number): number {
  const [unitMs, max] = version === 2 ? [1000, VRRP_V2_MAX_ADVER_INT_S] : [10, VRRP_V3_MAX_ADVER_INT_CS]
  const units = Math.round(ms / unitMs)
  return Math.min(max, Math.max(1, Number.isFinite(units) ? units : 1))
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${name} must be an integer 0..255, got ${value}`)
}

/**
 * Encodes `advert` as a VRRP message (no IP header), checksum included.
 * v2: version 2, type 1, VRID, priority, count, auth type, Adver Int (s),
 * checksum over the message, IPv4 addresses, 8 bytes of auth data (padded or
 * cut to 8). v3: version 3, type 1, VRID, priority, count, rsvd 0 + Max Adver
 * Int (cs), checksum (pseudo-header by default, see EncodeContext), addresses.
 * Intervals are rounded as adverIntervalToWire documents.
 */
export function encodeAdvert(advert: Advert, ctx: EncodeContext): Buffer {
  const { version } = advert
  if (version !== 2 && version !== 3) throw new RangeError(`VRRP version must be 2 or 3, got ${String(version)}`)
  const family = version === 2 ? 4 : advert.family
  if (version === 2 && advert.family !== 4) throw new RangeError('VRRPv2 carries IPv4 addresses only (RFC 3768 5.3.9)')
  checkByte('VRID', advert.virtualRouterId)
  checkByte('priority', advert.priority)
  const count = advert.ipAddresses.length
  if (count > VRRP_MAX_ADDRESSES) throw new RangeError(`at most ${VRRP_MAX_ADDRESSES} addresses fit an advert, got ${count}`)

  const addressLength = family === 4 ? 4 : 16
  const authLength = version === 2 ? VRRP_V2_AUTH_DATA_LENGTH : 0
  const out = Buffer.alloc(VRRP_HEADER_LENGTH + count * addressLength + authLength)
  out[0] = (version << 4) | VRRP_TYPE_ADVERTISEMENT
  out[1] = advert.virtualRouterId
  out[2] = advert.priority
  out[3] = count
  const interval = adverIntervalToWire(version, advert.adverIntervalMs)
  if (version === 2) {
    checkByte('auth type', advert.authType)
    out[4] = advert.authType
    out[5] = interval
  } else {
    // RFC 9568 5.2.7: the 4 rsvd bits stay 0
    out.writeUInt16BE(interval, 4)
  }
  let offset = VRRP_HEADER_LENGTH
  for (const address of advert.ipAddresses) {
    const bytes = addressToBytes(address, family)
    if (!bytes) throw new TypeError(`not an IPv${family} address: ${JSON.stringify(address)}`)
    out.set(bytes, offset)
    offset += addressLength
  }
  if (version === 2) advert.authData.copy(out, offset, 0, Math.min(advert.authData.length, VRRP_V2_AUTH_DATA_LENGTH))

  let checksum: number
  if (version === 2 || (family === 4 && ctx.pseudoHeaderChecksum === false)) {
    checksum = internetChecksum(out)
  } else {
    const pseudo = family === 4 ? ipv4PseudoHeader(ctx.source, ctx.destination, out.length) : ipv6PseudoHeader(ctx.source, ctx.destination, out.length)
    checksum = internetChecksum(pseudo, out)
  }
  out.writeUInt16BE(checksum, 6)
  return out
}
