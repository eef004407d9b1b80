import t from 'tap'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createVmacManager, linkLocalOf } from '../../src/daemon/vmac-manager.js'
import { VmacSysctls } from '../../src/io/vmac-sysctls.js'
import { createLogger } from '../../src/log.js'
import type { LinkFacts, VmacLinks } from '../../src/io/vmac-links.js'
import type { AddressManager, InterfaceInfo, Links } from '../../src/io/ports.js'
import type { VmacSpec } from '../../src/daemon/vmac-plan.js'
import type { VipEntry } from '../../src/config/model.js'

function world(t: { testdir(): string }, facts: Record<string, LinkFacts>, info: Record<string, InterfaceInfo> = {}) {
  const dir = t.testdir()
  for (const iface of ['all', 'default', 'eth0', 'eth1', 'vrrp.51']) {
    mkdirSync(join(dir, 'net/ipv4/conf', iface), { recursive: true })
    mkdirSync(join(dir, 'net/ipv6/conf', iface), { recursive: true })
    for (const p of ['arp_ignore', 'arp_filter', 'rp_filter']) writeFileSync(join(dir, 'net/ipv4/conf', iface, p), '0\n')
  }
  const lines: string[] = []
  const calls: string[] = []
  const added: VipEntry[] = []
  const links: VmacLinks = {
    inspect: async (name) => facts[name],
    ensure: async (o) => (calls.push(`ensure ${o.name} on ${o.base} ${o.mac}`), { ok: true, index: 40, how: 'created' }),
    remove: async (name) => (calls.push(`remove ${name}`), { ok: true }),
    close: () => {},
  }
  const addresses: AddressManager = { add: async (v) => (added.push(v), { ok: true }), remove: async () => ({ ok: true }), has: async () => false }
  const interfaces: Links = { get: async (n) => info[n], watch: () => {}, close: () => {} }
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  const manager = createVmacManager({ links, sysctls: new VmacSysctls({ procSys: dir }), addresses, interfaces, log })
  const read = (iface: string, p: string) => readFileSync(join(dir, 'net/ipv4/conf', iface, p), 'utf8').trim()
  return { manager, lines, calls, added, read }
}
const spec = (extra: Partial<VmacSpec> = {}): VmacSpec => ({ instance: 'VI_1', name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33', family: 4, xmitBase: false, ...extra })
const ether = (name: string, extra: Partial<LinkFacts> = {}): LinkFacts => ({ name, index: 2, mac: '02:00:00:00:00:01', linkType: 'ether', ...extra })

t.test('an IPv4 VMAC: made, its sysctls and its base\'s set, and put back at stop', async (t) => {
  const w = world(t, { eth0: ether('eth0') })
  await w.manager.setUp([spec()])
  t.same(w.calls, ['ensure vrrp.51 on eth0 00:00:5e:00:01:33'])
  t.same([w.read('vrrp.51', 'arp_ignore'), w.read('eth0', 'arp_ignore'), w.read('eth0', 'arp_filter')], ['1', '1', '1'])
  await w.manager.tearDown([spec()], true)
  t.same(w.calls.slice(1), ['remove vrrp.51'])
  t.same([w.read('eth0', 'arp_ignore'), w.read('eth0', 'arp_filter')], ['0', '0'], 'the base as found')
})

t.test("not Ethernet: keepalived's error and no VMAC (the instance waits in FAULT)", async (t) => {
  const w = world(t, { tun0: ether('tun0', { linkType: 'none' }) })
  await w.manager.setUp([spec({ base: 'tun0' })])
  t.same(w.calls, [])
  t.match(w.lines.join(''), /\(VI_1\): vmacs are only supported on Ethernet type interfaces/)
})

t.test('a macvlan base: the VMAC goes on its parent, whose ARP sysctls are set, and vrrpd says so', async (t) => {
  const w = world(t, { mv0: ether('mv0', { kind: 'macvlan', mode: 'bridge', lower: 'eth1' }) })
  await w.manager.setUp([spec({ base: 'mv0' })])
  t.match(w.lines.join(''), /\(VI_1\) mv0 is a macvlan: the kernel puts VMAC vrrp\.51 on its parent eth1/)
  t.same([w.read('eth1', 'arp_ignore'), w.read('eth1', 'arp_filter')], ['1', '1'])
  const far = world(t, { mv0: ether('mv0', { kind: 'macvlan', mode: 'bridge' }) })
  await far.manager.setUp([spec({ base: 'mv0' })])
  t.match(far.lines.join(''), /parent is in another namespace/)
})

t.test('a bond that rewrites source MACs gets a warning; an active-backup bond does not', async (t) => {
  const alb = world(t, { bond0: ether('bond0', { kind: 'bond', mode: 'balance-alb' }) })
  await alb.manager.setUp([spec({ base: 'bond0' })])
  t.match(alb.lines.join(''), /bond0 is a bond in balance-alb mode, which sends with its slaves' MACs/)
  t.same(alb.calls.length, 1, 'the VMAC is still made (keepalived makes it too)')
  const ab = world(t, { bond0: ether('bond0', { kind: 'bond', mode: 'active-backup' }) })
  await ab.manager.setUp([spec({ base: 'bond0' })])
  t.notMatch(ab.lines.join(''), /is a bond/)
})

t.test("IPv6: the base's link-local address goes on the VMAC (EUI-64 of the base's MAC without one); not with vmac_xmit_base", async (t) => {
  const six = spec({ family: 6, name: 'vrrp.51', mac: '00:00:5e:00:02:33' })
  const w = world(t, { eth0: ether('eth0') }, { eth0: { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', up: true, addresses: [{ family: 6, address: 'fe80::1:2', prefixLength: 64, primary: true }] } })
  await w.manager.setUp([six])
  t.match(w.added, [{ address: 'fe80::1:2', prefixLength: 64, dev: 'vrrp.51', family: 6 }])
  const bare = world(t, { eth0: ether('eth0') })
  await bare.manager.setUp([six])
  t.equal(bare.added[0]?.address, linkLocalOf('02:00:00:00:00:01'))
  const xmit = world(t, { eth0: ether('eth0') })
  await xmit.manager.setUp([{ ...six, xmitBase: true }])
  t.same(xmit.added, [])
})

t.test('linkLocalOf: modified EUI-64 (keepalived make_link_local_address)', async (t) => {
  t.equal(linkLocalOf('02:00:00:00:00:01'), 'fe80::ff:fe00:1')
  t.equal(linkLocalOf('52:54:00:12:34:56'), 'fe80::5054:ff:fe12:3456')
})
