// The rtnetlink encoding helpers shared by the address, route/rule and VMAC requests.
import t from 'tap'
import { endianness } from 'node:os'
import { align4, putI32, putU16, putU32, rtattr, u32attr } from '../../src/io/netlink-encode.js'

const LE = endianness() === 'LE'

t.test('rtattr: length counts the header and the payload, the buffer is padded to 4 bytes', async (t) => {
  const a = rtattr(3, Buffer.from('eth0\0'))
  t.equal(a.length, 12, '4 + 5 bytes padded to 12')
  t.equal(LE ? a.readUInt16LE(0) : a.readUInt16BE(0), 9, 'rta_len is unpadded')
  t.equal(LE ? a.readUInt16LE(2) : a.readUInt16BE(2), 3, 'rta_type')
  t.equal(a.subarray(4, 9).toString(), 'eth0\0')
  t.same([...a.subarray(9)], [0, 0, 0], 'padding is zero')
})

t.test('u32attr and the field writers use host byte order; u32 wraps like the C type', async (t) => {
  const a = u32attr(15, 0x01020304)
  t.equal(a.length, 8)
  t.equal(LE ? a.readUInt32LE(4) : a.readUInt32BE(4), 0x01020304)
  const b = Buffer.alloc(10)
  putU16(b, 0xbeef, 0)
  putU32(b, -1, 2)
  putI32(b, -2, 6)
  t.equal(LE ? b.readUInt16LE(0) : b.readUInt16BE(0), 0xbeef)
  t.equal(LE ? b.readUInt32LE(2) : b.readUInt32BE(2), 0xffffffff)
  t.equal(LE ? b.readInt32LE(6) : b.readInt32BE(6), -2)
  t.same([0, 1, 4, 5, 8].map(align4), [0, 4, 4, 8, 8])
})
