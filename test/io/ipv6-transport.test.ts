import t from 'tap'
import { startAgent, type Agent } from '../helpers/agent.js'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { encodeAdvert, VRRP_MULTICAST_IPV6 } from '../../src/protocol/index.js'
import { openIpv6Transport } from '../../src/io/ipv6-transport.js'

t.test('without koffi the transport cannot open and says why', async (t) => {
  t.throws(
    () => openIpv6Transport({ interface: 'eth0', ifindex: 2, family: 6, multicastGroup: VRRP_MULTICAST_IPV6, unicastPeers: [] }, { libc: new Error('koffi/libc could not be loaded: nope') }),
    /Cannot open VRRP IPv6 socket on eth0: koffi\/libc could not be loaded: nope/,
  )
})

function advert(vip: string, priority = 100): string {
  return encodeAdvert(
    { version: 3, type: 1, virtualRouterId: 51, priority, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: [vip], family: 6 },
    { source: '::', destination: VRRP_MULTICAST_IPV6 },
  ).toString('hex')
}

async function linkLocal(lab: Lab, host: string): Promise<string> {
  const r = await lab.exec(host, 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])
  return /inet6 (fe80::\S+)\//.exec(r.stdout)![1]!
}

function transportConf(lab: Lab, host: string, unicastPeers: string[] = []): object {
  return { transports: [{ interface: 'eth0', ifindex: lab.ifindex(host), multicastGroup: VRRP_MULTICAST_IPV6, unicastPeers, family: 6 }] }
}

if (requireRoot(t)) {
  t.test('VRRP over IPv6 between two hosts', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b', 'c'], ipv6: true })
    const vip = lab.ip6('a').replace(/::[0-9a-f]+$/, '::100')
    const [llA, llB] = [await linkLocal(lab, 'a'), await linkLocal(lab, 'b')]
    const a: Agent = await startAgent(lab, 'a', transportConf(lab, 'a'))
    const b: Agent = await startAgent(lab, 'b', transportConf(lab, 'b'))
    t.teardown(() => Promise.all([a.stop(), b.stop()]))

    // RFC 9568 5.1.2.1 / 5.1.2.3: from the link-local address to ff02::12 with hop limit 255.
    t.match(await a.request({ op: 'send', interface: 'eth0', payload: advert(vip), source: llA, destination: VRRP_MULTICAST_IPV6 }, 'sent'), { ok: true })
    const got = await waitFor('b to receive the advert', () => b.packets()[0])
    t.match(got, { interface: 'eth0', family: 6, source: llA, destination: VRRP_MULTICAST_IPV6, ttl: 255 }, 'hop limit and destination come up with the packet')
    // RFC 9568 5.2.8: the kernel (IPV6_CHECKSUM) wrote the checksum over the pseudo-header with the real source.
    const payload = Buffer.from(got.payload as string, 'hex')
    const expected = encodeAdvert(
      { version: 3, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: [vip], family: 6 },
      { source: llA, destination: VRRP_MULTICAST_IPV6 },
    )
    t.equal(payload.toString('hex'), expected.toString('hex'), 'the received message carries the pseudo-header checksum (RFC 9568 5.2.8)')
    t.notOk(a.packets().length, 'multicast loopback is off: a does not hear itself')

    // Unicast to b's link-local address: the destination says it was not the group.
    t.match(await a.request({ op: 'send', interface: 'eth0', payload: advert(vip, 50), source: llA, destination: llB }, 'sent'), { ok: true })
    const uni = await waitFor('b to receive the unicast advert', () => b.packets()[1])
    t.match(uni, { source: llA, destination: llB, ttl: 255 })

    // A hop limit below 255 comes up as it is; the decoder drops it (RFC 9568 7.1), see test/daemon/receive.test.ts.
    const inj = lab.node('c', new URL('../helpers/ipv6-injector.ts', import.meta.url).pathname, ['eth0', String(lab.ifindex('c')), '254', advert(vip, 200)])
    await new Promise((r) => inj.on('exit', r))
    const low = await waitFor('b to receive the hop-limit-254 advert', () => b.packets()[2])
    t.match(low, { destination: VRRP_MULTICAST_IPV6, ttl: 254 })

    t.match(await a.request({ op: 'send', interface: 'eth0', payload: advert(vip), source: llA, destination: '10.0.0.1' }, 'sent'), { ok: false, error: /not an IPv6 source\/destination/ })
  })
}
