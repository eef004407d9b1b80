import t from 'tap'
import { internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader } from '../../src/protocol/checksum.js'
import { capturedAdverts } from '../helpers/protocol-captures.js'

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 0x100000000
  }
}

/** The plain definition: sum 16-bit big-endian words of one contiguous buffer, fold, complement. */
function referenceChecksum(buf: Buffer): number {
  let sum = 0
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i]! << 8) + (i + 1 < buf.length ? buf[i + 1]! : 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000)
  return ~sum & 0xffff
}

t.test('the worked example of RFC 1071 3', async (t) => {
  // RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (folded); the checksum is its complement
  t.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), 0xffff - 0xddf2)
})

t.test('a message with its checksum in place sums to zero', async (t) => {
  // RFC 1071 1: the receiver's sum over data and checksum is all ones, complemented 0
  const data = Buffer.from('4500003c1c46400040060000ac100001ac10000c', 'hex')
  const sum = internetChecksum(data)
  data.writeUInt16BE(sum, 10)
  t.equal(internetChecksum(data), 0)
  data[0]! ^= 1
  t.not(internetChecksum(data), 0, 'a flipped bit shows')
})

t.test('the captured IPv4 headers carry right checksums', async (t) => {
  // RFC 791 3.1: the header checksum covers the header only
  for (const c of capturedAdverts().filter((c) => c.expect.family === 4)) t.equal(internetChecksum(c.ipHeader), 0, c.name)
})

t.test('parts are summed as one byte string, odd lengths included', async (t) => {
  const random = prng(1071)
  for (let n = 0; n < 500; n++) {
    const whole = Buffer.from(Array.from({ length: Math.floor(random() * 60) }, () => Math.floor(random() * 256)))
    const cuts = [0, Math.floor(random() * whole.length), Math.floor(random() * whole.length), whole.length].sort((a, b) => a - b)
    const parts = [whole.subarray(cuts[0], cuts[1]), whole.subarray(cuts[1], cuts[2]), whole.subarray(cuts[2], cuts[3])]
    const expected = referenceChecksum(whole)
    if (internetChecksum(...parts) !== expected || internetChecksum(whole) !== expected) {
      t.fail(`${whole.toString('hex')} cut at ${cuts.join(',')}`)
      return
    }
  }
  t.pass('500 random splits agree with the contiguous sum')
})

t.test('large inputs fold every carry', async (t) => {
  const big = Buffer.alloc(200_000, 0xff)
  t.equal(internetChecksum(big), referenceChecksum(big))
  t.equal(internetChecksum(Buffer.alloc(0)), 0xffff, 'nothing sums to 0, complemented all ones')
})

t.test('IPv4 pseudo-header layout', async (t) => {
  // RFC 9568 5.2.8 (with RFC 768's layout): source, destination, zero, protocol, length
  t.equal(ipv4PseudoHeader('10.77.0.11', '224.0.0.18', 12).toString('hex'), '0a4d000be00000120070000c')
  t.equal(ipv4PseudoHeader(Buffer.from([1, 2, 3, 4]), '5.6.7.8', 0x1234, 17).toString('hex'), '010203040506070800111234')
  t.throws(() => ipv4PseudoHeader('::1', '224.0.0.18', 12), TypeError)
  t.throws(() => ipv4PseudoHeader(Buffer.alloc(16), '224.0.0.18', 12), RangeError)
})

t.test('IPv6 pseudo-header layout', async (t) => {
  // RFC 8200 8.1: source, destination, 32-bit upper-layer length, 3 zero bytes, next header
  const header = ipv6PseudoHeader('fe80::1', 'ff02::12', 12)
  t.equal(header.length, 40)
  t.equal(header.subarray(0, 16).toString('hex'), 'fe800000000000000000000000000001')
  t.equal(header.subarray(16, 32).toString('hex'), 'ff020000000000000000000000000012')
  t.equal(header.subarray(32).toString('hex'), '0000000c00000070')
  t.equal(ipv6PseudoHeader('::1', '::2', 70000, 58).subarray(32).toString('hex'), '000111700000003a')
  t.throws(() => ipv6PseudoHeader('10.0.0.1', 'ff02::12', 12), TypeError)
})
