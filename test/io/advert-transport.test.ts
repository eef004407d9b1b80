// The raw protocol-112 transport: its receive/send paths against a fake
// raw-socket, then lab tests with two hosts on one bridge, each running the
// real transport in its own network namespace.
import t, { type Test } from 'tap'
import { EventEmitter } from 'node:events'
import type * as TransportModule from '../../src/io/advert-transport.js'
import type { ReceivedPacket } from '../../src/io/ports.js'
import { buildIpv4Header } from '../../src/protocol/index.js'
import { startAgent } from '../helpers/agent.js'
import { createLab, requireRootForLabPart, waitFor } from '../helpers/netns.js'
import { vrrpV2Message } from '../helpers/vrrp-bytes.js'

const GROUP = '224.0.0.18'

class FakeRawSocket extends EventEmitter {
  options: [number, number, unknown][] = []
  sent: [Buffer, string][] = []
  queued: [Buffer, string][] = []
  nextSendError: string | undefined
  closed = false
  wrap = {
    send: (buf: Buffer, _off: number, _len: number, address: string, cb: (n: number) => void) => {
      const e = this.nextSendError
      this.nextSendError = undefined
      if (e) throw new Error(e)
      this.sent.push([Buffer.from(buf), address])
      cb(buf.length)
    },
  }
  setOption(level: number, option: number, value: unknown): void {
    this.options.push([level, option, Buffer.isBuffer(value) ? [...value] : value])
  }
  send(buf: Buffer, _o: number, _l: number, address: string, cb: (e: Error | null, n: number) => void) {
    this.queued.push([buf, address])
    cb(null, buf.length)
    return this
  }
  close() {
    this.closed = true
    this.emit('close')
    return this
  }
}

/** The transport over fake raw sockets (one per open). */
async function withFakeSockets(t: Test) {
  const sockets: FakeRawSocket[] = []
  const mod = await t.mockImport<typeof TransportModule>('../../src/io/advert-transport.js', {
    '../../src/io/raw-socket.js': {
      ...(await import('../../src/io/raw-socket.js')),
      loadRawSocket: () => ({
        AddressFamily: { IPv4: 1, IPv6: 2 },
        createSocket: () => {
          const s = new FakeRawSocket()
          sockets.push(s)
          return s
        },
      }),
    },
  })
  return { open: mod.openAdvertTransport, sockets }
}

const opts = { interface: 'eth0', ifindex: 2, family: 4 as const, multicastGroup: GROUP, unicastPeers: [] }

t.test('socket setup: bound to the device, IP_HDRINCL, group joined on the interface, TTL 255, no loopback', async (t) => {
  const { open, sockets } = await withFakeSockets(t)
  open(opts).close()
  const mreqn = [224, 0, 0, 18, 0, 0, 0, 0, 2, 0, 0, 0]
  t.same(sockets[0]!.options, [
    [1, 25, [0x65, 0x74, 0x68, 0x30, 0]],
    [0, 3, 1],
    [0, 32, mreqn],
    [0, 33, 255],
    [0, 34, 0],
    [0, 35, mreqn],
  ])
  open({ ...opts, unicastPeers: ['10.0.0.2'] }).close()
  t.notOk(sockets[1]!.options.some(([, o]) => o === 35), 'unicast mode does not join the group')
})

t.test('receive: the IPv4 header is read and stripped; junk is counted, not delivered', async (t) => {
  const { open, sockets } = await withFakeSockets(t)
  const tr = open(opts)
  const got: ReceivedPacket[] = []
  // The payload is good only during the call (ports.ts): a listener that keeps it copies it.
  tr.onPacket((p) => got.push({ ...p, payload: Buffer.from(p.payload) }))
  tr.onPacket(() => {
    throw new Error('listener bug')
  })
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  const ip = buildIpv4Header({ source: '10.0.0.2', destination: GROUP, payloadLength: payload.length, ttl: 254 })
  const recvBuffer = Buffer.concat([ip, payload])
  sockets[0]!.emit('message', recvBuffer, '10.0.0.2')
  recvBuffer.fill(0) // raw-socket reuses its buffer; no copy per packet in the transport
  sockets[0]!.emit('message', Buffer.from([0x45, 0, 0]), '10.0.0.3')
  sockets[0]!.emit('error', new Error('recvfrom: Network is down'))
  t.same(got, [{ interface: 'eth0', family: 4, source: '10.0.0.2', destination: GROUP, ttl: 254, payload }])
  t.match(tr.stats, { received: 1, malformed: 1, receiveErrors: 1 })
  tr.close()
})

