// Receive latency of the two transports, one process, one veth pair in a network
// namespace of its own (root): send on one end, time until the listener on the
// other end is called. IPv4 = libc recv, IPv6 = libc recvmsg; both with readiness
// from the shared koffi async poll(2) on a worker thread (until d91bbd5 IPv4 was
// raw-socket, polled by libuv on the main thread).
//   node bench/ipv6-receive.mjs [packets]     (after npm run build)
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const N = Number(process.argv[2] ?? 2000)
if (process.env.VRRPD_BENCH_INNER !== '1') {
  const ns = `vrb-${process.pid}`
  const run = (...a) => execFileSync('ip', a, { stdio: 'inherit' })
  run('netns', 'add', ns)
  try {
    const x = (...a) => run('-n', ns, ...a)
    x('link', 'add', 'b0', 'type', 'veth', 'peer', 'name', 'b1')
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.b0.accept_dad=0', 'net.ipv6.conf.b1.accept_dad=0', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.b1.rp_filter=0', 'net.ipv4.conf.b1.accept_local=1'])
    x('addr', 'add', '10.77.0.1/24', 'dev', 'b0')
    x('addr', 'add', '10.77.0.2/24', 'dev', 'b1')
    x('link', 'set', 'b0', 'up')
    x('link', 'set', 'b1', 'up')
    execFileSync('sleep', ['1'])
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), String(N)], { stdio: 'inherit', env: { ...process.env, VRRPD_BENCH_INNER: '1' } })
  } finally {
    run('netns', 'del', ns)
  }
  process.exit(0)
}

const { openAdvertTransport } = await import('../dist/io/advert-transport.js')
const { openIpv6Transport } = await import('../dist/io/ipv6-transport.js')
const { encodeAdvert } = await import('../dist/protocol/index.js')
const { execFileSync: ex } = await import('node:child_process')
const idx = (n) => Number(ex('cat', [`/sys/class/net/${n}/ifindex`]).toString())
const ll = (n) => /inet6 (fe80::\S+)\//.exec(ex('ip', ['-6', '-o', 'addr', 'show', 'dev', n, 'scope', 'link']).toString())[1]

async function measure(family) {
  const group = family === 4 ? '224.0.0.18' : 'ff02::12'
  const open = family === 4 ? openAdvertTransport : openIpv6Transport
  const tx = open({ interface: 'b0', ifindex: idx('b0'), family, multicastGroup: group, unicastPeers: [] })
  const rx = open({ interface: 'b1', ifindex: idx('b1'), family, multicastGroup: group, unicastPeers: [] })
  const source = family === 4 ? '10.77.0.1' : ll('b0')
  const payload = encodeAdvert({ version: 3, type: 1, virtualRouterId: 1, priority: 100, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: [family === 4 ? '10.77.0.100' : 'fd00::100'], family }, { source, destination: group })
  const lat = []
  let sentAt = 0
  let done
  rx.onPacket(() => {
    lat.push(performance.now() - sentAt)
    done?.()
  })
  for (let i = 0; i < N + 100; i++) {
    const got = new Promise((r) => (done = r))
    sentAt = performance.now()
    tx.send(payload, source, group)
    await Promise.race([got, new Promise((r) => setTimeout(r, 100))])
    await new Promise((r) => setTimeout(r, 1))
  }
  tx.close()
  rx.close()
  const s = lat.slice(100).sort((a, b) => a - b)
  const q = (p) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] * 1000).toFixed(0)
  console.log(`IPv${family}: ${s.length} packets, send -> listener p50 ${q(0.5)} µs, p90 ${q(0.9)} µs, p99 ${q(0.99)} µs, max ${q(0.9999)} µs`)
}
await measure(4)
await measure(6)
