// The receive path's envelope checks: which instance, multicast vs unicast, own
// adverts, unicast source and TTL limits. The decoder's own checks are tested in
// test/protocol; here they only need to be reached.
import t from 'tap'
import { receivePacket, type ReceiveContext } from '../../src/daemon/receive.js'
import { encodeAdvert, authDataFromPassword } from '../../src/protocol/index.js'
import type { VrrpInstance } from '../../src/config/model.js'
import type { ReceivedPacket } from '../../src/io/ports.js'

const base = {
  name: 'VI_1',
  interface: 'eth0',
  family: 4,
  virtualRouterId: 51,
  unicastPeers: [] as VrrpInstance['unicastPeers'],
  v3ChecksumPseudoHeader: true,
} as VrrpInstance
const unicast = { ...base, name: 'VI_U', unicastPeers: [{ address: '10.0.0.2', minTtl: 250, at: { file: 'x', line: 1 } }] } as VrrpInstance

function ctx(inst: VrrpInstance, checkUnicastSrc = false): ReceiveContext {
  return {
    instanceFor: (iface, family, vrid) => (iface === 'eth0' && family === 4 && vrid === 51 ? inst : undefined),
    isOwnAddress: (_iface, a) => a === '10.0.0.1',
    multicastGroup: (family) => (family === 4 ? '224.0.0.18' : 'ff02::12'),
    checkUnicastSrc,
  }
}

function packet(source: string, destination: string, ttl = 255, vrid = 51): ReceivedPacket {
  const payload = encodeAdvert(
    { version: 2, type: 1, virtualRouterId: vrid, priority: 100, adverIntervalMs: 1000, authType: 1, authData: authDataFromPassword('x'), ipAddresses: ['10.0.0.100'], family: 4 },
    { source, destination },
  )
  return { interface: 'eth0', family: 4, source, destination, ttl, payload }
}

t.test('a valid multicast advert becomes an advertReceived event for its instance', async (t) => {
  const out = receivePacket(packet('10.0.0.2', '224.0.0.18'), ctx(base))
  t.ok(out.ok)
  if (out.ok) {
    t.equal(out.instance, 'VI_1')
    t.equal(out.event.type, 'advertReceived')
  }
})

t.test('our own adverts are ignored', async (t) => {
  t.match(receivePacket(packet('10.0.0.1', '224.0.0.18'), ctx(base)), { ok: false, reason: 'ownAdvert' })
})

t.test('an unknown VRID is dropped without an instance', async (t) => {
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18', 255, 9), ctx(base)), { ok: false, reason: 'vrid', instance: undefined })
})

t.test('a runt packet is a length drop', async (t) => {
  t.match(receivePacket({ ...packet('10.0.0.2', '224.0.0.18'), payload: Buffer.alloc(1) }, ctx(base)), { ok: false, reason: 'length' })
})

t.test('multicast TTL must be 255', async (t) => {
  // RFC 3768 7.1 / RFC 9568 7.1: the TTL MUST be 255.
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18', 254), ctx(base)), { ok: false, reason: 'ttl', instance: 'VI_1' })
})

t.test('a unicast instance drops multicast adverts, a multicast instance drops unicast ones', async (t) => {
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18'), ctx(unicast)), { ok: false, reason: 'notForUs' })
  t.match(receivePacket(packet('10.0.0.2', '10.0.0.1'), ctx(base)), { ok: false, reason: 'notForUs' })
})

t.test('unicast: TTL limits come from the peer, not the RFC 255 rule', async (t) => {
  t.ok(receivePacket(packet('10.0.0.2', '10.0.0.1', 252), ctx(unicast)).ok, 'within min_ttl 250')
  t.match(receivePacket(packet('10.0.0.2', '10.0.0.1', 249), ctx(unicast)), { ok: false, reason: 'ttl' })
})

t.test('vrrp_check_unicast_src: only configured peers are heard', async (t) => {
  t.ok(receivePacket(packet('10.0.0.3', '10.0.0.1'), ctx(unicast, false)).ok, 'off: anyone')
  t.match(receivePacket(packet('10.0.0.3', '10.0.0.1'), ctx(unicast, true)), { ok: false, reason: 'unicastSource' })
  t.ok(receivePacket(packet('10.0.0.2', '10.0.0.1'), ctx(unicast, true)).ok, 'on: the peer')
})

t.test('a multicast advert must be sent to the VRRP group', async (t) => {
  // RFC 9568 5.1.1.2: the destination is the VRRP IPv4 multicast address 224.0.0.18.
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.1'), ctx(base), true), {
    ok: false,
    reason: 'notForUs',
    instance: 'VI_1',
    detail: 'advert to 224.0.0.1, not the VRRP group 224.0.0.18',
  })
  const other = { ...ctx(base), multicastGroup: () => '224.0.0.99' }
  t.ok(receivePacket(packet('10.0.0.2', '224.0.0.99'), other).ok, 'a configured vrrp_mcast_group4 is the group')
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18'), other), { ok: false, reason: 'notForUs' })
})

t.test('a unicast advert must be addressed to one of our addresses', async (t) => {
  t.ok(receivePacket(packet('10.0.0.2', '10.0.0.1'), ctx(unicast)).ok)
  t.match(receivePacket(packet('10.0.0.2', '10.0.0.255'), ctx(unicast), true), {
    ok: false,
    reason: 'notForUs',
    instance: 'VI_U',
    detail: 'unicast advert to 10.0.0.255, not an address of ours on eth0',
  })
})

t.test('words only when asked: a drop on the hot path carries no detail, and one without an instance is shared', async (t) => {
  const quiet = receivePacket(packet('10.0.0.2', '224.0.0.1'), ctx(base))
  t.same(quiet, { ok: false, reason: 'notForUs', instance: 'VI_1' })
  const unknown = receivePacket(packet('10.0.0.2', '224.0.0.18', 255, 52), ctx(base))
  t.same(unknown, { ok: false, reason: 'vrid' })
  t.equal(receivePacket(packet('10.0.0.3', '224.0.0.18', 255, 53), ctx(base)), unknown, 'the same object for every unknown VRID')
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18', 255, 52), ctx(base), true), { ok: false, reason: 'vrid', detail: 'no instance for VRID 52 on eth0' })
  // A decoder drop is explained in the decoder's words.
  t.match(receivePacket(packet('10.0.0.2', '224.0.0.18', 64), ctx(base), true), { ok: false, reason: 'ttl', instance: 'VI_1', detail: 'TTL 64, must be 255' })
  t.same(receivePacket(packet('10.0.0.2', '224.0.0.18', 64), ctx(base)), { ok: false, reason: 'ttl', instance: 'VI_1' })
})
