// The kernel's link and address messages read into the interface table that the
// rtnetlink monitor keeps (issue 13: the kernel is the truth). The messages are
// built here byte by byte as linux/rtnetlink.h lays them out, in host byte order.
import t from 'tap'
import { endianness } from 'node:os'
import { dumpEnds, dumpRequest, LinkTable, NLMSG_DONE, NLMSG_ERROR, RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, type TableChange } from '../../src/io/rtnetlink-messages.js'

const LE = endianness() === 'LE'
const IFF_UP = 0x1
const IFF_RUNNING = 0x40
const IF_OPER_DOWN = 2
const IF_OPER_UP = 6
const IFA_F_SECONDARY = 0x01
const AF_INET = 2
const AF_INET6 = 10

function u16(v: number): Buffer {
  const b = Buffer.alloc(2)
  if (LE) b.writeUInt16LE(v)
  else b.writeUInt16BE(v)
  return b
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4)
  if (LE) b.writeUInt32LE(v >>> 0)
  else b.writeUInt32BE(v >>> 0)
  return b
}
function pad4(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)])
}
/** struct rtattr { len, type } + payload, padded to 4. */
function attr(type: number, payload: Buffer): Buffer {
  return pad4(Buffer.concat([u16(4 + payload.length), u16(type), payload]))
}
/** struct nlmsghdr { len, type, flags, seq, pid } + body. */
function nlmsg(type: number, body: Buffer, seq = 0): Buffer {
  return Buffer.concat([u32(16 + body.length), u16(type), u16(0), u32(seq), u32(0), body])
}

/** RTM_NEWLINK / RTM_DELLINK: struct ifinfomsg { family, pad, type, index, flags, change } + IFLA_ADDRESS, IFLA_IFNAME, IFLA_OPERSTATE. */
function link(type: number, o: { index: number; name?: string; mac?: string; flags?: number; oper?: number }): Buffer {
  const head = Buffer.concat([Buffer.from([0, 0]), u16(1), u32(o.index), u32(o.flags ?? 0), u32(0)])
  const attrs = [
    o.mac ? attr(1, Buffer.from(o.mac.split(':').map((x) => parseInt(x, 16)))) : Buffer.alloc(0),
    o.name ? attr(3, Buffer.from(`${o.name}\0`)) : Buffer.alloc(0),
    o.oper === undefined ? Buffer.alloc(0) : attr(16, Buffer.from([o.oper])),
  ]
  return nlmsg(type, Buffer.concat([head, ...attrs]))
}

/** RTM_NEWADDR / RTM_DELADDR: struct ifaddrmsg { family, prefixlen, flags, scope, index } + IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS. */
function addr(type: number, o: { index: number; address: string; prefixLength: number; flags?: number; flagsAttr?: number }): Buffer {
  const v6 = o.address.includes(':')
  const raw = v6 ? ipv6Bytes(o.address) : Buffer.from(o.address.split('.').map(Number))
  const head = Buffer.concat([Buffer.from([v6 ? AF_INET6 : AF_INET, o.prefixLength, o.flags ?? 0, 0]), u32(o.index)])
  const attrs = [attr(1, raw), v6 ? Buffer.alloc(0) : attr(2, raw), o.flagsAttr === undefined ? Buffer.alloc(0) : attr(8, u32(o.flagsAttr))]
  return nlmsg(type, Buffer.concat([head, ...attrs]))
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const tl = tail ? tail.split(':') : []
  const groups = [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl]
  return Buffer.concat(groups.map((g) => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(parseInt(g, 16))
    return b
  }))
}

const UP = IFF_UP | IFF_RUNNING
const fresh = (): TableChange => ({ names: new Set(), removed: [] })

t.test('a link and its addresses: primary and secondary IPv4, IPv6, up as `ip` shows it', (t) => {
  const table = new LinkTable()
  const change = table.apply(Buffer.concat([
    link(RTM_NEWLINK, { index: 7, name: 'eth0', mac: '02:00:00:00:00:0a', flags: UP, oper: IF_OPER_UP }),
    addr(RTM_NEWADDR, { index: 7, address: '10.0.0.1', prefixLength: 24 }),
    addr(RTM_NEWADDR, { index: 7, address: '10.0.0.100', prefixLength: 24, flags: IFA_F_SECONDARY }),
    addr(RTM_NEWADDR, { index: 7, address: 'fe80::1', prefixLength: 64 }),
  ]))
  t.same([...change.names], ['eth0'], 'one interface touched')
  t.same(table.get('eth0'), {
    name: 'eth0', index: 7, mac: '02:00:00:00:00:0a', up: true,
    addresses: [
      { family: 4, address: '10.0.0.1', prefixLength: 24, primary: true },
      { family: 4, address: '10.0.0.100', prefixLength: 24, primary: false },
      { family: 6, address: 'fe80::1', prefixLength: 64, primary: true },
    ],
  })
  t.equal(table.get('eth1'), undefined, 'an unknown name')
  t.end()
})

