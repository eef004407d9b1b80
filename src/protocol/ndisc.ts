/**
 * Unsolicited Neighbor Advertisement (RFC 4861 4.4, 7.2.6; RFC 9568 8.1.2),
 * the IPv6 counterpart of gratuitous ARP, as a whole Ethernet frame for a
 * packet socket.
 */
import { parseIpv6 } from './address.js'
import { internetChecksum, ipv6PseudoHeader } from './checksum.js'
import {
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_IPV6,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  ICMPV6_NEXT_HEADER,
  IPV6_ALL_NODES,
  IPV6_HEADER_LENGTH,
  ND_OPT_TARGET_LINK_LAYER_ADDRESS,
} from './constants.js'
import { parseMac } from './mac.js'

/** ICMPv6 header (4) + flags/reserved (4) + target (16) + link-layer option (8). */
const NA_LENGTH = 32
/** Ethernet + IPv6 + Neighbor Advertisement: 86 bytes. */
export const UNSOLICITED_NA_FRAME_LENGTH = ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + NA_LENGTH

/** RFC 4861 4.4 flag bits. */
const NA_FLAG_ROUTER = 0x80
const NA_FLAG_OVERRIDE = 0x20
/** RFC 4861 7.1.2: hop limit 255 proves the sender is on link. */
const ND_HOP_LIMIT = 255

export interface UnsolicitedNaOptions {
  /** IPv6 source; default `address` itself, as keepalived sends. */
  source?: string
  /** Router flag: set when the host forwards IPv6 (keepalived reads net.ipv6.conf.IF.forwarding). */
  router?: boolean
}

/**
 * Builds an 86-byte unsolicited NA announcing `address` at `mac`: Ethernet to
 * 33:33:00:00:00:01 (RFC 2464 7) from `mac`; IPv6 from the source to ff02::1,
 * hop limit 255; ICMPv6 type 136 with the Override flag (Solicited clear,
 * Router as asked), target `address`, Target Link-Layer Address option `mac`,
 * checksum over the RFC 8200 8.1 pseudo-header. Throws on a bad MAC or IPv6 text.
 */
export function buildUnsolicitedNa(mac: string, address: string, options: UnsolicitedNaOptions = {}): Buffer {
  const hw = parseMac(mac)
  const target = parseIpv6(address)
  const source = options.source === undefined ? target : parseIpv6(options.source)
  if (!hw) throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`)
  if (!target) throw new TypeError(`not an IPv6 address: ${JSON.stringify(address)}`)
  if (!source) throw new TypeError(`not an IPv6 address: ${JSON.stringify(options.source)}`)
  const destination = parseIpv6(IPV6_ALL_NODES)!

  const out = Buffer.alloc(UNSOLICITED_NA_FRAME_LENGTH)
  // RFC 2464 7: 33:33 then the low 32 bits of the multicast address
  out[0] = 0x33
  out[1] = 0x33
  destination.copy(out, 2, 12, 16)
  out.set(hw, 6)
  out.writeUInt16BE(ETHERTYPE_IPV6, 12)

  const ip = ETHERNET_HEADER_LENGTH
  out.writeUInt32BE(0x60000000, ip) // version 6, traffic class 0, flow label 0
  out.writeUInt16BE(NA_LENGTH, ip + 4)
  out[ip + 6] = ICMPV6_NEXT_HEADER
  out[ip + 7] = ND_HOP_LIMIT
  out.set(source, ip + 8)
  out.set(destination, ip + 24)

  const na = ip + IPV6_HEADER_LENGTH
  out[na] = ICMPV6_NEIGHBOR_ADVERTISEMENT
  out[na + 4] = NA_FLAG_OVERRIDE | (options.router ? NA_FLAG_ROUTER : 0)
  out.set(target, na + 8)
  out[na + 24] = ND_OPT_TARGET_LINK_LAYER_ADDRESS
  out[na + 25] = 1 // option length in units of 8 bytes
  out.set(hw, na + 26)
  const icmp = out.subarray(na)
  out.writeUInt16BE(internetChecksum(ipv6PseudoHeader(source, destination, NA_LENGTH, ICMPV6_NEXT_HEADER), icmp), na + 2)
  return out
}
