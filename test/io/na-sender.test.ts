import t from 'tap'
import type * as NaModule from '../../src/io/na-sender.js'
import { ipv6Forwarding } from '../../src/io/na-sender.js'
import { startAgent } from '../helpers/agent.js'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'

t.test("the Router flag follows the interface's IPv6 forwarding sysctl (as keepalived)", async (t) => {
  const paths: string[] = []
  t.equal(ipv6Forwarding('eth0', (p) => (paths.push(p), '1\n')), true)
  t.equal(ipv6Forwarding('eth0', () => '0\n'), false)
  t.equal(ipv6Forwarding('eth0', () => { throw new Error('ENOENT') }), false, 'unreadable: no Router flag')
  t.same(paths, ['/proc/sys/net/ipv6/conf/eth0/forwarding'])
})

t.test('when koffi cannot load, every send returns the reason and it is logged once', async (t) => {
  const logged: unknown[] = []
  const { createNaSender } = await t.mockImport<typeof NaModule>('../../src/io/na-sender.js', {
    '../../src/io/libc.js': { ...(await import('../../src/io/libc.js')), loadLibc: () => new Error('koffi/libc could not be loaded: nope') },
  })
  const log = { debug() {}, info() {}, warn() {}, error: (o: unknown, m?: string) => void logged.push([o, m]) }
  const na = createNaSender({ log: log as never, forwarding: () => false })
  for (let i = 0; i < 3; i++) t.match(na.send({ name: 'eth0', index: 2, mac: '02:00:00:00:00:01' }, 'fd00::1'), { ok: false, error: /could not be loaded/ })
  t.equal(logged.length, 1)
  na.close()
})

t.test('a bad MAC or IPv6 address is returned as an error', async (t) => {
  const { createNaSender } = await import('../../src/io/na-sender.js')
  const na = createNaSender({ forwarding: () => false })
  t.match(na.send({ name: 'eth0', index: 2, mac: 'nope' }, 'fd00::1'), { ok: false, error: /not a MAC address/ })
  t.match(na.send({ name: 'eth0', index: 2, mac: '02:00:00:00:00:01' }, '10.0.0.1'), { ok: false, error: /not an IPv6 address/ })
  na.close()
})

t.test('the forwarding sysctl is read at most every 5 s per interface', async (t) => {
  const { createNaSender } = await import('../../src/io/na-sender.js')
  let reads = 0
  let clock = 0
  const na = createNaSender({ forwarding: () => (reads++, false), now: () => clock })
  const iface = { name: 'eth0', index: 0x7fffffff, mac: '02:00:00:00:00:01' }
  na.send(iface, 'fd00::1')
  na.send(iface, 'fd00::1')
  clock = 5001
  na.send(iface, 'fd00::1')
  t.equal(reads, 2)
  na.close()
})

if (requireRoot(t)) {
  // RFC 9568 8.1.2 / RFC 4861 7.2.6: an unsolicited NA with Override moves the VIP in neighbours' caches.
  t.test("an unsolicited NA from A repoints the client's neighbour entry for the VIP to A", async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'client'], ipv6: true })
    const vip = lab.ip6('a').replace(/::[0-9a-f]+$/, '::100')
    await lab.exec('a', 'ip', ['-6', 'addr', 'add', `${vip}/64`, 'dev', 'eth0', 'nodad'])
    await lab.exec('client', 'ip', ['-6', 'neigh', 'replace', vip, 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale'])
    t.equal(await lab.neighbour('client', vip), '02:00:00:00:00:99')
    const agent = await startAgent(lab, 'a', {})
    t.teardown(() => agent.stop())
    t.match(await agent.request({ op: 'na', iface: { name: 'eth0', index: lab.ifindex('a'), mac: lab.mac('a') }, address: vip }, 'na'), { ok: true })
    await waitFor('the entry to move', async () => (await lab.neighbour('client', vip)) === lab.mac('a'), 3000)
    t.pass("the client's entry now has A's MAC")
  })
}
