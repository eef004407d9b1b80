// The no_accept filter over a recorded `nft`: keepalived's tables and sets,
// created on first use, elements shared between instances, old tables deleted
// first, everything deleted at close, failures logged once and retried.
import t from 'tap'
import { createNftablesFilter, type NftRunner } from '../../src/io/nftables.js'
import type { VipEntry } from '../../src/config/model.js'

const vip = (address: string, dev = 'eth0'): VipEntry => ({ address, family: address.includes(':') ? 6 : 4, prefixLength: address.includes(':') ? 64 : 24, dev } as VipEntry)

function recorder(opts: { listing?: string; fail?: string } = {}) {
  const scripts: string[] = []
  const run: NftRunner = async (args, stdin) => {
    if (args[0] === 'list') return { ok: true, stdout: opts.listing ?? '', error: '' }
    scripts.push(stdin ?? '')
    return opts.fail ? { ok: false, stdout: '', error: opts.fail } : { ok: true, stdout: '', error: '' }
  }
  const logged: string[] = []
  const filter = createNftablesFilter({ table: 'vrrpd', priority: -1, counters: false, ifindex: false, log: (l, m) => void logged.push(`${l}: ${m}`), run })
  return { scripts, logged, filter }
}

t.test('the first add builds the table, set and rules (keepalived nft_setup_ipv4_vips), then adds the element', async (t) => {
  const { scripts, filter } = recorder({ listing: 'table inet filter\ntable ip keepalived\n' })
  await filter.add('VI_1', [vip('10.0.0.100')], { dontTrackPrimary: false })
  t.same(scripts[0]!.trim().split('\n'), [
    'add table ip vrrpd',
    'add chain ip vrrpd out { type filter hook output priority -1; policy accept; }',
    'add chain ip vrrpd in { type filter hook input priority -1; policy accept; }',
    'add set ip vrrpd vips { type ipv4_addr; }',
    'add rule ip vrrpd in ip daddr @vips drop',
    'add rule ip vrrpd out ip saddr @vips drop',
    'add element ip vrrpd vips { 10.0.0.100 }',
  ], "keepalived's own table is left alone")
  await filter.add('VI_2', [vip('10.0.0.101')], { dontTrackPrimary: false })
  t.same(scripts[1]!.trim().split('\n'), ['add element ip vrrpd vips { 10.0.0.101 }'], 'then only elements')
})

t.test('an old table of our name is deleted first, with keepalived\'s line', async (t) => {
  const { scripts, logged, filter } = recorder({ listing: 'table ip vrrpd\ntable ip6 vrrpd\n' })
  await filter.add('VI_1', [vip('10.0.0.100')], { dontTrackPrimary: false })
  t.same(scripts[0]!.split('\n').slice(0, 3), ['delete table ip vrrpd', 'delete table ip6 vrrpd', 'add table ip vrrpd'])
  t.same(logged, ['info: Deleting old ip vrrpd table', 'info: Deleting old ip6 vrrpd table'])
})

t.test('IPv6: global VIPs in vips, link-local ones by ifindex, or by name with dont_track_primary', async (t) => {
  const { scripts, filter } = recorder()
  await filter.add('V6', [vip('fe80::1'), vip('2001:db8::1')], { dontTrackPrimary: false })
  const first = scripts[0]!
  t.match(first, 'add chain ip6 vrrpd in_link_local')
  t.match(first, 'add rule ip6 vrrpd in icmpv6 type @neighbor-discovery accept')
  t.match(first, 'add set ip6 vrrpd vips_link_local { type ipv6_addr . iface_index; }')
  t.match(first, 'add rule ip6 vrrpd in_link_local ip6 daddr . iif @vips_link_local drop')
  t.match(first, 'add element ip6 vrrpd vips_link_local { fe80::1 . "eth0" }')
  t.match(first, 'add element ip6 vrrpd vips { 2001:db8::1 }')
  await filter.add('V6b', [vip('fe80::2')], { dontTrackPrimary: true })
  t.match(scripts[1], 'add set ip6 vrrpd vips_link_local_name { type ipv6_addr . ifname; }')
  t.match(scripts[1], 'add rule ip6 vrrpd out_link_local ip6 saddr . oifname @vips_link_local_name drop')
  t.notMatch(scripts[1], 'add table', 'the table exists already')
})

t.test('a VIP two instances share leaves the set with the last of them; close deletes the tables', async (t) => {
  const { scripts, filter } = recorder()
  await filter.add('A', [vip('10.0.0.100')], { dontTrackPrimary: false })
  await filter.add('B', [vip('10.0.0.100')], { dontTrackPrimary: false })
  t.equal(scripts.length, 1, 'already in the set')
  await filter.remove('A', [vip('10.0.0.100')])
  t.equal(scripts.length, 1, 'B still wants it')
  await filter.remove('A', [vip('10.0.0.100')])
  t.equal(scripts.length, 1, 'a second remove by A changes nothing')
  await filter.remove('B', [vip('10.0.0.100')])
  t.same(scripts[1]!.trim(), 'delete element ip vrrpd vips { 10.0.0.100 }')
  await filter.close()
  t.same(scripts[2]!.trim(), 'delete table ip vrrpd')
  await filter.add('A', [vip('10.0.0.100')], { dontTrackPrimary: false })
  t.equal(scripts.length, 3, 'nothing after close')
})

t.test('nftables_counters and nftables_priority reach every rule and chain', async (t) => {
  const scripts: string[] = []
  const filter = createNftablesFilter({ table: 't1', priority: -5, counters: true, ifindex: true, log: () => {}, run: async (a, s) => (a[0] !== 'list' && scripts.push(s ?? ''), { ok: true, stdout: '', error: '' }) })
  await filter.add('A', [vip('fe80::1')], { dontTrackPrimary: true })
  t.match(scripts[0], 'add chain ip6 t1 in { type filter hook input priority -5; policy accept; }')
  t.match(scripts[0], 'add rule ip6 t1 in ip6 daddr @vips counter drop')
  t.match(scripts[0], 'add element ip6 t1 vips_link_local { fe80::1 . "eth0" }', 'nftables_ifindex: by index even with dont_track_primary')
})

t.test('a failing nft is logged once, not thrown, and the next add tries the whole setup again', async (t) => {
  const { scripts, logged, filter } = recorder({ fail: 'nft: command not found (install the nftables package)' })
  await filter.add('A', [vip('10.0.0.100')], { dontTrackPrimary: false })
  await filter.add('A', [vip('10.0.0.100')], { dontTrackPrimary: false })
  t.equal(scripts.length, 2)
  t.match(scripts[1], 'add table ip vrrpd', 'the table is not taken as made')
  t.same(logged, ["error: nftables: cannot add A's VIPs to the drop sets: nft: command not found (install the nftables package)"])
})
