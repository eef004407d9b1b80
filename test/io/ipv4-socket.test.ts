import t from 'tap'
import { deviceName, ipMreqn, ipv4Bytes, ipv4HeaderLength, ipv4TotalLength, ReceiveBuffer, sockaddrIn } from '../../src/io/ipv4-socket.js'
import { buildIpv4Header } from '../../src/protocol/index.js'

t.test('SO_BINDTODEVICE wants the name NUL-terminated', async (t) => {
  t.same([...deviceName('eth0')], [0x65, 0x74, 0x68, 0x30, 0])
})

t.test('struct ip_mreqn: group, local address, ifindex in host order', async (t) => {
  const b = ipMreqn('224.0.0.18', 5)
  t.equal(b.length, 12)
  t.same([...b.subarray(0, 8)], [224, 0, 0, 18, 0, 0, 0, 0])
  t.equal(b.readInt32LE(8), 5)
  t.same([...ipMreqn('224.0.0.18', 1, '10.0.0.1').subarray(4, 8)], [10, 0, 0, 1])
})

t.test('struct sockaddr_in: AF_INET in host order, port 0, the address, zero padding', async (t) => {
  t.same([...sockaddrIn('10.1.2.3')], [2, 0, 0, 0, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0])
  t.throws(() => sockaddrIn('10.1.2'), TypeError)
})

t.test('IPv4 text to bytes rejects what is not an address', async (t) => {
  t.same([...ipv4Bytes('10.1.2.3')], [10, 1, 2, 3])
  for (const bad of ['10.1.2', '10.1.2.256', 'a.b.c.d', '', 'fe80::1']) t.throws(() => ipv4Bytes(bad), TypeError, bad)
})

t.test('ipv4HeaderLength: the header length of a readable packet, 0 for anything else', async (t) => {
  const packet = Buffer.concat([buildIpv4Header({ source: '10.0.0.1', destination: '224.0.0.18', payloadLength: 12 }), Buffer.alloc(12)])
  t.equal(ipv4HeaderLength(packet, packet.length), 20)
  t.equal(ipv4TotalLength(packet), 32)
  t.equal(ipv4HeaderLength(packet, 19), 0, 'shorter than a header')
  t.equal(ipv4HeaderLength(packet, 31), 0, 'total length past what was received')
  const withOptions = Buffer.from(packet)
  withOptions[0] = 0x46
  t.equal(ipv4HeaderLength(withOptions, withOptions.length), 24, 'IHL 6: options are skipped')
  const bad = (edit: (b: Buffer) => void) => {
    const b = Buffer.from(packet)
    edit(b)
    return ipv4HeaderLength(b, b.length)
  }
  t.equal(bad((b) => (b[0] = 0x65)), 0, 'version 6')
  t.equal(bad((b) => (b[0] = 0x44)), 0, 'IHL 4')
  t.equal(bad((b) => (b[0] = 0x4f)), 0, 'IHL 15: 60 bytes, past the total length')
  t.equal(bad((b) => b.writeUInt16BE(16, 2)), 0, 'total length shorter than the header')
  t.equal(ipv4HeaderLength(Buffer.alloc(0), 0), 0, 'nothing')
})

t.test('ReceiveBuffer: payload views after a plain header are made once per length, others each time', async (t) => {
  const rb = new ReceiveBuffer(64)
  rb.bytes.fill(7)
  const a = rb.view(20, 40)
  t.equal(a.length, 20)
  t.equal(rb.view(20, 40), a, 'the same view for the same length')
  t.not(rb.view(20, 41), a)
  rb.bytes[20] = 9
  t.equal(a[0], 9, 'a view of the buffer, not a copy')
  t.not(rb.view(24, 44), rb.view(24, 44), 'after IP options: a fresh view')
  t.equal(rb.view(24, 44)[0], 7)
})
