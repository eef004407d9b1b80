/**
 * Reads a received VRRP message (the IP payload) into an Advert, or says why
 * it must be dropped. Checks run in the RFCs' order (RFC 3768 7.1, RFC 9568
 * 7.1): length, TTL, version, checksum, type, address count, auth type. What
 * needs our configuration (VRID, auth data, interval, address list) is the
 * core's business, not the decoder's.
 *
 * Never throws: every input, however short or strange, gives a DecodeResult.
 */
import { addressToBytes, formatIpv4, formatIpv6 } from './address.js'
import { internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader } from './checksum.js'
import { AUTH_TYPE, type DecodeResult, type DropReason } from './types.js'
import { VRRP_HEADER_LENGTH, VRRP_TTL, VRRP_TYPE_ADVERTISEMENT, VRRP_V2_AUTH_DATA_LENGTH } from './constants.js'

/** The envelope of a received message, from the IP header or socket ancillary data. */
export interface DecodeContext {
  /** Family of the socket the message came in on. */
  family: 4 | 6
  /** IP source and destination: the v3 checksum covers them (pseudo-header). */
  source: string
  destination: string
  /** IPv4 TTL or IPv6 hop limit as received. */
  ttl: number
  /** RFC 3768 7.1 / RFC 9568 7.1: require TTL 255 (off for routed unicast peers). */
  checkTtl: boolean
  /**
   * VRRPv3 over IPv4 only: false verifies the checksum over the VRRP message
   * alone (keepalived's `old_unicast_checksum`). Default true. IPv6 always
   * uses the pseudo-header; VRRPv2 never does.
   */
  pseudoHeaderChecksum?: boolean
}

/** The drops without words, made once per reason (the hot path). */
const dropped = new Map<DropReason, DecodeResult>()

/**
 * A drop: with its words when `detail` is a string (explainDecode), else the
 * shared one. Under a flood every packet is a drop, and building each one's
 * text was garbage nobody read (issue 12); `explain && \`...\`` builds it only when asked.
 */
function drop(reason: DropReason, detail: string | false): DecodeResult {
  if (detail !== false) return { ok: false, reason, detail }
  let shared = dropped.get(reason)
  if (!shared) dropped.set(reason, (shared = Object.freeze({ ok: false as const, reason })))
  return shared
}

/** RFC 3768 5.3.6: types above this one are unknown. */
const MAX_AUTH_TYPE = Math.max(...Object.values(AUTH_TYPE))

/**
 * Decodes one VRRP message; see the module comment for the order of checks.
 * A drop carries no words (explainDecode gives them, for a drop that is logged).
 */
export function decodeAdvert(payload: Buffer, ctx: DecodeContext): DecodeResult {
  return inspect(payload, ctx, false)
}

/** Why decodeAdvert drops `payload`, in words; undefined when it does not. */
export function explainDecode(payload: Buffer, ctx: DecodeContext): string | undefined {
  const result = inspect(payload, ctx, true)
  return result.ok ? undefined : result.detail
}

