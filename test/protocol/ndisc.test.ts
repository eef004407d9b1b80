import t from 'tap'
import { internetChecksum } from '../../src/protocol/checksum.js'
import { buildUnsolicitedNa, UNSOLICITED_NA_FRAME_LENGTH } from '../../src/protocol/ndisc.js'
import { capturedNas } from '../helpers/protocol-captures.js'

const MAC = '02:00:00:00:00:01'
const VIP = '2001:db8::64'
const VIP_HEX = '20010db8000000000000000000000064'
const ALL_NODES_HEX = 'ff020000000000000000000000000001'

/** RFC 8200 8.1: the ICMPv6 sum covers the pseudo-header; built here from the frame's own bytes. */
function icmpSumOk(frame: Buffer): boolean {
  const ip = frame.subarray(14, 54)
  const icmp = frame.subarray(54)
  const pseudo = Buffer.concat([ip.subarray(8, 40), Buffer.from([0, 0, 0, icmp.length, 0, 0, 0, 58])])
  return internetChecksum(pseudo, icmp) === 0
}

t.test('equals the unsolicited NA keepalived sent, byte for byte', async (t) => {
  const nas = capturedNas()
  t.ok(nas.length > 0)
  for (const na of nas) {
    const built = buildUnsolicitedNa(na.expect.mac, na.expect.address, { router: na.expect.router })
    t.equal(built.toString('hex'), na.frame.toString('hex'), `${na.name}: ${na.tcpdump.slice(16, 140)}`)
  }
})

t.test('Ethernet and IPv6 headers', async (t) => {
  const f = buildUnsolicitedNa(MAC, VIP)
  t.equal(f.length, UNSOLICITED_NA_FRAME_LENGTH)
  t.equal(f.length, 86)
  // RFC 2464 7: 33:33 + low 32 bits of ff02::1
  t.equal(f.subarray(0, 14).toString('hex'), '333300000001' + '020000000001' + '86dd')
  // RFC 8200 3: version 6, payload 32, next header 58 (ICMPv6); RFC 4861 7.1.2: hop limit 255
  t.equal(f.subarray(14, 22).toString('hex'), '60000000' + '0020' + '3a' + 'ff')
  t.equal(f.subarray(22, 38).toString('hex'), VIP_HEX, 'from the address itself, as keepalived')
  t.equal(f.subarray(38, 54).toString('hex'), ALL_NODES_HEX, 'to all nodes')
})

t.test('Neighbor Advertisement body', async (t) => {
  // RFC 4861 4.4: type 136, code 0, checksum, R|S|O flags, target; 4.6.1 target link-layer option
  const f = buildUnsolicitedNa(MAC, VIP)
  t.equal(f[54], 136)
  t.equal(f[55], 0)
  t.equal(f.subarray(58, 62).toString('hex'), '20000000', 'Override only: unsolicited, not a router')
  t.equal(f.subarray(62, 78).toString('hex'), VIP_HEX)
  t.equal(f.subarray(78, 86).toString('hex'), '0201' + '020000000001')
  t.ok(icmpSumOk(f), 'checksum over pseudo-header and message')
  const broken = Buffer.from(f)
  broken[70] ^= 1
  t.notOk(icmpSumOk(broken), 'the check notices a change')
})

t.test('router flag and source option', async (t) => {
  const r = buildUnsolicitedNa(MAC, VIP, { router: true })
  t.equal(r[58], 0xa0, 'Router and Override')
  t.ok(icmpSumOk(r))
  const s = buildUnsolicitedNa(MAC, VIP, { source: 'fe80::1' })
  t.equal(s.subarray(22, 38).toString('hex'), 'fe800000000000000000000000000001')
  t.equal(s.subarray(62, 78).toString('hex'), VIP_HEX, 'the target stays the address')
  t.ok(icmpSumOk(s), 'the source is summed')
  t.throws(() => buildUnsolicitedNa(MAC, '10.0.0.1'), TypeError)
  t.throws(() => buildUnsolicitedNa('x', VIP), TypeError)
  t.throws(() => buildUnsolicitedNa(MAC, VIP, { source: 'x' }), TypeError)
})
