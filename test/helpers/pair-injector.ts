/**
 * Sends hand-made IPv4 packets from a lab host: run it with
 * `lab.node(host, 'test/helpers/pair-injector.ts', [iface, ifindex])` (or use
 * startInjector in pair-lab.ts). One raw socket with IP_HDRINCL,
 * bound to the interface, so every header byte is ours (a TTL of 64, a VRRP
 * version of 1...) except the IPv4 header checksum and total length, which
 * Linux always fills in on such sockets (raw(7)).
 *
 *   stdin:  one line per packet: { packet: hex, destination }
 *   stdout: { event: 'ready' } | { event: 'sent', ok, error? } | { event: 'error', error }
 */
import { createInterface } from 'node:readline'
import { VRRP_IP_PROTOCOL } from '../../src/protocol/index.js'
import {
  deviceName,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IPPROTO_IP,
  ipMreqn,
  loadRawSocket,
  SO_BINDTODEVICE,
  SOL_SOCKET,
} from '../../src/io/raw-socket.js'

const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`)

const [iface = 'eth0', ifindex = '0'] = process.argv.slice(2)
const raw = loadRawSocket()
if (raw instanceof Error) {
  out({ event: 'error', error: raw.message })
  process.exit(1)
}
const socket = raw.createSocket({ protocol: VRRP_IP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4 })
const dev = deviceName(iface)
socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length)
socket.setOption(IPPROTO_IP, IP_HDRINCL, 1)
const mreqn = ipMreqn('224.0.0.18', Number(ifindex))
socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn, mreqn.length)
socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0)

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { packet?: string; destination?: string; op?: string }
  if (cmd.op === 'exit') {
    socket.close()
    process.exit(0)
  }
  const packet = Buffer.from(cmd.packet ?? '', 'hex')
  try {
    socket.wrap.send(packet, 0, packet.length, cmd.destination ?? '224.0.0.18', () => undefined)
    out({ event: 'sent', ok: true })
  } catch (error) {
    out({ event: 'sent', ok: false, error: (error as Error).message })
  }
})
out({ event: 'ready' })
