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
import { decodeAdvert, explainDecode, type DecodeContext } from '../protocol/index.js'
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

type Dropped = Extract<ReceiveOutcome, { ok: false }>

/** The drops that name no instance, made once: most of a flood is these (unknown VRIDs). */
const unattributed = new Map<DropReason, Dropped>()

/**
 * A drop. `detail` is the words for the log, or false on the hot path: only a
 * line that is logged needs them (see receivePacket's `explain`), and building
 * them for every packet of a flood was garbage V8 grew its heap for (issue 12).
 */
function drop(reason: DropReason, instance: string | undefined, detail: string | false): Dropped {
  if (detail !== false) return instance === undefined ? { ok: false, reason, detail } : { ok: false, reason, instance, detail }
  if (instance !== undefined) return { ok: false, reason, instance }
  let shared = unattributed.get(reason)
  if (!shared) unattributed.set(reason, (shared = Object.freeze({ ok: false as const, reason })))
  return shared
}

/**
 * The decoder's view of one packet, reused: decodeAdvert reads it during the
 * call only, and a new object per packet was garbage under a flood.
 */
const decodeContext: DecodeContext = { family: 4, source: '', destination: '', ttl: 0, checkTtl: true, pseudoHeaderChecksum: true }

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

/**
 * Turns one received packet into an event for the core, or a drop with its
 * reason. With `explain`, a drop also says why in words (`detail`): the daemon
 * asks again with it only for a drop it logs.
 */
export function receivePacket(packet: ReceivedPacket, ctx: ReceiveContext, explain = false): ReceiveOutcome {
  if (ctx.isOwnAddress(packet.interface, packet.source)) return drop('ownAdvert', undefined, false)
  if (packet.payload.length <= VRID_OFFSET) return drop('length', undefined, explain && `${packet.payload.length} bytes`)

  const vrid = packet.payload[VRID_OFFSET]!
  const instance = ctx.instanceFor(packet.interface, packet.family, vrid)
  if (!instance) return drop('vrid', undefined, explain && `no instance for VRID ${vrid} on ${packet.interface}`)

  const unicast = instance.unicastPeers.length > 0
  const toMulticast = isMulticast(packet.destination, packet.family)
  if (unicast === toMulticast) {
    return drop('notForUs', instance.name, explain && (unicast ? `multicast advert to ${packet.destination}, we use unicast` : `unicast advert to ${packet.destination}, we use multicast`))
  }

  // RFC 9568 5.1.1.2 / 5.1.2.2: adverts go to the VRRP group; a unicast one must be
  // addressed to us. Anything else (another group, a broadcast) is not an advert for this router.
  if (unicast) {
    if (!ctx.isOwnAddress(packet.interface, packet.destination)) {
      return drop('notForUs', instance.name, explain && `unicast advert to ${packet.destination}, not an address of ours on ${packet.interface}`)
    }
  } else {
    const group = ctx.multicastGroup(packet.family)
    if (packet.destination !== group && packet.destination.toLowerCase() !== group.toLowerCase()) {
      return drop('notForUs', instance.name, explain && `advert to ${packet.destination}, not the VRRP group ${group}`)
    }
  }

  // RFC 9568 7.1: the TTL MUST be 255. keepalived applies that to multicast only;
  // unicast peers may set min_ttl/max_ttl since routed unicast decrements it.
  decodeContext.family = packet.family
  decodeContext.source = packet.source
  decodeContext.destination = packet.destination
  decodeContext.ttl = packet.ttl
  decodeContext.checkTtl = !unicast
  decodeContext.pseudoHeaderChecksum = instance.v3ChecksumPseudoHeader
  const decoded = decodeAdvert(packet.payload, decodeContext)
  if (!decoded.ok) return drop(decoded.reason, instance.name, explain && (explainDecode(packet.payload, decodeContext) ?? false))

  if (unicast) {
    const peer = instance.unicastPeers.find((p) => p.address === packet.source)
    if (!peer && ctx.checkUnicastSrc) {
      return drop('unicastSource', instance.name, explain && `${packet.source} is not a unicast_peer`)
    }
    if (peer && ((peer.minTtl !== undefined && packet.ttl < peer.minTtl) || (peer.maxTtl !== undefined && packet.ttl > peer.maxTtl))) {
      return drop('ttl', instance.name, explain && `TTL ${packet.ttl} outside ${peer.minTtl ?? 0}..${peer.maxTtl ?? 255}`)
    }
  }

  return {
    ok: true,
    instance: instance.name,
    event: { type: 'advertReceived', interface: packet.interface, source: packet.source, advert: decoded.advert },
  }
}
