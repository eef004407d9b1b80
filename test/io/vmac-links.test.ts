import t from 'tap'
import {
  buildAddrGenModeNoneRequest,
  buildDelLinkRequest,
  buildLinkUpRequest,
  buildMacvlanRequest,
  createVmacLinks,
  parseLinkFacts,
} from '../../src/io/vmac-links.js'
import type { NetlinkChannel, NetlinkOutcome } from '../../src/io/netlink-channel.js'

/** Top-level rtattrs after nlmsghdr + ifinfomsg (32 bytes), as [type, payload]. */
function attrs(msg: Buffer, from = 32, to = msg.length): [number, Buffer][] {
  const out: [number, Buffer][] = []
  for (let at = from; at + 4 <= to; ) {
    const len = msg.readUInt16LE(at)
    out.push([msg.readUInt16LE(at + 2), msg.subarray(at + 4, at + len)])
    at += (len + 3) & ~3
  }
  return out
}
const nested = (b: Buffer): [number, Buffer][] => attrs(b, 0, b.length)

t.test('RTM_NEWLINK for a private macvlan, as keepalived creates its VMAC', async (t) => {
  const m = buildMacvlanRequest({ name: 'vrrp.51', link: 7, mac: '00:00:5e:00:01:33' }, 9)
  t.equal(m.readUInt32LE(0), m.length, 'nlmsg_len')
  t.equal(m.readUInt16LE(4), 16, 'RTM_NEWLINK')
  t.equal(m.readUInt16LE(6), 0x1 | 0x4 | 0x400 | 0x200, 'NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL')
  t.equal(m.readUInt32LE(8), 9, 'seq')
  t.equal(m[16], 0, 'AF_UNSPEC')
  t.equal(m.readInt32LE(20), 0, 'no ifindex: a new link')
  const top = attrs(m)
  t.same(top.map(([type]) => type), [18, 5, 3, 1], 'IFLA_LINKINFO, IFLA_LINK, IFLA_IFNAME, IFLA_ADDRESS')
  const [kind, data] = nested(top[0]![1])
  t.same([kind![0], kind![1].toString()], [1, 'macvlan'], 'IFLA_INFO_KIND macvlan')
  t.equal(data![0], 2, 'IFLA_INFO_DATA')
  t.same(nested(data![1]).map(([ty, p]) => [ty, p.readUInt32LE(0)]), [[1, 1]], 'IFLA_MACVLAN_MODE = MACVLAN_MODE_PRIVATE')
  t.equal(top[1]![1].readUInt32LE(0), 7, 'IFLA_LINK: the base interface')
  t.equal(top[2]![1].toString(), 'vrrp.51\0', 'IFLA_IFNAME')
  t.equal(top[3]![1].toString('hex'), '00005e000133', 'IFLA_ADDRESS: the virtual MAC')
})

t.test('updating a macvlan in place: its index, no name or link, no create flags', async (t) => {
  const m = buildMacvlanRequest({ name: 'vrrp.51', link: 7, mac: '00:00:5e:00:02:33', update: 12 }, 1)
  t.equal(m.readUInt16LE(6), 0x1 | 0x4)
  t.equal(m.readInt32LE(20), 12)
  t.same(attrs(m).map(([type]) => type), [18, 1])
})

t.test('addrgenmode none, link up, delete', async (t) => {
  const gen = buildAddrGenModeNoneRequest(12, 1)
  const [spec] = attrs(gen)
  t.equal(spec![0], 26, 'IFLA_AF_SPEC')
  const [inet6] = nested(spec![1])
  t.equal(inet6![0], 10, 'AF_INET6')
  t.same(nested(inet6![1]).map(([ty, p]) => [ty, p[0]]), [[8, 1]], 'IFLA_INET6_ADDR_GEN_MODE = IN6_ADDR_GEN_MODE_NONE')
  const up = buildLinkUpRequest(12, 2)
  t.same([up.readInt32LE(20), up.readUInt32LE(24), up.readUInt32LE(28)], [12, 1, 1], 'index, ifi_flags IFF_UP, ifi_change IFF_UP')
  const del = buildDelLinkRequest(12, 3)
  t.same([del.readUInt16LE(4), del.readUInt16LE(6), del.readInt32LE(20), del.length], [17, 0x5, 12, 32], 'RTM_DELLINK of the index, with ack')
})

