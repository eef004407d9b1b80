// The raw protocol-112 transport: its receive/send paths against a fake libc
// and poller, then lab tests with two hosts on one bridge, each running the
// real transport in its own network namespace.
import t from 'tap'
import { openAdvertTransport } from '../../src/io/advert-transport.js'
import type { FdPoller, Watch } from '../../src/io/fd-poller.js'
import type { Libc } from '../../src/io/libc.js'
import type { ReceivedPacket } from '../../src/io/ports.js'
import { buildIpv4Header } from '../../src/protocol/index.js'
import { startAgent } from '../helpers/agent.js'
import { createLab, requireRootForLabPart, waitFor } from '../helpers/netns.js'
import { vrrpV2Message } from '../helpers/vrrp-bytes.js'

const GROUP = '224.0.0.18'
const EAGAIN = 11

/** A socket of the fake libc: the options set on it, what it sent, what it will read next. */
interface FakeSocket {
  fd: number
  type: number
  options: [number, number, number[]][]
  sent: [Buffer, number[]][]
  /** Packets to read (a number is an errno for recv to fail with). */
  inbox: (Buffer | number)[]
  sendErrnos: number[]
  closed: boolean
}

/** libc as the transport uses it, over in-memory sockets. */
function fakeLibc() {
  const sockets: FakeSocket[] = []
  let errno = 0
  const byFd = (fd: number) => sockets.find((s) => s.fd === fd && !s.closed)
  const fail = (e: number) => ((errno = e), -1)
  const libc = {
    socket: (_domain: number, type: number) => {
      sockets.push({ fd: 100 + sockets.length, type, options: [], sent: [], inbox: [], sendErrnos: [], closed: false })
      return sockets.at(-1)!.fd
    },
    setsockopt: (fd: number, level: number, name: number, value: Buffer) => (byFd(fd)!.options.push([level, name, [...value]]), 0),
    recv: (fd: number, buf: Buffer, len: number) => {
      const next = byFd(fd)?.inbox.shift()
      if (next === undefined) return fail(EAGAIN)
      if (typeof next === 'number') return fail(next)
      next.copy(buf, 0, 0, len)
      return Math.min(next.length, len)
    },
    sendto: (fd: number, buf: Buffer, len: number, _flags: number, addr: Buffer) => {
      const s = byFd(fd)!
      const e = s.sendErrnos.shift()
      if (e !== undefined) return fail(e)
      s.sent.push([Buffer.from(buf.subarray(0, len)), [...addr]])
      return len
    },
    close: (fd: number) => ((byFd(fd)!.closed = true), 0),
    errno: () => errno,
    strerror: (e: number) => ({ 11: 'Resource temporarily unavailable', 100: 'Network is down', 101: 'Network is unreachable', 1: 'Operation not permitted' })[e] ?? `error ${e}`,
  }
  return { libc: libc as unknown as Libc, sockets }
}

/** A poller the test drives: `readable(fd)` is what poll(2) returning POLLIN would do. */
function fakePoller() {
  const watches = new Map<number, Watch>()
  const closed: number[] = []
  const poller: FdPoller = {
    add: (fd, watch) => void watches.set(fd, watch),
    closeFd: (fd) => void (watches.delete(fd), closed.push(fd)),
    get size() {
      return watches.size
    },
  }
  return { poller, watches, closed, readable: (fd: number) => watches.get(fd)?.onReadable() }
}

function fakes() {
  const l = fakeLibc()
  const p = fakePoller()
  const open = (o = opts) => openAdvertTransport(o, { libc: l.libc, poller: p.poller })
  return { ...l, ...p, open }
}

const opts = { interface: 'eth0', ifindex: 2, family: 4 as const, multicastGroup: GROUP, unicastPeers: [] as string[] }
const int = (n: number) => [n, 0, 0, 0]

function ipPacket(source: string, destination: string, payload: Buffer, ttl = 255): Buffer {
  return Buffer.concat([buildIpv4Header({ source, destination, payloadLength: payload.length, ttl }), payload])
}

