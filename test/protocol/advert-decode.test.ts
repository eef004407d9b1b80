import t from 'tap'
import { decodeAdvert, explainDecode, type DecodeContext } from '../../src/protocol/advert-decode.js'
import { internetChecksum } from '../../src/protocol/checksum.js'
import { DROP_REASONS, type DecodeResult } from '../../src/protocol/types.js'
import { capturedAdverts } from '../helpers/protocol-captures.js'

const V4: DecodeContext = { family: 4, source: '10.77.0.11', destination: '224.0.0.18', ttl: 255, checkTtl: true }
const V6: DecodeContext = { family: 6, source: 'fe80::11', destination: 'ff02::12', ttl: 255, checkTtl: true }

function hex(h: string): Buffer {
  return Buffer.from(h.replace(/\s+/g, ''), 'hex')
}

/** Rewrites the checksum field, computed here from the RFC layouts, so a test can change one field at a time. */
function resum(payload: Buffer, ctx: DecodeContext, pseudo = (payload[0]! >> 4) === 3): Buffer {
  const out = Buffer.from(payload)
  out.writeUInt16BE(0, 6)
  let header = Buffer.alloc(0)
  if (pseudo && ctx.family === 4) {
    // RFC 9568 5.2.8: src, dst, 0, 112, VRRP length
    header = Buffer.concat([Buffer.from(ctx.source.split('.').map(Number)), Buffer.from(ctx.destination.split('.').map(Number)), hex('0070'), Buffer.from([out.length >> 8, out.length & 0xff])])
  } else if (pseudo) {
    // RFC 8200 8.1: src, dst, 32-bit length, 3 zero bytes, next header 112
    const len = Buffer.alloc(4)
    len.writeUInt32BE(out.length)
    header = Buffer.concat([v6(ctx.source), v6(ctx.destination), len, hex('000000 70')])
  }
  out.writeUInt16BE(internetChecksum(header, out), 6)
  return out
}
function v6(text: string): Buffer {
  const known: Record<string, string> = {
    'fe80::11': 'fe800000000000000000000000000011',
    'fe80::12': 'fe800000000000000000000000000012',
    'ff02::12': 'ff020000000000000000000000000012',
  }
  return hex(known[text]!)
}

function reason(result: DecodeResult): string {
  return result.ok ? 'ok' : result.reason
}

// keepalived's VRRPv2 advert from the capture: VRID 51, prio 100, PASS "s3cret"
const V2 = hex('21 33 64 01 01 01 32ff 0a4d0064 7333637265740000')
// keepalived's VRRPv3 advert from the capture: VRID 51, prio 100, 100 cs
const V3 = hex('31 33 64 01 0064 74cf 0a4d0064')
// a VRRPv3 IPv6 advert, two addresses, built by hand
const V3_IPV6 = resum(hex('31 0a c8 02 0064 0000 fe800000000000000000000000000001 20010db8000000000000000000000064'), V6)

t.test('decodes every captured advert to the fields tcpdump shows', async (t) => {
  for (const c of capturedAdverts()) {
    const e = c.expect
    const result = decodeAdvert(c.payload, { family: e.family, source: e.ip.source, destination: e.ip.destination, ttl: e.ip.ttl, checkTtl: true })
    if (!result.ok) {
      t.fail(`${c.name}: ${result.reason} ${result.detail}`)
      continue
    }
    const a = result.advert
    t.same(
      { version: a.version, type: a.type, vrid: a.virtualRouterId, priority: a.priority, ms: a.adverIntervalMs, authType: a.authType, addresses: a.ipAddresses, family: a.family },
      { version: e.version, type: 1, vrid: e.virtualRouterId, priority: e.priority, ms: e.adverIntervalMs, authType: e.authType, addresses: e.ipAddresses, family: e.family },
      c.name,
    )
    // RFC 3768 5.3.10: the password NUL padded to 8 bytes; v3 has no auth data
    const authData = e.version === 2 ? Buffer.concat([Buffer.from(e.password), Buffer.alloc(8 - e.password.length)]) : Buffer.alloc(0)
    t.same(a.authData, authData, `${c.name} auth data`)
  }
})

t.test('the decoded auth data is a copy, not a view of the receive buffer', async (t) => {
  const payload = Buffer.from(V2)
  const result = decodeAdvert(payload, V4)
  payload.fill(0)
  t.equal(result.ok && result.advert.authData.toString('latin1'), 's3cret\0\0')
})

