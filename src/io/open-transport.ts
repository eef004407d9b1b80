/**
 * The daemon's openTransport port: the IPv4 transport (libc recv/sendto, our own
 * IPv4 header) or the IPv6 one (libc recvmsg/sendmsg), by the instance's family.
 */
import { openAdvertTransport, type AdvertTransportOptions, type RawAdvertTransport } from './advert-transport.js'
import { openIpv6Transport } from './ipv6-transport.js'

export function openTransportFor(opts: AdvertTransportOptions): RawAdvertTransport {
  return opts.family === 6 ? openIpv6Transport(opts) : openAdvertTransport(opts)
}
