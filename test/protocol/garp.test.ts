import t from 'tap'
import { buildGarp, GARP_FRAME_LENGTH } from '../../src/protocol/garp.js'
import { capturedGarps } from '../helpers/protocol-captures.js'

t.test('equals the captured gratuitous ARPs byte for byte', async (t) => {
  const garps = capturedGarps()
  t.ok(garps.length >= 4, 'keepalived v2, v3, unicast and FRR frames')
  for (const g of garps) t.equal(buildGarp(g.expect.mac, g.expect.address).toString('hex'), g.frame.toString('hex'), `${g.name}: ${g.tcpdump.slice(16, 120)}`)
})

t.test('frame layout', async (t) => {
  // RFC 826 packet format; RFC 5227 3 announcement: sender and target IP both the address
  const f = buildGarp('02:00:00:00:00:01', '192.0.2.7')
  t.equal(f.length, GARP_FRAME_LENGTH)
  t.equal(f.length, 42)
  t.equal(f.subarray(0, 6).toString('hex'), 'ffffffffffff', 'to broadcast')
  t.equal(f.subarray(6, 12).toString('hex'), '020000000001', 'from the MAC')
  t.equal(f.readUInt16BE(12), 0x0806, 'ARP')
  t.equal(f.subarray(14, 22).toString('hex'), '0001080006040001', 'Ethernet/IPv4, request')
  t.equal(f.subarray(22, 32).toString('hex'), '020000000001c0000207', 'sender MAC and IP')
  t.equal(f.subarray(32, 42).toString('hex'), 'ffffffffffffc0000207', 'target broadcast MAC and the same IP')
  t.throws(() => buildGarp('nope', '192.0.2.7'), TypeError)
  t.throws(() => buildGarp('02:00:00:00:00:01', 'fe80::1'), TypeError)
})