t.test('length: the header, the addresses and the auth data must all be there', async (t) => {
  // RFC 3768 7.1: "MUST verify that the received packet contains the complete VRRP packet"
  // RFC 9568 7.1: the same for v3
  for (let n = 0; n < 8; n++) t.equal(reason(decodeAdvert(V2.subarray(0, n), V4)), 'length', `${n} bytes: no whole header`)
  t.equal(reason(decodeAdvert(V2.subarray(0, 11), V4)), 'length', 'v2: the address is cut')
  for (let n = 12; n < 20; n++) t.equal(reason(decodeAdvert(V2.subarray(0, n), V4)), 'length', `v2 ${n} bytes: auth data cut`)
  t.equal(reason(decodeAdvert(V2, V4)), 'ok', 'v2: all 20 bytes')
  t.equal(reason(decodeAdvert(V3.subarray(0, 11), V4)), 'length', 'v3 IPv4: the address is cut')
  t.equal(reason(decodeAdvert(V3, V4)), 'ok', 'v3 IPv4: all 12 bytes')
  t.equal(reason(decodeAdvert(V3_IPV6.subarray(0, 39), V6)), 'length', 'v3 IPv6: the second address is cut')
  t.equal(reason(decodeAdvert(V3_IPV6, V6)), 'ok', 'v3 IPv6: all 40 bytes')
  t.match(explainDecode(V2.subarray(0, 15), V4), /authentication data/, 'the detail says what is missing')
  t.equal(explainDecode(V2, V4), undefined, 'nothing to explain in a good advert')
})

t.test('ttl: 255 is required when asked for', async (t) => {
  // RFC 3768 7.1 / RFC 9568 7.1: "MUST verify that the IPvX TTL/Hop Limit is 255"
  t.equal(reason(decodeAdvert(V2, { ...V4, ttl: 254 })), 'ttl')
  t.equal(reason(decodeAdvert(V3_IPV6, { ...V6, ttl: 1 })), 'ttl', 'IPv6 hop limit')
  t.equal(reason(decodeAdvert(V2, { ...V4, ttl: 255 })), 'ok')
  t.equal(reason(decodeAdvert(V2, { ...V4, ttl: 254, checkTtl: false })), 'ok', 'unicast across routers: not checked')
})

t.test('version: 2 or 3, and VRRPv2 only over IPv4', async (t) => {
  // RFC 3768 7.1 / RFC 9568 7.1: "MUST verify the VRRP version field"
  for (const version of [0, 1, 4, 15]) {
    const p = resum(Buffer.from(V3), V4, false)
    p[0] = (version << 4) | 1
    t.equal(reason(decodeAdvert(resum(p, V4, false), V4)), 'version', `version ${version}`)
  }
  t.equal(reason(decodeAdvert(V2, V4)), 'ok', 'v2 over IPv4')
  t.equal(reason(decodeAdvert(V3, V4)), 'ok', 'v3 over IPv4')
  t.equal(reason(decodeAdvert(V3_IPV6, V6)), 'ok', 'v3 over IPv6')
  // RFC 3768 1: VRRPv2 is for IPv4 only
  t.equal(reason(decodeAdvert(V2, { ...V6 })), 'version', 'v2 over IPv6')
})