t.test('up needs IFF_UP, IFF_RUNNING and an operstate of UP or UNKNOWN', (t) => {
  const table = new LinkTable()
  table.apply(link(RTM_NEWLINK, { index: 3, name: 'eth0', flags: UP, oper: IF_OPER_DOWN }))
  t.equal(table.get('eth0')?.up, false, 'operstate DOWN (carrier lost)')
  table.apply(link(RTM_NEWLINK, { index: 3, name: 'eth0', flags: IFF_UP, oper: IF_OPER_UP }))
  t.equal(table.get('eth0')?.up, false, 'not RUNNING')
  table.apply(link(RTM_NEWLINK, { index: 3, name: 'eth0', flags: UP, oper: 0 }))
  t.equal(table.get('eth0')?.up, true, 'operstate UNKNOWN (a dummy, a tun)')
  // A message without IFLA_OPERSTATE or IFLA_ADDRESS keeps what was known.
  table.apply(link(RTM_NEWLINK, { index: 3, name: 'eth0', mac: '02:00:00:00:00:0b', flags: UP, oper: IF_OPER_DOWN }))
  table.apply(link(RTM_NEWLINK, { index: 3, flags: UP }))
  t.match(table.get('eth0'), { name: 'eth0', mac: '02:00:00:00:00:0b', up: false }, 'name, MAC and operstate kept from before')
  t.end()
})

t.test('IFA_FLAGS, when present, is read instead of the 8-bit flags', (t) => {
  const table = new LinkTable()
  table.apply(link(RTM_NEWLINK, { index: 2, name: 'eth0', flags: UP, oper: IF_OPER_UP }))
  table.apply(addr(RTM_NEWADDR, { index: 2, address: '10.0.0.5', prefixLength: 24, flags: 0, flagsAttr: IFA_F_SECONDARY }))
  t.same(table.get('eth0')?.addresses, [{ family: 4, address: '10.0.0.5', prefixLength: 24, primary: false }])
  t.end()
})

/** eth0 (ifindex 7) up, with its primary 10.0.0.1/24 and the VIP 10.0.0.100 as a secondary. */
function eth0WithVip(): LinkTable {
  const table = new LinkTable()
  table.apply(Buffer.concat([
    link(RTM_NEWLINK, { index: 7, name: 'eth0', flags: UP, oper: IF_OPER_UP }),
    addr(RTM_NEWADDR, { index: 7, address: '10.0.0.1', prefixLength: 24 }),
    addr(RTM_NEWADDR, { index: 7, address: '10.0.0.100', prefixLength: 24, flags: IFA_F_SECONDARY }),
  ]))
  return table
}

t.test('an address removed (ip addr del) is gone and reported, by interface name', (t) => {
  const table = eth0WithVip()
  const change = table.apply(addr(RTM_DELADDR, { index: 7, address: '10.0.0.100', prefixLength: 24, flags: IFA_F_SECONDARY }), fresh())
  t.same(change, { names: new Set(['eth0']), removed: [{ name: 'eth0', address: '10.0.0.100' }] })
  t.same(table.get('eth0')?.addresses.map((a) => a.address), ['10.0.0.1'])
  // The same address added twice (a replace) is listed once.
  table.apply(addr(RTM_NEWADDR, { index: 7, address: '10.0.0.1', prefixLength: 24 }))
  t.same(table.get('eth0')?.addresses.map((a) => a.address), ['10.0.0.1'], 'no duplicate')
  t.end()
})

t.test('an interface deleted and created again under its name: a new ifindex, none of the old addresses', (t) => {
  const table = eth0WithVip()
  const gone = table.apply(link(RTM_DELLINK, { index: 7, name: 'eth0' }), fresh())
  t.same([...gone.names], ['eth0'], 'the deletion touches eth0')
  t.equal(table.get('eth0'), undefined, 'gone')
  const back = table.apply(Buffer.concat([
    link(RTM_NEWLINK, { index: 12, name: 'eth0', flags: UP, oper: IF_OPER_UP }),
    addr(RTM_NEWADDR, { index: 12, address: '10.0.0.1', prefixLength: 24 }),
  ]), fresh())
  t.same([...back.names], ['eth0'])
  t.same(table.get('eth0'), { name: 'eth0', index: 12, mac: '00:00:00:00:00:00', up: true, addresses: [{ family: 4, address: '10.0.0.1', prefixLength: 24, primary: true }] })
  // A late address event for the dead ifindex changes nothing visible.
  table.apply(addr(RTM_NEWADDR, { index: 7, address: '10.0.0.100', prefixLength: 24 }))
  t.same(table.get('eth0')?.addresses.map((a) => a.address), ['10.0.0.1'])
  t.end()
})

