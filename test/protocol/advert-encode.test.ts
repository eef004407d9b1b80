import t from 'tap'
import { adverIntervalToWire, authDataFromPassword, encodeAdvert } from '../../src/protocol/advert-encode.js'
import { decodeAdvert } from '../../src/protocol/advert-decode.js'
import { internetChecksum } from '../../src/protocol/checksum.js'
import type { Advert } from '../../src/protocol/types.js'
import { capturedAdverts } from '../helpers/protocol-captures.js'

function advert(fields: Partial<Advert>): Advert {
  return {
    version: 3,
    type: 1,
    virtualRouterId: 51,
    priority: 100,
    adverIntervalMs: 1000,
    authType: 0,
    authData: Buffer.alloc(0),
    ipAddresses: ['10.77.0.100'],
    family: 4,
    ...fields,
  }
}
const TO_GROUP = { source: '10.77.0.11', destination: '224.0.0.18' }

t.test('re-encodes every captured advert to the identical bytes', async (t) => {
  for (const c of capturedAdverts()) {
    const e = c.expect
    const built = encodeAdvert(
      advert({
        version: e.version,
        virtualRouterId: e.virtualRouterId,
        priority: e.priority,
        adverIntervalMs: e.adverIntervalMs,
        authType: e.authType,
        authData: e.version === 2 ? authDataFromPassword(e.password) : Buffer.alloc(0),
        ipAddresses: e.ipAddresses,
        family: e.family,
      }),
      { source: e.ip.source, destination: e.ip.destination },
    )
    t.equal(built.toString('hex'), c.payload.toString('hex'), `${c.name}: ${c.tcpdump.split('\n')[1]}`)
  }
})

t.test('v2 layout', async (t) => {
  // RFC 3768 5.1: ver|type, VRID, priority, count, auth type, adver int, checksum, addresses, auth data
  const built = encodeAdvert(
    advert({ version: 2, virtualRouterId: 7, priority: 254, adverIntervalMs: 3000, authType: 1, authData: authDataFromPassword('pw'), ipAddresses: ['192.0.2.1', '192.0.2.2'] }),
    TO_GROUP,
  )
  t.equal(built.length, 8 + 2 * 4 + 8)
  t.equal(built.subarray(0, 6).toString('hex'), '2107fe020103')
  t.equal(built.subarray(8).toString('hex'), 'c0000201c0000202' + '7077000000000000')
  // RFC 3768 5.3.8: over the VRRP message only
  t.equal(internetChecksum(built), 0)
})

t.test('v2 auth data is exactly 8 bytes, padded or cut', async (t) => {
  // RFC 3768 5.3.10
  t.equal(authDataFromPassword('s3cret').toString('hex'), '7333637265740000')
  t.equal(authDataFromPassword('longpassword').toString('latin1'), 'longpass', 'cut to 8, as keepalived truncates auth_pass')
  t.equal(authDataFromPassword('').toString('hex'), '0000000000000000')
  const none = encodeAdvert(advert({ version: 2, authType: 0, authData: Buffer.alloc(0) }), TO_GROUP)
  t.equal(none.subarray(12).toString('hex'), '0000000000000000', 'no auth: 8 zero bytes')
  const long = encodeAdvert(advert({ version: 2, authType: 1, authData: Buffer.from('0123456789') }), TO_GROUP)
  t.equal(long.length, 20)
  t.equal(long.subarray(12).toString('latin1'), '01234567')
})

t.test('v3 checksum: pseudo-header by default, v2 way when asked', async (t) => {
  const a = advert({})
  const withPseudo = encodeAdvert(a, TO_GROUP)
  // RFC 9568 5.2.8: the IPv4 pseudo-header (src, dst, 0, 112, length) then the message
  const pseudo = Buffer.from('0a4d000be0000012' + '0070' + '000c', 'hex')
  t.equal(internetChecksum(pseudo, withPseudo), 0)
  t.not(internetChecksum(withPseudo), 0)
  const old = encodeAdvert(a, { ...TO_GROUP, pseudoHeaderChecksum: false })
  t.equal(internetChecksum(old), 0, "keepalived's old_unicast_checksum: the message alone")
  t.equal(old.subarray(0, 6).toString('hex'), withPseudo.subarray(0, 6).toString('hex'), 'only the checksum differs')
  const unicast = encodeAdvert(a, { source: '10.77.0.11', destination: '10.77.0.12' })
  t.not(unicast.readUInt16BE(6), withPseudo.readUInt16BE(6), 'the destination is summed')
  t.ok(decodeAdvert(unicast, { family: 4, source: '10.77.0.11', destination: '10.77.0.12', ttl: 255, checkTtl: true }).ok)
})