t.test('parseLinkFacts reads `ip -j -d link show`', async (t) => {
  const text = JSON.stringify([{ ifindex: 9, ifname: 'vrrp.51', link: 'eth0', address: '00:00:5E:00:01:33', link_type: 'ether', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } }])
  t.same(parseLinkFacts(text), { name: 'vrrp.51', index: 9, mac: '00:00:5e:00:01:33', linkType: 'ether', kind: 'macvlan', mode: 'private', lower: 'eth0' })
  t.same(parseLinkFacts(JSON.stringify([{ ifindex: 2, ifname: 'eth0', address: 'aa:bb:cc:dd:ee:ff', link_type: 'ether' }])), { name: 'eth0', index: 2, mac: 'aa:bb:cc:dd:ee:ff', linkType: 'ether' })
  t.equal(parseLinkFacts('not json'), undefined)
  t.equal(parseLinkFacts('[]'), undefined)
})

/** A fake host: links by name, and the requests the channel saw (by message type). */
function fakeHost(links: Record<string, object>, answer: (type: number) => NetlinkOutcome = () => ({ ok: true })) {
  const seen: number[] = []
  const channel: NetlinkChannel = {
    open: () => 'no socket in this test',
    request: async (build) => {
      const bytes = build(1)
      if (typeof bytes === 'string') throw new Error(bytes)
      const type = bytes.readUInt16LE(4)
      seen.push(type)
      const out = answer(type)
      if (out.ok && type === 16 && !links['vrrp.51']) links['vrrp.51'] = { ifindex: 30, ifname: 'vrrp.51', link: 'eth0', address: '00:00:5e:00:01:33', link_type: 'ether', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } }
      if (out.ok && type === 17) delete links['vrrp.51']
      return out
    },
    close: () => {},
  }
  const ip = async (args: string[]) => {
    const l = links[args[args.length - 1]!]
    return l ? { ok: true, stdout: JSON.stringify([l]), stderr: '' } : { ok: false, stdout: '', stderr: 'Device does not exist' }
  }
  return { vl: createVmacLinks({ channel, ip }), seen }
}
const eth0 = { ifindex: 2, ifname: 'eth0', address: '02:00:00:00:00:01', link_type: 'ether' }

t.test('ensure: created when missing, reused when right, updated when its MAC is wrong, recreated on another parent', async (t) => {
  const fresh = fakeHost({ eth0 })
  t.same(await fresh.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: true, index: 30, how: 'created' })
  t.same(fresh.seen, [16, 16, 16], 'create, addrgenmode, up')

  const reuse = fakeHost({ eth0, 'vrrp.51': { ifindex: 30, ifname: 'vrrp.51', link: 'eth0', address: '00:00:5e:00:01:33', link_type: 'ether', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } } })
  t.match(await reuse.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: true, how: 'reused' })
  t.same(reuse.seen, [16, 16], 'no create: addrgenmode and up only')

  const wrong = fakeHost({ eth0, 'vrrp.51': { ifindex: 30, ifname: 'vrrp.51', link: 'eth0', address: '02:11:11:11:11:11', link_type: 'ether', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'bridge' } } } })
  t.match(await wrong.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: true, how: 'updated' })

  const elsewhere = fakeHost({ eth0, 'vrrp.51': { ifindex: 31, ifname: 'vrrp.51', link: 'eth1', address: '00:00:5e:00:01:33', link_type: 'ether', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } } })
  t.match(await elsewhere.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: true, how: 'recreated' })
  t.same(elsewhere.seen.slice(0, 2), [17, 16], 'deleted, then created')
})

t.test('ensure refuses a name taken by something else, and reports the kernel\'s refusal', async (t) => {
  const taken = fakeHost({ eth0, 'vrrp.51': { ifindex: 5, ifname: 'vrrp.51', address: '02:00:00:00:00:05', link_type: 'ether', linkinfo: { info_kind: 'vlan' } } })
  t.same(await taken.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: false, error: 'vrrp.51 exists and is not a macvlan' })
  const refused = fakeHost({ eth0 }, (type) => (type === 16 ? { ok: false, errno: 1, error: 'RTNETLINK answers: Operation not permitted' } : { ok: true }))
  t.same(await refused.vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: false, error: 'cannot create vrrp.51: RTNETLINK answers: Operation not permitted' })
  t.same(await fakeHost({}).vl.ensure({ name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }), { ok: false, error: 'Cannot find device "eth0"' })
  t.same(await fakeHost({ eth0 }).vl.remove('vrrp.51'), { ok: true }, 'removing what is not there is success')
})
