import t from 'tap'
import {
  ipv6Mreq,
  iovec,
  parseAncillary,
  pktinfoCmsg,
  sockaddrIn6,
  sockaddrIn6Address,
  intOption,
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
} from '../../src/io/ipv6-socket.js'

t.test('struct sockaddr_in6: AF_INET6, port 0, address in network order, scope id', async (t) => {
  const b = sockaddrIn6('ff02::12', 7)
  t.equal(b.length, 28)
  t.equal(b.readUInt16LE(0), 10, 'sin6_family AF_INET6 (host order)')
  t.equal(b.readUInt16BE(2), 0, 'port 0')
  t.same([...b.subarray(8, 24)], [0xff, 0x02, ...Array(13).fill(0), 0x12])
  t.equal(b.readUInt32LE(24), 7, 'sin6_scope_id: the interface')
  t.equal(sockaddrIn6Address(sockaddrIn6('fe80::1:2')), 'fe80::1:2')
  t.throws(() => sockaddrIn6('10.0.0.1'), /not an IPv6 address/)
})

t.test('struct ipv6_mreq and int options', async (t) => {
  const m = ipv6Mreq('ff02::12', 3)
  t.equal(m.length, 20)
  t.equal(m[1], 0x02)
  t.equal(m.readUInt32LE(16), 3)
  t.equal(intOption(255).readUInt32LE(0), 255)
})

t.test('struct iovec holds the address and the length', async (t) => {
  const v = iovec(0x1234_5678_9an, 24)
  t.equal(v.readBigUInt64LE(0), 0x1234_5678_9an)
  t.equal(v.readBigUInt64LE(8), 24n)
})

t.test('IPV6_PKTINFO control message to send from a source on an interface', async (t) => {
  const c = pktinfoCmsg('fe80::1', 4)
  t.equal(c.length, 40, 'CMSG_SPACE(sizeof(struct in6_pktinfo))')
  t.equal(c.readBigUInt64LE(0), 36n, 'cmsg_len = CMSG_LEN(20)')
  t.equal(c.readUInt32LE(8), IPPROTO_IPV6)
  t.equal(c.readUInt32LE(12), IPV6_PKTINFO)
  t.equal(c[16], 0xfe)
  t.equal(c.readUInt32LE(32), 4)
})

/** A control buffer as the kernel writes it: PKTINFO, then HOPLIMIT (each CMSG_ALIGNed). */
function received(destination: string, ifindex: number, hopLimit: number): Buffer {
  const pkt = pktinfoCmsg(destination, ifindex)
  const hop = Buffer.alloc(24)
  hop.writeBigUInt64LE(20n, 0)
  hop.writeUInt32LE(IPPROTO_IPV6, 8)
  hop.writeUInt32LE(IPV6_HOPLIMIT, 12)
  hop.writeUInt32LE(hopLimit, 16)
  return Buffer.concat([pkt, hop, Buffer.alloc(16)])
}

// RFC 9568 7.1: the hop limit must be known to check it; the destination tells multicast from unicast.
t.test('the hop limit and destination are read from the ancillary data', async (t) => {
  const c = received('ff02::12', 2, 254)
  t.same(parseAncillary(c, 64), { destination: 'ff02::12', ifindex: 2, hopLimit: 254 })
  t.same(parseAncillary(c, 40), { destination: 'ff02::12', ifindex: 2 }, 'only the first msg_controllen bytes count')
  t.same(parseAncillary(c, 0), {}, 'no control data: nothing known (the transport then drops the packet)')
  const truncated = Buffer.from(c)
  truncated.writeBigUInt64LE(500n, 0)
  t.same(parseAncillary(truncated, 64), {}, 'a length past the buffer stops the walk')
})
