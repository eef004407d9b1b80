import t from 'tap'
import { isIPv4, isIPv6, SocketAddress } from 'node:net'
import {
  addressFamily,
  addressToBytes,
  bytesToAddress,
  canonicalAddress,
  formatIpv4,
  formatIpv6,
  parseIpv4,
  parseIpv6,
} from '../../src/protocol/address.js'

// a small seeded generator, so a failure can be replayed
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 0x100000000
  }
}

t.test('IPv4 text to bytes and back', async (t) => {
  t.same([...parseIpv4('10.77.0.100')!], [10, 77, 0, 100])
  t.same([...parseIpv4('0.0.0.0')!], [0, 0, 0, 0])
  t.same([...parseIpv4('255.255.255.255')!], [255, 255, 255, 255])
  t.equal(formatIpv4(Buffer.from([224, 0, 0, 18])), '224.0.0.18')
  t.equal(formatIpv4(Buffer.from([9, 9, 192, 168, 1, 2]), 2), '192.168.1.2', 'reads at an offset')
})

t.test('IPv4 parsing refuses what inet_pton refuses', async (t) => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', ' 1.2.3.4', '1..3.4', 'a.b.c.d', '1.2.3.0x4', '::1']) {
    t.equal(parseIpv4(bad), undefined, JSON.stringify(bad))
    t.equal(isIPv4(bad), false, `node agrees ${JSON.stringify(bad)} is not IPv4`)
  }
})

t.test('IPv6 parsing of the forms of RFC 4291 2.2', async (t) => {
  const cases: Array<[string, string]> = [
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['ff02::12', 'ff020000000000000000000000000012'],
    ['FE80::A:b:C', 'fe800000000000000000000a000b000c'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['::ffff:10.77.0.100', '00000000000000000000ffff0a4d0064'],
    ['::10.77.0.100', '0000000000000000000000000a4d0064'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['1::2:1.2.3.4', '00010000000000000000000201020304'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
  ]
  for (const [text, hex] of cases) t.equal(parseIpv6(text)?.toString('hex'), hex, text)
})

t.test('IPv6 parsing refuses malformed text, as node does', async (t) => {
  const bad = [
    '', ':', ':::', '1:::2', '1::2::3', ':1::', '::1:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8',
    '::1:2:3:4:5:6:7:8', '12345::', 'g::', '1.2.3.4', '::1.2.3', '::1.2.3.256', '1.2.3.4::', '::1.2.3.4:5',
    ' ::1', '1:2:3:4:5:6:7:1.2.3.4',
  ]
  for (const text of bad) {
    t.equal(parseIpv6(text), undefined, JSON.stringify(text))
    t.equal(isIPv6(text), false, `node agrees ${JSON.stringify(text)} is not IPv6`)
  }
  // node takes a zone index; an advert's addresses and our config's have none
  t.equal(parseIpv6('fe80::1%eth0'), undefined, 'a zone index is refused')
})

t.test('IPv6 formatting matches node for chosen edge cases', async (t) => {
  const cases: Array<[string, string]> = [
    ['::', '::'],
    ['::1', '::1'],
    ['::2', '::2'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:0:2:0:0:3', '1::2:0:0:3'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['1:2:3:4:5:6:0:8', '1:2:3:4:5:6:0:8'],
    ['::ffff:0:0', '::ffff:0.0.0.0'],
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
    ['::0:102:304', '::1.2.3.4'],
    ['::fffe:102:304', '::fffe:102:304'],
    ['0:0:0:0:0:0:1:0', '::0.1.0.0'],
    ['2001:DB8::0001', '2001:db8::1'],
  ]
  for (const [text, expected] of cases) {
    t.equal(formatIpv6(parseIpv6(text)!), expected, text)
    t.equal(new SocketAddress({ address: text, family: 'ipv6' }).address, expected, `node prints ${text} the same`)
  }
})

t.test('IPv6 formatting equals node over random addresses with zero runs', async (t) => {
  const random = prng(6)
  for (let n = 0; n < 3000; n++) {
    const bytes = Buffer.alloc(16)
    for (let w = 0; w < 8; w++) {
      const r = random()
      const word = r < 0.5 ? 0 : r < 0.55 ? 0xffff : Math.floor(random() * 0x10000)
      bytes.writeUInt16BE(word, w * 2)
    }
    const text = formatIpv6(bytes)
    const viaNode = new SocketAddress({ address: text, family: 'ipv6' }).address
    if (text !== viaNode) {
      t.fail(`${bytes.toString('hex')}: ours ${text}, node ${viaNode}`)
      return
    }
    if (!parseIpv6(text)!.equals(bytes)) {
      t.fail(`${text} does not parse back to ${bytes.toString('hex')}`)
      return
    }
  }
  t.pass('3000 addresses agree and round-trip')
})

t.test('family detection, either-family parsing and canonical text', async (t) => {
  t.equal(addressFamily('10.0.0.1'), 4)
  t.equal(addressFamily('fe80::1'), 6)
  t.equal(addressFamily('eth0'), 0)
  t.equal(addressToBytes('10.0.0.1')?.length, 4)
  t.equal(addressToBytes('::1')?.length, 16)
  t.equal(addressToBytes('10.0.0.1', 6), undefined, 'family given: an IPv4 text is no IPv6 address')
  t.equal(addressToBytes('::1', 4), undefined)
  t.equal(bytesToAddress(Buffer.from('0a000001', 'hex'), 4), '10.0.0.1')
  t.equal(bytesToAddress(Buffer.from('ff020000000000000000000000000012', 'hex'), 6), 'ff02::12')
  t.equal(canonicalAddress('FF02:0::12'), 'ff02::12')
  t.equal(canonicalAddress('10.77.0.100'), '10.77.0.100')
  t.equal(canonicalAddress('nope'), undefined)
})

t.test('parsers accept exactly what node accepts over random strings', async (t) => {
  const random = prng(4291)
  const pick = (alphabet: string, max: number): string =>
    Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
  let accepted4 = 0
  let accepted6 = 0
  for (let n = 0; n < 20_000; n++) {
    // mostly four short digit runs (about half valid: 256+, leading zeros), else noise
    const v4 = random() < 0.7 ? Array.from({ length: 3 + Math.floor(random() * 2) }, () => pick('0123456789', 4)).join('.') : pick('0123456789..', 17)
    if ((parseIpv4(v4) !== undefined) !== isIPv4(v4)) {
      t.fail(`IPv4 ${JSON.stringify(v4)}: ours ${parseIpv4(v4) !== undefined}, node ${isIPv4(v4)}`)
      return
    }
    const v6 = pick('0012f:::::.', 24)
    if ((parseIpv6(v6) !== undefined) !== isIPv6(v6)) {
      t.fail(`IPv6 ${JSON.stringify(v6)}: ours ${parseIpv6(v6) !== undefined}, node ${isIPv6(v6)}`)
      return
    }
    if (isIPv4(v4)) accepted4++
    if (isIPv6(v6)) accepted6++
  }
  // both kinds of answer must occur, or the comparison proves little
  t.ok(accepted4 > 50 && accepted6 > 50, `20000 strings of each family judged alike (${accepted4} IPv4 and ${accepted6} IPv6 valid)`)
})
