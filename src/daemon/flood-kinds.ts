/**
 * What makes two packet-caused log lines "the same kind" for the flood gate
 * (flood-gate.ts): the same drop reason at the same place, or the same core
 * line with the addresses taken out. Never the source address: spoofed sources
 * must land in one kind, not one each.
 */
import type { ReceivedPacket } from '../io/ports.js'
import type { FloodKind } from './flood-gate.js'
import type { ReceiveOutcome } from './receive.js'

/** The kind of a drop found by the receive path. */
export function dropKind(outcome: Extract<ReceiveOutcome, { ok: false }>, packet: Pick<ReceivedPacket, 'interface' | 'payload'>): FloodKind {
  const iface = packet.interface
  if (outcome.instance) {
    return { key: `${outcome.reason}:${outcome.instance}`, instance: outcome.instance, what: `adverts on ${iface}`, why: outcome.reason }
  }
  if (outcome.reason === 'vrid' && packet.payload.length > 1) {
    const vrid = packet.payload[1]!
    return { key: `vrid:${iface}:${vrid}`, what: `adverts for VRID ${vrid} on ${iface}`, why: 'no instance for this VRID' }
  }
  return { key: `${outcome.reason}:${iface}`, what: `packets on ${iface}`, why: outcome.reason }
}

/**
 * dropKind, made once per reason and place: under a flood every dropped packet
 * asks for its kind, and building the key strings each time was most of the
 * garbage of the receive path. Bounded by reasons x (instances + interfaces x
 * 256 VRIDs); cleared on reload.
 */
export class DropKindCache {
  /** reason -> instance name or interface -> kinds by VRID + 1 (0: not by VRID). */
  #kinds = new Map<string, Map<string, FloodKind[]>>()

  kindOf(outcome: Extract<ReceiveOutcome, { ok: false }>, packet: Pick<ReceivedPacket, 'interface' | 'payload'>): FloodKind {
    const where = outcome.instance ?? packet.interface
    const slot = outcome.instance === undefined && outcome.reason === 'vrid' && packet.payload.length > 1 ? packet.payload[1]! + 1 : 0
    let byWhere = this.#kinds.get(outcome.reason)
    if (!byWhere) this.#kinds.set(outcome.reason, (byWhere = new Map()))
    let kinds = byWhere.get(where)
    if (!kinds) byWhere.set(where, (kinds = []))
    return (kinds[slot] ??= dropKind(outcome, packet))
  }

  clear(): void {
    this.#kinds.clear()
  }
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g
const IPV6 = /\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi

/** The kind of a core log line caused by an advert: its text with addresses replaced by `*`. */
export function coreLineKind(instance: string | undefined, message: string): FloodKind {
  const own = instance ? `(${instance}) ` : ''
  const text = own && message.startsWith(own) ? message.slice(own.length) : message
  const template = text.replace(IPV4, '*').replace(IPV6, '*')
  return { key: `log:${instance ?? ''}:${template}`, ...(instance ? { instance } : {}), what: `more "${template}" lines` }
}

/**
 * coreLineKind, remembered by message: the same line comes with every packet
 * of a flood ("(VI_1) received an invalid passwd!"), and taking its addresses
 * out with two regular expressions each time was most of the receive path's
 * garbage for such packets. Lines that name a spoofed source differ each time
 * and are worked out each time; the cache is bounded and starts over when full.
 */
export class CoreLineKindCache {
  /** Messages remembered per instance before its table starts over. */
  static readonly MAX_MESSAGES = 64
  /** instance ('' for none) -> message -> kind: no key string is built per lookup. */
  #kinds = new Map<string, Map<string, FloodKind>>()

  kindOf(instance: string | undefined, message: string): FloodKind {
    let byMessage = this.#kinds.get(instance ?? '')
    if (!byMessage) this.#kinds.set(instance ?? '', (byMessage = new Map()))
    let kind = byMessage.get(message)
    if (kind) return kind
    if (byMessage.size >= CoreLineKindCache.MAX_MESSAGES) byMessage.clear()
    byMessage.set(message, (kind = coreLineKind(instance, message)))
    return kind
  }

  clear(): void {
    this.#kinds.clear()
  }
}