t.test('socket setup: raw, non-blocking, close-on-exec; bound to the device, IP_HDRINCL, group joined on the interface, TTL 255, no loopback', async (t) => {
  const { open, sockets, watches } = fakes()
  open().close()
  t.equal(sockets[0]!.type, 3 | 0o4000 | 0o2000000, 'SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC')
  const mreqn = [224, 0, 0, 18, 0, 0, 0, 0, 2, 0, 0, 0]
  t.same(sockets[0]!.options, [
    [1, 25, [0x65, 0x74, 0x68, 0x30, 0]],
    [0, 3, int(1)],
    [0, 32, mreqn],
    [0, 33, int(255)],
    [0, 34, int(0)],
    [0, 35, mreqn],
  ])
  t.equal(watches.size, 0, 'closed: no longer watched')
  open({ ...opts, unicastPeers: ['10.0.0.2'] }).close()
  t.notOk(sockets[1]!.options.some(([, o]) => o === 35), 'unicast mode does not join the group')
})

t.test('a socket that cannot be set up is closed, and the error says where and why', async (t) => {
  const { libc, sockets } = fakeLibc()
  const refusing = { ...libc, setsockopt: (fd: number, _l: number, name: number) => (name === 25 ? -1 : 0), errno: () => 1 } as unknown as Libc
  t.throws(() => openAdvertTransport(opts, { libc: refusing, poller: fakePoller().poller }), { message: 'Cannot set up VRRP socket on eth0: SO_BINDTODEVICE: Operation not permitted (errno 1)' })
  t.equal(sockets[0]!.closed, true)
  t.throws(() => openAdvertTransport(opts, { libc: new Error('koffi/libc could not be loaded: nope'), poller: fakePoller().poller }), { message: /Cannot open VRRP socket on eth0: koffi/ })
})

t.test('receive: every queued packet is read per wake-up; the IPv4 header is read and stripped; junk is counted, not delivered', async (t) => {
  const { open, sockets, readable } = fakes()
  const tr = open()
  const got: ReceivedPacket[] = []
  // The packet and its payload are good only during the call (ports.ts): a listener that keeps them copies.
  tr.onPacket((p) => got.push({ ...p, payload: Buffer.from(p.payload) }))
  tr.onPacket(() => {
    throw new Error('listener bug')
  })
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  const other = vrrpV2Message(6, 90, ['10.0.0.101', '10.0.0.102'])
  const padded = Buffer.concat([ipPacket('10.0.0.3', GROUP, payload, 255), Buffer.alloc(6)]) // link padding past the total length
  sockets[0]!.inbox.push(ipPacket('10.0.0.2', GROUP, payload, 254), Buffer.from([0x45, 0, 0]), ipPacket('10.0.0.9', '10.0.0.1', other), padded)
  readable(sockets[0]!.fd)
  t.same(got, [
    { interface: 'eth0', family: 4, source: '10.0.0.2', destination: GROUP, ttl: 254, payload },
    { interface: 'eth0', family: 4, source: '10.0.0.9', destination: '10.0.0.1', ttl: 255, payload: other },
    { interface: 'eth0', family: 4, source: '10.0.0.3', destination: GROUP, ttl: 255, payload },
  ])
  t.match(tr.stats, { received: 3, malformed: 1, receiveErrors: 0 })
  t.equal(sockets[0]!.inbox.length, 0, 'read until EAGAIN')

  // A flood is read in bounded batches, so one socket cannot hold the event loop.
  for (let i = 0; i < 100; i++) sockets[0]!.inbox.push(ipPacket('10.0.0.2', GROUP, payload))
  readable(sockets[0]!.fd)
  t.equal(sockets[0]!.inbox.length, 36, '64 read in one wake-up')
  readable(sockets[0]!.fd)
  t.equal(tr.stats.received, 103)
  tr.close()
})

