import t from 'tap'
import { buildRouteRequest } from '../../src/io/netlink-routes.js'
import type { RouteEntry } from '../../src/config/model.js'

const base: RouteEntry = { family: 4, destination: '192.0.2.0', prefixLength: 24, type: 1, table: 254, onlink: false, track: true, at: { file: 'k', line: 1 }, text: '' }

/** rtattrs after the 28-byte header, as [type, payload hex]. */
function attrs(msg: Buffer): [number, string][] {
  const out: [number, string][] = []
  for (let at = 28; at + 4 <= msg.length; ) {
    const len = msg.readUInt16LE(at)
    out.push([msg.readUInt16LE(at + 2), msg.subarray(at + 4, at + len).toString('hex')])
    at += (len + 3) & ~3
  }
  return out
}

t.test("RTM_NEWROUTE as keepalived builds it: create without excl, protocol keepalived, scope universe", async (t) => {
  const m = buildRouteRequest('add', { ...base, via: '10.0.0.1', metric: 5 }, 3, 42)
  t.equal(m.readUInt32LE(0), m.length, 'nlmsg_len')
  t.equal(m.readUInt16LE(4), 24, 'RTM_NEWROUTE')
  t.equal(m.readUInt16LE(6), 0x1 | 0x4 | 0x400, 'NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE (no NLM_F_EXCL: an existing route is fine)')
  t.equal(m.readUInt32LE(8), 42, 'seq')
  t.same([...m.subarray(16, 24)], [2, 24, 0, 0, 254, 18, 0, 1], 'family, dst_len, src_len, tos, table main, proto keepalived, scope universe, type unicast')
  t.same(attrs(m), [[1, 'c0000200'], [5, '0a000001'], [4, '03000000'], [6, '05000000']], 'RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY')
})

t.test('RTM_DELROUTE: scope nowhere, same keys; big tables go in RTA_TABLE; blackhole type', async (t) => {
  const m = buildRouteRequest('remove', { ...base, type: 6, table: 1000, track: false }, 0, 1)
  t.equal(m.readUInt16LE(4), 25)
  t.equal(m.readUInt16LE(6), 0x1 | 0x4)
  t.same([...m.subarray(16, 24)], [2, 24, 0, 0, 0, 18, 255, 6])
  t.same(attrs(m), [[1, 'c0000200'], [15, 'e8030000']])
})

t.test('IPv6, preferred source, onlink and a default route', async (t) => {
  const m = buildRouteRequest('add', { ...base, family: 6, destination: '::', prefixLength: 0, via: 'fe80::1', preferredSource: '2001:db8::1', onlink: true, scope: 253 }, 2, 1)
  t.same([...m.subarray(16, 20)], [10, 0, 0, 0])
  t.equal(m[22], 253, 'scope link as given')
  t.equal(m.readUInt32LE(24), 4, 'RTNH_F_ONLINK')
  t.same(attrs(m).map(([type]) => type), [7, 5, 4], 'no RTA_DST for the default route; RTA_PREFSRC, RTA_GATEWAY, RTA_OIF')
})

t.test('RTM_NEWRULE as keepalived builds it: create + excl, fib_rule_hdr, FRA_* attributes', async (t) => {
  const { buildRuleRequest } = await import('../../src/io/netlink-routes.js')
  const rule = { family: 4 as const, from: { address: '192.0.2.0', prefixLength: 24 }, invert: true, action: 1, table: 1000, priority: 1000, fwmark: 7, iif: 'eth0', protocol: 18, track: true, at: { file: 'k', line: 1 }, text: '' }
  const m = buildRuleRequest('add', rule, 9)
  t.equal(m.readUInt16LE(4), 32, 'RTM_NEWRULE')
  t.equal(m.readUInt16LE(6), 0x1 | 0x4 | 0x400 | 0x200, 'NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL')
  t.same([...m.subarray(16, 24)], [2, 0, 24, 0, 0, 0, 0, 1], 'family, dst_len, src_len 24, tos, table (in FRA_TABLE), res, res, FR_ACT_TO_TBL')
  t.equal(m.readUInt32LE(24), 2, 'FIB_RULE_INVERT')
  t.same(attrs(m), [[2, 'c0000200'], [6, 'e8030000'], [10, '07000000'], [3, Buffer.from('eth0\0').toString('hex')], [21, '12'], [15, 'e8030000']], 'FRA_SRC, FRA_PRIORITY, FRA_FWMARK, FRA_IIFNAME, FRA_PROTOCOL, FRA_TABLE')
  const del = buildRuleRequest('remove', { ...rule, table: 100, invert: false }, 10)
  t.equal(del.readUInt16LE(4), 33, 'RTM_DELRULE')
  t.equal(del.readUInt16LE(6), 0x1 | 0x4)
  t.equal(del[20], 100, 'a small table goes in the header')
})
