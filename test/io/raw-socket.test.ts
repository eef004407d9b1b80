import t from 'tap'
import { deviceName, ipMreqn, ipv4Bytes, loadRawSocket } from '../../src/io/raw-socket.js'

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

t.test('IPv4 text to bytes rejects what is not an address', async (t) => {
  t.same([...ipv4Bytes('10.1.2.3')], [10, 1, 2, 3])
  for (const bad of ['10.1.2', '10.1.2.256', 'a.b.c.d', '', 'fe80::1']) t.throws(() => ipv4Bytes(bad), TypeError, bad)
})

t.test('raw-socket loads (CommonJS from ESM) and is loaded once', async (t) => {
  const raw = loadRawSocket()
  t.notOk(raw instanceof Error, raw instanceof Error ? raw.message : 'loaded')
  t.equal(loadRawSocket(), raw)
  if (!(raw instanceof Error)) t.equal(raw.AddressFamily.IPv4, 1)
})