t.test('receive: one packet object and one payload view per length, reused (no garbage per packet)', async (t) => {
  const { open, sockets, readable } = fakes()
  const tr = open()
  const seen: ReceivedPacket[] = []
  const payloads: Buffer[] = []
  tr.onPacket((p) => (seen.push(p), payloads.push(p.payload)))
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  sockets[0]!.inbox.push(ipPacket('10.0.0.2', GROUP, payload), ipPacket('10.0.0.3', GROUP, vrrpV2Message(7, 100, ['10.0.0.7'])))
  readable(sockets[0]!.fd)
  t.equal(seen[0], seen[1], 'the same packet object')
  t.equal(payloads[0], payloads[1], 'the same view for the same length')
  t.equal(seen[1]!.source, '10.0.0.3', 'filled with the latest packet')
  tr.close()
})

t.test('send: our IPv4 header (TOS 0xc0, TTL 255, protocol 112, our source) before the message, to a sockaddr_in', async (t) => {
  const { open, sockets } = fakes()
  const tr = open()
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  t.same(tr.send(payload, '10.0.0.1', GROUP), { ok: true })
  const [packet, to] = sockets[0]!.sent[0]!
  t.same(to, [2, 0, 0, 0, 224, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0], 'AF_INET, port 0, the group')
  t.same([packet[1], packet[8], packet[9]], [0xc0, 255, 112])
  t.same([...packet.subarray(12, 20)], [10, 0, 0, 1, 224, 0, 0, 18])
  t.same(packet.subarray(20), payload)

  sockets[0]!.sendErrnos.push(101)
  t.same(tr.send(payload, '10.0.0.1', '10.9.9.9'), { ok: false, error: 'send to 10.9.9.9 on eth0: Network is unreachable' })
  t.match(tr.send(payload, 'not-an-ip', GROUP), { ok: false, error: /not an IPv4 source/ })
  t.match(tr.stats, { sent: 1, sendErrors: 2 })
  tr.close()
  t.match(tr.send(payload, '10.0.0.1', GROUP), { ok: false, error: /closed/ })
})

t.test('send: a full socket buffer is tried again shortly, and a failure then is counted', async (t) => {
  const { open, sockets } = fakes()
  const tr = open()
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  sockets[0]!.sendErrnos.push(EAGAIN)
  t.same(tr.send(payload, '10.0.0.1', GROUP), { ok: true }, 'queued, as raw-socket did')
  await waitFor('the retry', () => sockets[0]!.sent.length === 1, 2000)
  sockets[0]!.sendErrnos.push(EAGAIN, EAGAIN, EAGAIN, EAGAIN)
  t.same(tr.send(payload, '10.0.0.1', GROUP), { ok: true })
  await waitFor('the retries to give up', () => tr.stats.sendErrors === 1, 2000)
  t.equal(sockets[0]!.sent.length, 1)
  tr.close()
})

t.test('a read error closes the socket and a new one is opened a second later', async (t) => {
  const { open, sockets, readable, closed, watches } = fakes()
  const tr = open()
  const got: ReceivedPacket[] = []
  tr.onPacket((p) => got.push({ ...p }))
  sockets[0]!.inbox.push(100)
  readable(sockets[0]!.fd)
  t.same(closed, [sockets[0]!.fd], 'the poller closes it')
  t.equal(tr.stats.receiveErrors, 1)
  t.match(tr.send(Buffer.alloc(16), '10.0.0.1', GROUP), { ok: false, error: /being reopened/ })
  await waitFor('a new socket', () => sockets.length === 2 && watches.has(sockets[1]!.fd), 5000)
  t.equal(sockets[1]!.options.length, 6, 'set up like the first')
  const payload = vrrpV2Message(5, 100, ['10.0.0.100'])
  sockets[1]!.inbox.push(ipPacket('10.0.0.2', GROUP, payload))
  readable(sockets[1]!.fd)
  t.equal(got.length, 1, 'listeners carry over to the new socket')
  tr.close()
  t.same(closed, [sockets[0]!.fd, sockets[1]!.fd])
})

t.test('IPv6 is refused in words (it has its own transport)', async (t) => {
  const { open } = fakes()
  t.throws(() => open({ ...opts, family: 6 as 4, multicastGroup: 'ff02::12' }), { message: /IPv6 is not supported by this transport \(interface eth0\)/ })
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