t.test('send: our IPv4 header (TOS 0xc0, TTL 255, protocol 112, our source) before the message', async (t) => {
  const { open, sockets } = await withFakeSockets(t)
  const tr = open(opts)
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  t.same(tr.send(payload, '10.0.0.1', GROUP), { ok: true })
  const [packet, to] = sockets[0]!.sent[0]!
  t.equal(to, GROUP)
  t.same([packet[1], packet[8], packet[9]], [0xc0, 255, 112])
  t.same([...packet.subarray(12, 20)], [10, 0, 0, 1, 224, 0, 0, 18])
  t.same(packet.subarray(20), payload)

  sockets[0]!.nextSendError = 'Network is unreachable'
  t.same(tr.send(payload, '10.0.0.1', '10.9.9.9'), { ok: false, error: 'send to 10.9.9.9 on eth0: Network is unreachable' })
  sockets[0]!.nextSendError = 'Resource temporarily unavailable'
  t.same(tr.send(payload, '10.0.0.1', GROUP), { ok: true }, 'a full socket buffer queues the packet')
  t.equal(sockets[0]!.queued.length, 1)
  t.match(tr.stats, { sent: 2, sendErrors: 1 })
  tr.close()
  t.match(tr.send(payload, '10.0.0.1', GROUP), { ok: false, error: /closed/ })
})

t.test('a socket closed under us (raw-socket does so after a poll error) is reopened', async (t) => {
  const { open, sockets } = await withFakeSockets(t)
  const tr = open(opts)
  const got: ReceivedPacket[] = []
  tr.onPacket((p) => got.push(p))
  sockets[0]!.close()
  t.match(tr.send(Buffer.alloc(16), '10.0.0.1', GROUP), { ok: false, error: /being reopened/ })
  await waitFor('a new socket', () => sockets.length === 2, 5000)
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  sockets[1]!.emit('message', Buffer.concat([buildIpv4Header({ source: '10.0.0.2', destination: GROUP, payloadLength: payload.length }), payload]))
  t.equal(got.length, 1, 'listeners carry over to the new socket')
  tr.close()
  t.equal(sockets[1]!.closed, true)
})

t.test('IPv6 is refused in words', async (t) => {
  const { open } = await withFakeSockets(t)
  t.throws(() => open({ ...opts, family: 6, multicastGroup: 'ff02::12' }), { message: /IPv6 is not supported yet \(interface eth0\)/ })
})