t.test('a renamed interface: both names count as changed, the old one is gone', (t) => {
  const table = new LinkTable()
  table.apply(link(RTM_NEWLINK, { index: 4, name: 'eth0', flags: UP, oper: IF_OPER_UP }))
  const change = table.apply(link(RTM_NEWLINK, { index: 4, name: 'lan0', flags: UP, oper: IF_OPER_UP }), fresh())
  t.same([...change.names].sort(), ['eth0', 'lan0'])
  t.equal(table.get('eth0'), undefined)
  t.equal(table.get('lan0')?.index, 4)
  t.end()
})

t.test('odd input never throws: a message with a bad length ends the datagram, the ones before it count', (t) => {
  const table = new LinkTable()
  const good = link(RTM_NEWLINK, { index: 5, name: 'eth0', flags: UP, oper: IF_OPER_UP })
  const bad = Buffer.from(good)
  u32(9999).copy(bad, 0) // nlmsg_len longer than the datagram
  const after = link(RTM_NEWLINK, { index: 6, name: 'eth1', flags: UP, oper: IF_OPER_UP })
  t.doesNotThrow(() => table.apply(Buffer.concat([good, bad, after])))
  t.equal(table.get('eth0')?.index, 5, 'the message before is read')
  t.equal(table.get('eth1'), undefined, 'nothing after the bad length is trusted')
  // Truncated bodies, an attribute running past the message, an unknown family, junk.
  const truncated = nlmsg(RTM_NEWADDR, Buffer.from([AF_INET, 24, 0]))
  const unknownFamily = addr(RTM_NEWADDR, { index: 5, address: '10.0.0.9', prefixLength: 24 })
  unknownFamily[16] = 17 // AF_PACKET
  const longAttr = link(RTM_NEWLINK, { index: 8, name: 'eth2', flags: UP })
  u16(200).copy(longAttr, 32) // IFLA_IFNAME's length past the end of the message
  for (const junk of [truncated, unknownFamily, longAttr, Buffer.from([1, 2, 3]), Buffer.alloc(64, 0xff)]) t.doesNotThrow(() => table.apply(junk))
  t.same(table.get('eth0')?.addresses, [], 'none of it added an address')
  t.equal(table.get('eth2'), undefined, 'a link without a readable name is not added')
  t.end()
})

t.test('other message types are ignored; clear() forgets everything', (t) => {
  const table = new LinkTable()
  const change = table.apply(Buffer.concat([nlmsg(24 /* RTM_NEWROUTE */, Buffer.alloc(12)), link(RTM_NEWLINK, { index: 2, name: 'eth0', flags: UP, oper: IF_OPER_UP })]))
  t.same([...change.names], ['eth0'])
  table.clear()
  t.equal(table.get('eth0'), undefined)
  t.end()
})

t.test('dump requests, and the end of a dump (NLMSG_DONE) or its refusal (NLMSG_ERROR) by sequence number', (t) => {
  for (const [type, bodyLength] of [[RTM_GETLINK, 16], [RTM_GETADDR, 8]] as const) {
    const req = dumpRequest(type, 0x12345678)
    const r32 = (at: number) => (LE ? req.readUInt32LE(at) : req.readUInt32BE(at))
    const r16 = (at: number) => (LE ? req.readUInt16LE(at) : req.readUInt16BE(at))
    t.equal(req.length, 16 + bodyLength)
    t.equal(r32(0), req.length, 'nlmsg_len')
    t.equal(r16(4), type, 'nlmsg_type')
    t.equal(r16(6), 0x301, 'NLM_F_REQUEST | NLM_F_DUMP')
    t.equal(r32(8), 0x12345678, 'nlmsg_seq')
    t.equal(req[16], 0, 'every family (AF_UNSPEC)')
  }
  const datagram = Buffer.concat([link(RTM_NEWLINK, { index: 2, name: 'eth0' }), nlmsg(NLMSG_DONE, u32(0), 41), nlmsg(NLMSG_ERROR, Buffer.alloc(20), 42)])
  t.same(dumpEnds(datagram), [41, 42])
  t.same(dumpEnds(link(RTM_NEWLINK, { index: 2, name: 'eth0' })), [], 'not the end')
  t.end()
})

t.test('the deletion of a link is read even without its attributes', (t) => {
  const table = new LinkTable()
  table.apply(link(RTM_NEWLINK, { index: 9, name: 'vlan10', flags: UP, oper: IF_OPER_UP }))
  const change = table.apply(link(RTM_DELLINK, { index: 9 }), fresh())
  t.same([...change.names], ['vlan10'], 'named by what was known')
  t.equal(table.get('vlan10'), undefined)
  t.end()
})
