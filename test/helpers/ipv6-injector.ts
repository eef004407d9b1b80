/**
 * Sends one VRRP message over IPv6 from a lab host with a chosen hop limit:
 * `lab.node(host, 'test/helpers/ipv6-injector.ts', [iface, ifindex, hopLimit, hex, destination?])`.
 * The kernel fills the checksum (IPV6_CHECKSUM) as for a real router, so the
 * only thing wrong with the packet is what the test chose.
 *
 *   stdout: { event: 'sent', ok, error? }
 */
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW } from '../../src/io/libc.js'
import { deviceName, SO_BINDTODEVICE, SOL_SOCKET } from '../../src/io/raw-socket.js'
import {
  AF_INET6,
  intOption,
  IPPROTO_IPV6,
  IPV6_CHECKSUM,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_UNICAST_HOPS,
  sockaddrIn6,
} from '../../src/io/ipv6-socket.js'
import { VRRP_IP_PROTOCOL, VRRP_MULTICAST_IPV6 } from '../../src/protocol/index.js'

const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`)
const [iface = 'eth0', ifindex = '0', hopLimit = '255', hex = '', destination = VRRP_MULTICAST_IPV6] = process.argv.slice(2)
const libc = loadLibc()
if (libc instanceof Error) {
  out({ event: 'sent', ok: false, error: libc.message })
  process.exit(1)
}
const fd = libc.socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, VRRP_IP_PROTOCOL)
const dev = deviceName(iface)
const opts: [number, number, Buffer][] = [
  [SOL_SOCKET, SO_BINDTODEVICE, dev],
  [IPPROTO_IPV6, IPV6_CHECKSUM, intOption(6)],
  [IPPROTO_IPV6, IPV6_MULTICAST_IF, intOption(Number(ifindex))],
  [IPPROTO_IPV6, IPV6_MULTICAST_HOPS, intOption(Number(hopLimit))],
  [IPPROTO_IPV6, IPV6_UNICAST_HOPS, intOption(Number(hopLimit))],
]
for (const [level, name, value] of opts) libc.setsockopt(fd, level, name, value, value.length)
const payload = Buffer.from(hex, 'hex')
const to = sockaddrIn6(destination, Number(ifindex))
const sent = Number(libc.sendto(fd, payload, payload.length, 0, to, to.length))
out(sent === payload.length ? { event: 'sent', ok: true } : { event: 'sent', ok: false, error: libc.strerror(libc.errno()) })
libc.close(fd)
