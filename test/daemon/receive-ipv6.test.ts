// The receive path for VRRPv3 over IPv6 (RFC 9568): the hop limit the IPv6
// transport reads from ancillary data is checked like the IPv4 TTL, and the
// destination from IPV6_PKTINFO tells multicast from unicast.
import t from 'tap'
import { receivePacket, type ReceiveContext } from '../../src/daemon/receive.js'
import { encodeAdvert } from '../../src/protocol/index.js'
import type { VrrpInstance } from '../../src/config/model.js'
import type { ReceivedPacket } from '../../src/io/ports.js'

const LL_PEER = 'fe80::2'
const LL_OURS = 'fe80::1'
const multicast = { name: 'VI_6', interface: 'eth0', family: 6, virtualRouterId: 51, unicastPeers: [] as VrrpInstance['unicastPeers'], v3ChecksumPseudoHeader: true } as VrrpInstance
const unicast = { ...multicast, name: 'VI_6U', unicastPeers: [{ address: LL_PEER, at: { file: 'x', line: 1 } }] } as VrrpInstance

function ctx(inst: VrrpInstance): ReceiveContext {
  return {
    instanceFor: (iface, family, vrid) => (iface === 'eth0' && family === 6 && vrid === 51 ? inst : undefined),
    isOwnAddress: (_iface, a) => a === LL_OURS,
    checkUnicastSrc: true,
  }
}

function packet(destination: string, hopLimit: number, source = LL_PEER): ReceivedPacket {
  const payload = encodeAdvert(
    { version: 3, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: ['fd00::100'], family: 6 },
    { source, destination },
  )
  return { interface: 'eth0', family: 6, source, destination, ttl: hopLimit, payload }
}

t.test('RFC 9568 7.1: a multicast advert with hop limit 255 is accepted, any other is dropped as ttl', async (t) => {
  t.ok(receivePacket(packet('ff02::12', 255), ctx(multicast)).ok)
  t.match(receivePacket(packet('ff02::12', 254), ctx(multicast)), { ok: false, reason: 'ttl', instance: 'VI_6' })
  t.match(receivePacket(packet('ff02::12', 1), ctx(multicast)), { ok: false, reason: 'ttl', instance: 'VI_6' })
  t.match(receivePacket(packet('ff02::12', 0), ctx(multicast)), { ok: false, reason: 'ttl' }, 'an unknown hop limit (0) is not 255')
})

t.test('our own adverts (from our link-local address) are ignored', async (t) => {
  t.match(receivePacket(packet('ff02::12', 255, LL_OURS), ctx(multicast)), { ok: false, reason: 'ownAdvert' })
})

t.test('the destination decides multicast vs unicast', async (t) => {
  t.match(receivePacket(packet(LL_OURS, 255), ctx(multicast)), { ok: false, reason: 'notForUs' })
  t.match(receivePacket(packet('ff02::12', 255), ctx(unicast)), { ok: false, reason: 'notForUs' })
  t.ok(receivePacket(packet(LL_OURS, 64), ctx(unicast)).ok, 'unicast_peer: the hop limit is not held to 255 (as keepalived)')
})

t.test('RFC 9568 5.2.8: the checksum covers the IPv6 pseudo-header', async (t) => {
  const p = packet('ff02::12', 255)
  t.match(receivePacket({ ...p, source: 'fe80::3' }, ctx(multicast)), { ok: false, reason: 'checksum' }, 'a source other than the one summed fails the checksum')
})