t.test('checksum: v2 over the message, v3 over pseudo-header and message', async (t) => {
  // RFC 3768 5.3.8 / 7.1: v2 checksum covers the VRRP message only
  const badV2 = Buffer.from(V2)
  badV2[9] ^= 0x40
  t.equal(reason(decodeAdvert(badV2, V4)), 'checksum', 'v2 with a changed address')
  t.equal(reason(decodeAdvert(resum(badV2, V4), V4)), 'ok', 'the same, summed again')
  t.equal(reason(decodeAdvert(V2, { ...V4, source: '10.77.0.99' })), 'ok', 'v2: the IP addresses are not covered')
  t.equal(reason(decodeAdvert(V2, { ...V4, pseudoHeaderChecksum: true })), 'ok', 'v2 never uses the pseudo-header')

  // RFC 9568 5.2.8: v3 covers the pseudo-header, so the IP source counts
  t.equal(reason(decodeAdvert(V3, V4)), 'ok')
  t.equal(reason(decodeAdvert(V3, { ...V4, source: '10.77.0.12' })), 'checksum', 'v3: another source')
  t.equal(reason(decodeAdvert(V3, { ...V4, destination: '10.77.0.12' })), 'checksum', 'v3: another destination')
  t.equal(reason(decodeAdvert(V3_IPV6, { ...V6, source: 'fe80::12' })), 'checksum', 'v3 IPv6: another source')

  // keepalived's old_unicast_checksum: v3 over IPv4 summed the v2 way
  const oldStyle = resum(V3, V4, false)
  t.equal(reason(decodeAdvert(oldStyle, { ...V4, pseudoHeaderChecksum: false })), 'ok', 'v2-style sum accepted when asked')
  t.equal(reason(decodeAdvert(oldStyle, V4)), 'checksum', 'v2-style sum refused by default')
  t.equal(reason(decodeAdvert(V3, { ...V4, pseudoHeaderChecksum: false })), 'checksum', 'a pseudo-header sum refused when v2-style is asked')
  // RFC 8200 8.1: IPv6 upper layers always include the pseudo-header
  t.equal(reason(decodeAdvert(V3_IPV6, { ...V6, pseudoHeaderChecksum: false })), 'ok', 'IPv6 ignores the option')

  const unreadable = decodeAdvert(V3, { ...V4, source: 'not-an-address' })
  t.equal(reason(unreadable), 'checksum', 'an unreadable source cannot be verified')
  t.match(explainDecode(V3, { ...V4, source: 'not-an-address' }), /cannot verify/)
})

t.test('type: only 1, ADVERTISEMENT', async (t) => {
  // RFC 3768 5.3.2 / RFC 9568 5.2.2: "Packets with unknown type MUST be discarded"
  for (const type of [0, 2, 15]) {
    const p = Buffer.from(V2)
    p[0] = 0x20 | type
    t.equal(reason(decodeAdvert(resum(p, V4), V4)), 'type', `type ${type}`)
  }
  t.equal(reason(decodeAdvert(V2, V4)), 'ok', 'type 1')
})

t.test('address count: at least one, and matching the length', async (t) => {
  // RFC 9568 5.2.5 / 7.1: the count must describe the packet received
  const noneV2 = resum(hex('21 33 64 00 01 01 0000 7333637265740000'), V4)
  t.equal(reason(decodeAdvert(noneV2, V4)), 'addressCount', 'v2 with count 0')
  const noneV3 = resum(hex('31 33 64 00 0064 0000'), V4)
  t.equal(reason(decodeAdvert(noneV3, V4)), 'addressCount', 'v3 with count 0')
  // RFC 3768 7.1: the total length must be header + addresses + auth data
  t.equal(reason(decodeAdvert(resum(Buffer.concat([V2, hex('0a4d0065')]), V4), V4)), 'addressCount', 'v2: 4 bytes more than count 1 says')
  t.equal(reason(decodeAdvert(resum(Buffer.concat([V3, hex('00')]), V4), V4)), 'addressCount', 'v3: a byte more than count 1 says')
  const two = resum(hex('31 33 64 02 0064 0000 0a4d0064 0a4d0065'), V4)
  const result = decodeAdvert(two, V4)
  t.same(result.ok && result.advert.ipAddresses, ['10.77.0.100', '10.77.0.101'], 'count 2, two addresses')
  const ipv6 = decodeAdvert(V3_IPV6, V6)
  t.same(ipv6.ok && ipv6.advert.ipAddresses, ['fe80::1', '2001:db8::64'], 'IPv6 addresses in canonical text')
  t.equal(ipv6.ok && ipv6.advert.family, 6)
})

t.test('auth type: v2 knows 0, 1 and 2', async (t) => {
  // RFC 3768 5.3.6: 0 no authentication, 1 simple text password, 2 IP AH
  for (const authType of [0, 1, 2]) {
    const p = Buffer.from(V2)
    p[4] = authType
    const result = decodeAdvert(resum(p, V4), V4)
    t.equal(result.ok && result.advert.authType, authType, `auth type ${authType} accepted`)
  }
  for (const authType of [3, 255]) {
    const p = Buffer.from(V2)
    p[4] = authType
    t.equal(reason(decodeAdvert(resum(p, V4), V4)), 'authType', `auth type ${authType}`)
  }
})

