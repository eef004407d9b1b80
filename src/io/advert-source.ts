/**
 * Which address an advert is sent from (RFC 9568 5.1.1.1: "the primary IPvX
 * address of the interface the packet is being sent from"), unless the
 * configuration names one (mcast_src_ip / unicast_src_ip, as keepalived).
 */
import type { InterfaceInfo } from './ports.js'

/**
 * The source for adverts on `info`: `configured` when given, else the
 * interface's first primary address of the family (the kernel lists the
 * primary first). Undefined when the interface has none: keepalived then holds
 * the instance in FAULT until an address appears.
 */
export function advertSource(info: InterfaceInfo, family: 4 | 6, configured?: string): string | undefined {
  if (configured) return configured
  // IPv6 adverts come from the link-local address (RFC 9568 5.1.2.1).
  const candidates = info.addresses.filter((a) => a.family === family && a.primary)
  if (family === 6) return candidates.find((a) => a.address.toLowerCase().startsWith('fe80:'))?.address
  return candidates[0]?.address
}
