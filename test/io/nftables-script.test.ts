import t from 'tap'
import { isLinkLocal6, isPlainNftName, setElementFor, tablesNamed, vrrpdTableName } from '../../src/io/nftables-script.js'
import type { VipEntry } from '../../src/config/model.js'

t.test("vrrpd's table never is keepalived's", async (t) => {
  t.equal(vrrpdTableName(undefined), 'vrrpd')
  t.equal(vrrpdTableName('keepalived'), 'vrrpd')
  t.equal(vrrpdTableName('edge_vips'), 'edge_vips')
  t.ok(isPlainNftName('edge_vips'))
  t.notOk(isPlainNftName('a b'))
  t.notOk(isPlainNftName('1abc'))
})

t.test('link-local is fe80::/10', async (t) => {
  t.ok(isLinkLocal6('fe80::1'))
  t.ok(isLinkLocal6('febf::1'))
  t.notOk(isLinkLocal6('fec0::1'))
  t.notOk(isLinkLocal6('2001:db8::1'))
})

t.test('set elements', async (t) => {
  const v = (address: string, family: 4 | 6) => ({ address, family, prefixLength: 24, dev: 'eth1' }) as VipEntry
  t.same(setElementFor(v('10.0.0.1', 4), { dontTrackPrimary: true, ifindex: false }), { family: 'ip', set: 'vips', element: '10.0.0.1' })
  t.same(setElementFor(v('fe80::1', 6), { dontTrackPrimary: true, ifindex: false }), { family: 'ip6', set: 'vips_link_local_name', element: 'fe80::1 . "eth1"' })
  t.same(setElementFor(v('fe80::1', 6), { dontTrackPrimary: false, ifindex: false }).set, 'vips_link_local')
})

t.test('tables named in `nft list tables`', async (t) => {
  t.same(tablesNamed('table ip vrrpd\ntable inet filter\ntable ip6 vrrpd\ntable ip vrrpd2\n', 'vrrpd'), ['ip', 'ip6'])
})