t.test('v3 over IPv6', async (t) => {
  const a = advert({ family: 6, virtualRouterId: 10, priority: 200, ipAddresses: ['fe80::1', '2001:db8::64'] })
  const ctx = { source: 'fe80::11', destination: 'ff02::12' }
  const built = encodeAdvert(a, ctx)
  // RFC 9568 5.1: 8-byte header then 16 bytes an address, no auth data
  t.equal(built.length, 8 + 2 * 16)
  t.equal(built.subarray(0, 6).toString('hex'), '310ac8020064')
  t.equal(built.subarray(8, 24).toString('hex'), 'fe800000000000000000000000000001')
  // RFC 8200 8.1: pseudo-header src, dst, 32-bit length, 3 zeros, next header 112
  const pseudo = Buffer.from('fe800000000000000000000000000011' + 'ff020000000000000000000000000012' + '00000028' + '00000070', 'hex')
  t.equal(internetChecksum(pseudo, built), 0)
  t.equal(encodeAdvert(a, { ...ctx, pseudoHeaderChecksum: false }).toString('hex'), built.toString('hex'), 'IPv6 always sums the pseudo-header')
  const back = decodeAdvert(built, { family: 6, ...ctx, ttl: 255, checkTtl: true })
  t.same(back.ok && { ...back.advert, authData: [...back.advert.authData] }, { ...a, authData: [] })
})

t.test('intervals are rounded to the wire unit and clamped to the field', async (t) => {
  // RFC 3768 5.3.7: whole seconds, one byte
  t.equal(adverIntervalToWire(2, 1000), 1)
  t.equal(adverIntervalToWire(2, 1499), 1)
  t.equal(adverIntervalToWire(2, 1500), 2)
  t.equal(adverIntervalToWire(2, 400), 1, 'never 0')
  t.equal(adverIntervalToWire(2, 300_000), 255)
  // RFC 9568 5.2.7: centiseconds, 12 bits
  t.equal(adverIntervalToWire(3, 1000), 100)
  t.equal(adverIntervalToWire(3, 1004), 100)
  t.equal(adverIntervalToWire(3, 1005), 101)
  t.equal(adverIntervalToWire(3, 4), 1, 'never 0')
  t.equal(adverIntervalToWire(3, 50_000), 4095)
  t.equal(adverIntervalToWire(3, Number.NaN), 1)
  const v3 = encodeAdvert(advert({ adverIntervalMs: 40_950 }), TO_GROUP)
  t.equal(v3.readUInt16BE(4), 0x0fff, 'rsvd bits stay 0')
  const v2 = encodeAdvert(advert({ version: 2, adverIntervalMs: 2400 }), TO_GROUP)
  t.equal(v2[5], 2)
})

t.test('fields that cannot go on the wire are the caller\'s bug and throw', async (t) => {
  t.throws(() => encodeAdvert(advert({ version: 2, family: 6, ipAddresses: ['fe80::1'] }), TO_GROUP), RangeError, 'v2 over IPv6')
  t.throws(() => encodeAdvert(advert({ virtualRouterId: 256 }), TO_GROUP), RangeError)
  t.throws(() => encodeAdvert(advert({ priority: -1 }), TO_GROUP), RangeError)
  t.throws(() => encodeAdvert(advert({ version: 2, authType: 300 }), TO_GROUP), RangeError)
  t.throws(() => encodeAdvert(advert({ ipAddresses: ['fe80::1'] }), TO_GROUP), TypeError, 'IPv6 address in an IPv4 advert')
  t.throws(() => encodeAdvert(advert({ ipAddresses: ['10.0.0.256'] }), TO_GROUP), TypeError)
  t.throws(() => encodeAdvert(advert({ ipAddresses: Array.from({ length: 256 }, (_, i) => `10.0.${i}.1`) }), TO_GROUP), RangeError)
  t.throws(() => encodeAdvert(advert({}), { source: 'x', destination: '224.0.0.18' }), TypeError, 'v3 needs a readable source')
  t.doesNotThrow(() => encodeAdvert(advert({ version: 2 }), { source: 'x', destination: 'y' }), 'v2 does not look at the IP addresses')
})
