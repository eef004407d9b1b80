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

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g
const IPV6 = /\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi

/** The kind of a core log line caused by an advert: its text with addresses replaced by `*`. */
export function coreLineKind(instance: string | undefined, message: string): FloodKind {
  const own = instance ? `(${instance}) ` : ''
  const text = own && message.startsWith(own) ? message.slice(own.length) : message
  const template = text.replace(IPV4, '*').replace(IPV6, '*')
  return { key: `log:${instance ?? ''}:${template}`, ...(instance ? { instance } : {}), what: `more "${template}" lines` }
}