function inspect(payload: Buffer, ctx: DecodeContext, explain: boolean): DecodeResult {
  const n = payload.length
  // RFC 3768 7.1 / RFC 9568 7.1: at least a header, then the whole message
  if (n < VRRP_HEADER_LENGTH) return drop('length', explain && `${n} bytes, shorter than the ${VRRP_HEADER_LENGTH}-byte VRRP header`)
  const version = payload[0]! >> 4
  const count = payload[3]!
  const addressLength = version === 3 && ctx.family === 6 ? 16 : 4
  const withAddresses = VRRP_HEADER_LENGTH + count * addressLength
  if ((version === 2 || version === 3) && n < withAddresses) {
    return drop('length', explain && `${n} bytes, too short for ${count} address${count === 1 ? '' : 'es'} (${withAddresses} bytes)`)
  }
  const expected = version === 2 ? withAddresses + VRRP_V2_AUTH_DATA_LENGTH : withAddresses
  if (version === 2 && n < expected) return drop('length', explain && `${n} bytes, too short for the authentication data (${expected} bytes)`)

  if (ctx.checkTtl && ctx.ttl !== VRRP_TTL) return drop('ttl', explain && `TTL ${ctx.ttl}, must be ${VRRP_TTL}`)

  if (version !== 2 && version !== 3) return drop('version', explain && `version ${version}, expected 2 or 3`)
  if (version === 2 && ctx.family !== 4) return drop('version', explain && 'VRRPv2 over IPv6: VRRPv2 is IPv4 only')

  const failure = checksumFailure(payload, version, ctx, explain)
  if (failure !== undefined) return drop('checksum', failure)

  const type = payload[0]! & 0x0f
  if (type !== VRRP_TYPE_ADVERTISEMENT) return drop('type', explain && `type ${type}, expected ${VRRP_TYPE_ADVERTISEMENT} (ADVERTISEMENT)`)

  if (count === 0) return drop('addressCount', explain && 'no addresses (count 0)')
  if (n !== expected) return drop('addressCount', explain && `count ${count} means ${expected} bytes, the packet has ${n}`)

  const authType = version === 2 ? payload[4]! : 0
  if (authType > MAX_AUTH_TYPE) return drop('authType', explain && `unknown authentication type ${authType}`)

  const family = version === 2 ? 4 : ctx.family
  const ipAddresses: string[] = []
  for (let i = 0, offset = VRRP_HEADER_LENGTH; i < count; i++, offset += addressLength) {
    ipAddresses.push(family === 4 ? formatIpv4(payload, offset) : formatIpv6(payload, offset))
  }
  return {
    ok: true,
    advert: {
      version,
      type: VRRP_TYPE_ADVERTISEMENT,
      virtualRouterId: payload[1]!,
      priority: payload[2]!,
      // v2: Adver Int in seconds (RFC 3768 5.3.7); v3: 12-bit Max Adver Int in
      // centiseconds after 4 rsvd bits, ignored on reception (RFC 9568 5.2.7)
      adverIntervalMs: version === 2 ? payload[5]! * 1000 : (payload.readUInt16BE(4) & 0x0fff) * 10,
      authType,
      // a copy: the receive buffer may be reused
      authData: version === 2 ? Buffer.from(payload.subarray(withAddresses, expected)) : Buffer.alloc(0),
      ipAddresses,
      family,
    },
  }
}

/**
 * RFC 3768 5.3.8 / RFC 9568 5.2.8: undefined when the checksum is right, else
 * why not (false without `explain`).
 */
function checksumFailure(payload: Buffer, version: 2 | 3, ctx: DecodeContext, explain: boolean): string | false | undefined {
  const pseudo = version === 3 && (ctx.family === 6 || ctx.pseudoHeaderChecksum !== false)
  if (!pseudo) return internetChecksum(payload) === 0 ? undefined : explain && `bad checksum 0x${hex16(payload)} over the VRRP message`
  const source = addressToBytes(ctx.source, ctx.family)
  const destination = addressToBytes(ctx.destination, ctx.family)
  // a 16-bit length field cannot describe it, so no sender could have summed it
  if (ctx.family === 4 && payload.length > 0xffff) return explain && `${payload.length} bytes do not fit an IPv4 pseudo-header`
  if (!source || !destination) return explain && `cannot verify: ${ctx.source} > ${ctx.destination} is not an IPv${ctx.family} address pair`
  const header = ctx.family === 4 ? ipv4PseudoHeader(source, destination, payload.length) : ipv6PseudoHeader(source, destination, payload.length)
  return internetChecksum(header, payload) === 0 ? undefined : explain && `bad checksum 0x${hex16(payload)} over the IPv${ctx.family} pseudo-header and VRRP message`
}

function hex16(payload: Buffer): string {
  return payload.readUInt16BE(6).toString(16).padStart(4, '0')
}
