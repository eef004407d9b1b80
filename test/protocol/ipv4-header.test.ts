import t from 'tap'
import { internetChecksum } from '../../src/protocol/checksum.js'
import { buildIpv4Header, parseIpv4Packet } from '../../src/protocol/ipv4-header.js'
import { capturedAdverts } from '../helpers/protocol-captures.js'

const ipv4Adverts = (): ReturnType<typeof capturedAdverts> => capturedAdverts().filter((c) => c.expect.family === 4)

t.test('builds the captured IPv4 headers field for field', async (t) => {
  for (const c of ipv4Adverts()) {
    const ip = c.expect.ip
    const built = buildIpv4Header({ source: ip.source, destination: ip.destination, payloadLength: c.payload.length, id: ip.id })
    if (!ip.dontFragment) {
      // keepalived: DF off, so everything, checksum included, is the same
      t.equal(built.toString('hex'), c.ipHeader.toString('hex'), c.name)
    } else {
      // FRR sets DF; ours is keepalived's header: only flags and checksum differ
      const theirs = Buffer.from(c.ipHeader)
      t.equal(theirs.readUInt16BE(6), 0x4000, `${c.name} has DF`)
      theirs.writeUInt16BE(0, 6)
      theirs.writeUInt16BE(0, 10)
      const ours = Buffer.from(built)
      ours.writeUInt16BE(0, 10)
      t.equal(ours.toString('hex'), theirs.toString('hex'), `${c.name} without DF`)
      t.equal(internetChecksum(built), 0, `${c.name}: our checksum is right`)
    }
  }
})

t.test('header defaults are an advert\'s and overrides apply', async (t) => {
  // RFC 9568 5.1.1.3: TTL 255, protocol 112; keepalived's TOS 0xc0
  const h = buildIpv4Header({ source: '10.0.0.1', destination: '10.0.0.2', payloadLength: 12 })
  t.equal(h.length, 20)
  t.equal(h.toString('hex').slice(0, 16), '45c0002000000000', 'v4, IHL 5, TOS 0xc0, length 32, id 0, no DF')
  t.equal(h[8], 255)
  t.equal(h[9], 112)
  t.equal(h.readUInt16BE(4), 0, 'id 0: the kernel fills it in on IP_HDRINCL sockets')
  const o = buildIpv4Header({ source: '10.0.0.1', destination: '10.0.0.2', payloadLength: 12, ttl: 64, tos: 0, protocol: 17, id: 0x1_0005 })
  t.same([o[1], o[8], o[9], o.readUInt16BE(4)], [0, 64, 17, 5])
  t.equal(internetChecksum(o), 0)
  t.throws(() => buildIpv4Header({ source: '::1', destination: '10.0.0.2', payloadLength: 12 }), TypeError)
  t.throws(() => buildIpv4Header({ source: '10.0.0.1', destination: 'x', payloadLength: 12 }), TypeError)
  t.throws(() => buildIpv4Header({ source: '10.0.0.1', destination: '10.0.0.2', payloadLength: 65_516 }), RangeError)
})

t.test('parses the captured packets', async (t) => {
  for (const c of ipv4Adverts()) {
    const p = parseIpv4Packet(c.ipPacket)
    if (!p.ok) {
      t.fail(`${c.name}: ${p.reason}`)
      continue
    }
    t.same(
      { source: p.source, destination: p.destination, ttl: p.ttl, tos: p.tos, id: p.id, protocol: p.protocol, headerLength: p.headerLength },
      { source: c.expect.ip.source, destination: c.expect.ip.destination, ttl: c.expect.ip.ttl, tos: c.expect.ip.tos, id: c.expect.ip.id, protocol: 112, headerLength: 20 },
      c.name,
    )
    t.equal(p.payload.toString('hex'), c.payload.toString('hex'))
  }
})

t.test('options, link padding and bad lengths', async (t) => {
  const [c] = ipv4Adverts()
  const packet = c!.ipPacket
  // RFC 791 3.1: IHL counts 32-bit words, options sit between header and payload
  const withOptions = Buffer.concat([packet.subarray(0, 20), Buffer.from('94040000', 'hex'), packet.subarray(20)])
  withOptions[0] = 0x46
  withOptions.writeUInt16BE(packet.length + 4, 2)
  const p = parseIpv4Packet(withOptions)
  t.equal(p.ok && p.headerLength, 24)
  t.equal(p.ok && p.payload.toString('hex'), c!.payload.toString('hex'), 'the payload starts after the options')

  const padded = Buffer.concat([packet, Buffer.alloc(6)])
  const q = parseIpv4Packet(padded)
  t.equal(q.ok && q.payload.length, c!.payload.length, 'bytes past the total length are not payload')

  const reasonOf = (buf: Buffer): string => {
    const r = parseIpv4Packet(buf)
    return r.ok ? 'ok' : r.reason
  }
  t.equal(reasonOf(packet.subarray(0, 19)), 'length', 'shorter than a header')
  t.equal(reasonOf(packet.subarray(0, packet.length - 1)), 'length', 'total length past the buffer')
  const ihl4 = Buffer.from(packet)
  ihl4[0] = 0x44
  t.equal(reasonOf(ihl4), 'length', 'IHL under 5')
  const ihl15 = Buffer.from(packet)
  ihl15[0] = 0x4f
  t.equal(reasonOf(ihl15), 'length', 'IHL 15 past the buffer')
  const shortTotal = Buffer.from(packet)
  shortTotal.writeUInt16BE(16, 2)
  t.equal(reasonOf(shortTotal), 'length', 'total length under the header length')
  const v6 = Buffer.from(packet)
  v6[0] = 0x65
  t.equal(reasonOf(v6), 'version')
  t.equal(reasonOf(packet), 'ok')
})
