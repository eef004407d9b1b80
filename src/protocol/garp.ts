/**
 * Gratuitous ARP (RFC 5227 3 "ARP Announcement", RFC 9568 8.1.2) as a whole
 * Ethernet frame for a packet socket. Like keepalived, a REQUEST: "who-has VIP
 * (ff:ff:ff:ff:ff:ff) tell VIP", so hosts that ignore gratuitous replies still
 * refresh their caches.
 */
import { parseIpv4 } from './address.js'
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './constants.js'
import { parseMac } from './mac.js'

/** Ethernet header + 28-byte ARP packet, no padding (the NIC pads to 60). */
export const GARP_FRAME_LENGTH = ETHERNET_HEADER_LENGTH + 28

const ARP_HTYPE_ETHERNET = 1
const ARP_OP_REQUEST = 1

/**
 * Builds the 42-byte gratuitous ARP frame announcing `address` at `mac`:
 * Ethernet to ff:ff:ff:ff:ff:ff from `mac`, type 0x0806; ARP htype 1, ptype
 * 0x0800, hlen 6, plen 4, op 1, sender `mac`/`address`, target
 * ff:ff:ff:ff:ff:ff/`address`. Throws on a bad MAC or IPv4 text (ours, not
 * wire input).
 */
export function buildGarp(mac: string, address: string): Buffer {
  const hw = parseMac(mac)
  const ip = parseIpv4(address)
  if (!hw) throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`)
  if (!ip) throw new TypeError(`not an IPv4 address: ${JSON.stringify(address)}`)
  const out = Buffer.alloc(GARP_FRAME_LENGTH)
  out.fill(0xff, 0, 6)
  out.set(hw, 6)
  out.writeUInt16BE(ETHERTYPE_ARP, 12)
  out.writeUInt16BE(ARP_HTYPE_ETHERNET, 14)
  out.writeUInt16BE(ETHERTYPE_IPV4, 16)
  out[18] = 6
  out[19] = 4
  out.writeUInt16BE(ARP_OP_REQUEST, 20)
  out.set(hw, 22)
  out.set(ip, 28)
  out.fill(0xff, 32, 38)
  out.set(ip, 38)
  return out
}
