/**
 * The receive path: a packet from a transport becomes either an `advertReceived`
 * event for the core or a counted drop. Pure (no I/O), so every drop reason can
 * be tested without a socket.
 *
 * What is checked here is what needs the packet's envelope (addresses, TTL) or
 * the instance's transport settings; what needs only the VRRP message is the
 * decoder's (src/protocol); what needs our configuration of the VRID (auth,
 * interval, VIP list) is the core's.
 */
import type { VrrpInstance } from '../config/model.js'
import type { Event } from '../core/types.js'
import type { ReceivedPacket } from '../io/ports.js'
import { decodeAdvert } from '../protocol/index.js'
import type { DropReason } from '../protocol/types.js'

export interface ReceiveContext {
  /** The configured instance for this interface, family and VRID, if any. */
  instanceFor(iface: string, family: 4 | 6, vrid: number): VrrpInstance | undefined
  /** Whether `address` is one of ours on `iface` (our own adverts must be ignored). */
  isOwnAddress(iface: string, address: string): boolean
  /** The multicast group adverts are sent to (224.0.0.18 / ff02::12 unless configured otherwise). */
  multicastGroup(family: 4 | 6): string
  /** vrrp_check_unicast_src: unicast adverts must come from a configured peer. */
  checkUnicastSrc: boolean
}

export type ReceiveOutcome =
  | { ok: true; event: Event; instance: string }
  | { ok: false; reason: DropReason; instance?: string; detail?: string }

/** Byte offset of the VRID in both VRRPv2 and VRRPv3 messages (RFC 9568 5.2.3). */
const VRID_OFFSET = 1

/** Whether `address` is a multicast address; read in place (called per packet). */
function isMulticast(address: string, family: 4 | 6): boolean {
  if (family === 6) return (address.charCodeAt(0) | 0x20) === 0x66 && (address.charCodeAt(1) | 0x20) === 0x66 // "ff"
  let first = 0
  for (let i = 0; i < address.length && i < 3; i++) {
    const c = address.charCodeAt(i)
    if (c === 0x2e) break // '.'
    first = first * 10 + c - 0x30
  }
  return first >= 224 && first <= 239
}

/** The receive path's lookup table: instances by interface, then [IPv4, IPv6] by VRID. */
export function instancesByVrid(instances: readonly VrrpInstance[]): Map<string, [(VrrpInstance | undefined)[], (VrrpInstance | undefined)[]]> {
  const byIface = new Map<string, [(VrrpInstance | undefined)[], (VrrpInstance | undefined)[]]>()
  for (const i of instances) {
    let slots = byIface.get(i.interface)
    if (!slots) byIface.set(i.interface, (slots = [[], []]))
    slots[i.family === 4 ? 0 : 1][i.virtualRouterId] = i
  }
  return byIface
}

/** Turns one received packet into an event for the core, or a drop with its reason. */
export function receivePacket(packet: ReceivedPacket, ctx: ReceiveContext): ReceiveOutcome {
  if (ctx.isOwnAddress(packet.interface, packet.source)) return { ok: false, reason: 'ownAdvert' }
  if (packet.payload.length <= VRID_OFFSET) return { ok: false, reason: 'length', detail: `${packet.payload.length} bytes` }

  const vrid = packet.payload[VRID_OFFSET]!
  const instance = ctx.instanceFor(packet.interface, packet.family, vrid)
  if (!instance) return { ok: false, reason: 'vrid', detail: `no instance for VRID ${vrid} on ${packet.interface}` }

  const unicast = instance.unicastPeers.length > 0
  const toMulticast = isMulticast(packet.destination, packet.family)
  if (unicast === toMulticast) {
    return {
      ok: false,
      reason: 'notForUs',
      instance: instance.name,
      detail: unicast ? `multicast advert to ${packet.destination}, we use unicast` : `unicast advert to ${packet.destination}, we use multicast`,
    }
  }

  // RFC 9568 5.1.1.2 / 5.1.2.2: adverts go to the VRRP group; a unicast one must be
  // addressed to us. Anything else (another group, a broadcast) is not an advert for this router.
  if (unicast) {
    if (!ctx.isOwnAddress(packet.interface, packet.destination)) {
      return { ok: false, reason: 'notForUs', instance: instance.name, detail: `unicast advert to ${packet.destination}, not an address of ours on ${packet.interface}` }
    }
  } else {
    const group = ctx.multicastGroup(packet.family)
    if (packet.destination !== group && packet.destination.toLowerCase() !== group.toLowerCase()) {
      return { ok: false, reason: 'notForUs', instance: instance.name, detail: `advert to ${packet.destination}, not the VRRP group ${group}` }
    }
  }

  // RFC 9568 7.1: the TTL MUST be 255. keepalived applies that to multicast only;
  // unicast peers may set min_ttl/max_ttl since routed unicast decrements it.
  const decoded = decodeAdvert(packet.payload, {
    family: packet.family,
    source: packet.source,
    destination: packet.destination,
    ttl: packet.ttl,
    checkTtl: !unicast,
    pseudoHeaderChecksum: instance.v3ChecksumPseudoHeader,
  })
  if (!decoded.ok) return { ok: false, reason: decoded.reason, instance: instance.name, ...(decoded.detail ? { detail: decoded.detail } : {}) }

  if (unicast) {
    const peer = instance.unicastPeers.find((p) => p.address === packet.source)
    if (!peer && ctx.checkUnicastSrc) {
      return { ok: false, reason: 'unicastSource', instance: instance.name, detail: `${packet.source} is not a unicast_peer` }
    }
    if (peer && ((peer.minTtl !== undefined && packet.ttl < peer.minTtl) || (peer.maxTtl !== undefined && packet.ttl > peer.maxTtl))) {
      return { ok: false, reason: 'ttl', instance: instance.name, detail: `TTL ${packet.ttl} outside ${peer.minTtl ?? 0}..${peer.maxTtl ?? 255}` }
    }
  }

  return {
    ok: true,
    instance: instance.name,
    event: { type: 'advertReceived', interface: packet.interface, source: packet.source, advert: decoded.advert },
  }
}
