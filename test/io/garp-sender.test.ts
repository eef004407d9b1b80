import t from 'tap'
import { startAgent } from '../helpers/agent.js'
import { createLab, requireRootForLabPart, waitFor } from '../helpers/netns.js'
import type * as GarpModule from '../../src/io/garp-sender.js'
import { sockaddrLl } from '../../src/io/garp-sender.js'

t.test('struct sockaddr_ll: AF_PACKET, ETH_P_ARP in network order, ifindex, Ethernet broadcast', async (t) => {
  const b = sockaddrLl(7)
  t.equal(b.length, 20)
  t.equal(b.readUInt16LE(0), 17, 'sll_family AF_PACKET (host order)')
  t.same([...b.subarray(2, 4)], [0x08, 0x06], 'sll_protocol ETH_P_ARP, big-endian')
  t.equal(b.readInt32LE(4), 7, 'sll_ifindex')
  t.equal(b.readUInt16LE(8), 1, 'sll_hatype ARPHRD_ETHER')
  t.equal(b[11], 6, 'sll_halen')
  t.same([...b.subarray(12, 20)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0], 'sll_addr broadcast')
})

t.test('when koffi cannot load, every send returns the reason and it is logged once', async (t) => {
  const logged: unknown[] = []
  const { createGarpSender } = await t.mockImport<typeof GarpModule>('../../src/io/garp-sender.js', {
    '../../src/io/libc.js': {
      ...(await import('../../src/io/libc.js')),
      loadLibc: () => new Error('koffi/libc could not be loaded: No native build for this platform'),
    },
  })
  const log = { debug() {}, info() {}, warn() {}, error: (o: unknown, m?: string) => void logged.push([o, m]) }
  const garp = createGarpSender({ log: log as never })
  const iface = { name: 'eth0', index: 2, mac: '02:00:00:00:00:01' }
  for (let i = 0; i < 3; i++) t.match(garp.send(iface, '10.0.0.1'), { ok: false, error: /koffi\/libc could not be loaded: No native build/ })
  t.equal(logged.length, 1)
  garp.close()
})

t.test('a bad MAC or address is returned as an error', async (t) => {
  const { createGarpSender } = await import('../../src/io/garp-sender.js')
  const garp = createGarpSender()
  t.match(garp.send({ name: 'eth0', index: 2, mac: 'nope' }, '10.0.0.1'), { ok: false, error: /not a MAC address/ })
  t.match(garp.send({ name: 'eth0', index: 2, mac: '02:00:00:00:00:01' }, '10.0.0'), { ok: false, error: /not an IPv4 address/ })
  garp.close()
})

if (requireRootForLabPart(t)) {
  // RFC 9568 8.1.2 / RFC 5227 3: the announcement moves the VIP in neighbours' caches
  t.test('a gratuitous ARP from A repoints the client\'s stale neighbour entry for the VIP to A', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'client'] })
    const vip = lab.address(100)
    await lab.exec('a', 'ip', ['addr', 'add', `${vip}/24`, 'dev', 'eth0'])
    await lab.exec('client', 'ip', ['neigh', 'replace', vip, 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale'])
    t.equal(await lab.neighbour('client', vip), '02:00:00:00:00:99')

    const a = await startAgent(lab, 'a', {})
    t.teardown(() => a.stop())
    const iface = { name: 'eth0', index: lab.ifindex('a'), mac: lab.mac('a') }
    t.match(await a.request({ op: 'garp', iface, address: vip, count: 1 }, 'garp'), { ok: true })
    t.equal(await waitFor('client neighbour entry to move', async () => ((await lab.neighbour('client', vip)) === lab.mac('a') ? lab.mac('a') : undefined)), lab.mac('a'))

    const burst = await a.request({ op: 'garp', iface, address: vip, count: 1000 }, 'garp')
    t.match(burst, { ok: true })
    t.comment(`gratuitous ARP: ${(burst.msPerSend as number).toFixed(4)} ms per send (1000 sends)`)
  })

  t.test('a send on an interface index that does not exist returns the error', async (t) => {
    const lab = await createLab(t, { hosts: ['a'] })
    const a = await startAgent(lab, 'a', {})
    t.teardown(() => a.stop())
    const reply = await a.request({ op: 'garp', iface: { name: 'ghost0', index: 9999, mac: lab.mac('a') }, address: lab.address(100) }, 'garp')
    t.match(reply, { ok: false, error: /gratuitous ARP for .* on ghost0: No such device/ })
  })
}