t.test('intervals: v2 seconds, v3 12-bit centiseconds with rsvd bits ignored', async (t) => {
  // RFC 3768 5.3.7
  const v2 = Buffer.from(V2)
  v2[5] = 255
  const slow = decodeAdvert(resum(v2, V4), V4)
  t.equal(slow.ok && slow.advert.adverIntervalMs, 255_000, '255 s')
  // RFC 9568 5.2.7: rsvd "MUST be set to zero on transmission and ignored on reception"
  const v3 = Buffer.from(V3)
  v3.writeUInt16BE(0xffff, 4)
  const result = decodeAdvert(resum(v3, V4), V4)
  t.equal(result.ok && result.advert.adverIntervalMs, 40_950, '0xfff cs with all rsvd bits set')
  t.equal(result.ok && result.advert.authType, 0, 'v3 has no auth type')
})

t.test('checks run in the RFC order', async (t) => {
  // RFC 3768 7.1 / RFC 9568 7.1 list the checks in this order
  const badEverything = hex('f5 33 64 00 09 01 dead')
  t.equal(reason(decodeAdvert(badEverything, { ...V4, ttl: 1 })), 'ttl', 'ttl before version')
  t.equal(reason(decodeAdvert(badEverything, V4)), 'version', 'version before checksum')
  const wrongSumWrongType = Buffer.from(V2)
  wrongSumWrongType[0] = 0x22
  t.equal(reason(decodeAdvert(wrongSumWrongType, V4)), 'checksum', 'checksum before type')
  const typeAndCount = resum(hex('22 33 64 00 01 01 0000 7333637265740000'), V4)
  t.equal(reason(decodeAdvert(typeAndCount, V4)), 'type', 'type before count')
  const countAndAuth = resum(hex('21 33 64 00 09 01 0000 7333637265740000'), V4)
  t.equal(reason(decodeAdvert(countAndAuth, V4)), 'addressCount', 'count before auth type')
  t.equal(reason(decodeAdvert(V2.subarray(0, 10), { ...V4, ttl: 1 })), 'length', 'length before ttl')
})

t.test('never throws: random, truncated and mutated input', async (t) => {
  let s = 3768
  const random = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 0x100000000
  }
  const seeds = [...capturedAdverts().map((c) => c.payload), V2, V3, V3_IPV6]
  const counts = new Map<string, number>()
  for (let n = 0; n < 20_000; n++) {
    let buf: Buffer
    const mode = n % 3
    if (mode === 0) {
      buf = Buffer.from(Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)))
    } else {
      const seed = seeds[Math.floor(random() * seeds.length)]!
      buf = Buffer.from(seed.subarray(0, mode === 1 ? Math.floor(random() * (seed.length + 1)) : seed.length))
      if (mode === 2) for (let k = 0; k < 3; k++) buf[Math.floor(random() * buf.length)] = Math.floor(random() * 256)
    }
    const ctx = random() < 0.5 ? { ...V4, ttl: random() < 0.9 ? 255 : 64 } : { ...V6, pseudoHeaderChecksum: random() < 0.5 }
    let result: DecodeResult
    try {
      result = decodeAdvert(buf, ctx)
    } catch (error) {
      t.fail(`threw on ${buf.toString('hex')}: ${String(error)}`)
      return
    }
    const key = result.ok ? 'ok' : result.reason
    if (!result.ok && !(DROP_REASONS as readonly string[]).includes(result.reason)) {
      t.fail(`reason ${result.reason} is not a DROP_REASON`)
      return
    }
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  t.ok(counts.get('length')! > 0 && counts.get('checksum')! > 0 && counts.get('ok')! > 0, `outcomes: ${JSON.stringify(Object.fromEntries(counts))}`)
  t.ok(decodeAdvert(Buffer.alloc(70_000, 0x31), V4), 'a buffer too long for IPv4 gives an answer')
})

t.test('a drop carries no words, and the same drop object comes back for every packet (no garbage per packet)', async (t) => {
  const short = decodeAdvert(V2.subarray(0, 4), V4)
  t.same(short, { ok: false, reason: 'length' })
  t.equal(decodeAdvert(V2.subarray(0, 5), V4), short, 'shared per reason')
  t.equal(explainDecode(V2.subarray(0, 4), V4), '4 bytes, shorter than the 8-byte VRRP header', 'the words, when asked')
  t.equal(explainDecode(V2, { ...V4, ttl: 64 }), 'TTL 64, must be 255')
})