if (requireRootForLabPart(t)) {
  t.test('multicast advert from A reaches B with TTL 255, its source and payload intact', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const transport = (h: string) => ({ transports: [{ interface: lab.iface(h), ifindex: lab.ifindex(h), multicastGroup: GROUP, unicastPeers: [] }] })
    const a = await startAgent(lab, 'a', transport('a'))
    const b = await startAgent(lab, 'b', transport('b'))
    t.teardown(async () => (await a.stop(), await b.stop()))

    const payload = vrrpV2Message(51, 150, [lab.address(100)])
    const sent = await a.request({ op: 'send', interface: 'eth0', payload: payload.toString('hex'), source: lab.ip('a'), destination: GROUP }, 'sent')
    t.same(sent, { event: 'sent', ok: true })

    // RFC 9568 5.1.1.3: TTL 255; 5.1.1.1: the source is the sender's interface address
    const packet = await waitFor('advert at B', () => b.packets()[0])
    t.match(packet, { interface: 'eth0', family: 4, source: lab.ip('a'), destination: GROUP, ttl: 255, payload: payload.toString('hex') })

    // A's own advert does not come back to A (IP_MULTICAST_LOOP off). Send one from
    // B and wait for it at A: anything A got before it would have arrived first.
    await b.request({ op: 'send', interface: 'eth0', payload: vrrpV2Message(51, 100, [lab.address(100)]).toString('hex'), source: lab.ip('b'), destination: GROUP }, 'sent')
    await waitFor('advert from B at A', () => a.packets().length > 0)
    t.same(a.packets().map((p) => p.source), [lab.ip('b')], 'A received only B\'s advert, never its own')
  })

  t.test('unicast adverts go to the peer only', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b', 'c'] })
    const unicast = (h: string, peers: string[]) => ({ transports: [{ interface: 'eth0', ifindex: lab.ifindex(h), multicastGroup: GROUP, unicastPeers: peers }] })
    const multicast = (h: string) => ({ transports: [{ interface: 'eth0', ifindex: lab.ifindex(h), multicastGroup: GROUP, unicastPeers: [] }] })
    const a = await startAgent(lab, 'a', unicast('a', [lab.ip('b')]))
    const b = await startAgent(lab, 'b', unicast('b', [lab.ip('a')]))
    const c = await startAgent(lab, 'c', multicast('c'))
    t.teardown(async () => (await a.stop(), await b.stop(), await c.stop()))

    const payload = vrrpV2Message(7, 200, [lab.address(101)])
    t.same(await a.request({ op: 'send', interface: 'eth0', payload: payload.toString('hex'), source: lab.ip('a'), destination: lab.ip('b') }, 'sent'), { event: 'sent', ok: true })
    const packet = await waitFor('unicast advert at B', () => b.packets()[0])
    t.match(packet, { source: lab.ip('a'), destination: lab.ip('b'), ttl: 255, payload: payload.toString('hex') })

    // C listens on the group: a multicast advert from B proves C's socket works,
    // and that it arrives alone proves A's unicast one never reached C.
    await b.request({ op: 'send', interface: 'eth0', payload: payload.toString('hex'), source: lab.ip('b'), destination: GROUP }, 'sent')
    await waitFor('multicast advert at C', () => c.packets().length > 0)
    t.same(c.packets().map((p) => p.source), [lab.ip('b')])
    t.same(a.packets(), [], 'a unicast transport does not join the group')
  })

  t.test('SO_BINDTODEVICE: an advert on another interface does not reach the transport', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const side = await lab.connect('a', 'b')
    const a = await startAgent(lab, 'a', {
      transports: [
        { interface: 'eth0', ifindex: lab.ifindex('a'), multicastGroup: GROUP, unicastPeers: [] },
        { interface: side.a!.iface, ifindex: side.a!.ifindex, multicastGroup: GROUP, unicastPeers: [] },
      ],
    })
    const b = await startAgent(lab, 'b', { transports: [{ interface: 'eth0', ifindex: lab.ifindex('b'), multicastGroup: GROUP, unicastPeers: [] }] })
    t.teardown(async () => (await a.stop(), await b.stop()))

    // B joins the group on eth1 too (by another socket) so the kernel accepts
    // the packet there; only the binding keeps it from B's eth0 transport.
    const joiner = await startAgent(lab, 'b', { transports: [{ interface: side.b!.iface, ifindex: side.b!.ifindex, multicastGroup: GROUP, unicastPeers: [] }] })
    t.teardown(() => joiner.stop())

    const payload = vrrpV2Message(9, 100, [lab.address(102)])
    await a.request({ op: 'send', interface: side.a!.iface, payload: payload.toString('hex'), source: side.a!.ip, destination: GROUP }, 'sent')
    await waitFor('advert on the side link', () => joiner.packets().length > 0)
    t.match(joiner.packets()[0], { interface: side.b!.iface, source: side.a!.ip })
    // Then one on eth0: once it is in, the side-link advert would have been seen before it.
    await a.request({ op: 'send', interface: 'eth0', payload: payload.toString('hex'), source: lab.ip('a'), destination: GROUP }, 'sent')
    await waitFor('advert on eth0', () => b.packets().length > 0)
    t.same(b.packets().map((p) => [p.interface, p.source]), [['eth0', lab.ip('a')]])
  })

  t.test('send failures are returned, not thrown', async (t) => {
    const lab = await createLab(t, { hosts: ['a'] })
    const a = await startAgent(lab, 'a', { transports: [{ interface: 'eth0', ifindex: lab.ifindex('a'), multicastGroup: GROUP, unicastPeers: [] }] })
    t.teardown(() => a.stop())
    const payload = vrrpV2Message(1, 100, [lab.address(100)]).toString('hex')
    t.match(await a.request({ op: 'send', interface: 'eth0', payload, source: 'not-an-ip', destination: GROUP }, 'sent'), { ok: false, error: /not an IPv4/ })
    // The interface is down: sendto(2) fails (ENETDOWN) and the error comes back.
    await lab.exec('a', 'ip', ['link', 'set', 'eth0', 'down'])
    const down = await a.request({ op: 'send', interface: 'eth0', payload, source: lab.ip('a'), destination: GROUP }, 'sent')
    t.match(down, { ok: false, error: /send to 224\.0\.0\.18 on eth0: .*(down|unreachable)/i })
  })
}

t.test('Ipv4TextCache: the dotted quad of any 4 bytes; the last one is not formatted again', async (t) => {
  const { Ipv4TextCache } = await import('../../src/io/advert-transport.js')
  const cache = new Ipv4TextCache()
  const bytes = (a: number, b: number, c: number, d: number) => Uint8Array.from([9, a, b, c, d])
  t.equal(cache.format(bytes(255, 255, 255, 255), 1), '255.255.255.255', 'the key -1 is not mistaken for the empty cache')
  const group = cache.format(bytes(224, 0, 0, 18), 1)
  t.equal(group, '224.0.0.18')
  t.equal(cache.format(bytes(224, 0, 0, 18), 1), group, 'again')
  let wrong = 0
  for (let i = 0; i < 65_536; i++) if (cache.format(bytes(172, 16, i >> 8, i & 255), 1) !== `172.16.${i >> 8}.${i & 255}`) wrong++
  t.equal(wrong, 0, '65,536 different addresses, each right')
  t.equal(cache.format(bytes(0, 0, 0, 0), 1), '0.0.0.0')
})
