/**
 * keepalived's log line for a packet dropped before it reaches the core
 * (vrrp.c vrrp_check_packet), in its words, so that alerts written for
 * keepalived ("wrong version", "invalid TTL/HL", ...) keep firing. vrrpd's own
 * line, with its reason name and detail, goes beside it.
 */
import type { VrrpInstance } from '../config/model.js'
import type { ReceivedPacket } from '../io/ports.js'
import type { DropReason } from '../protocol/types.js'

/** The IPv4 header keepalived counts in its lengths (vrrpd's sockets strip it; options are not used by VRRP). */
const IPV4_HEADER = 20
const VRRP_HEADER = 8
const V2_AUTH = 8

/** keepalived's line for this drop, "(VI_1) ..."; undefined where keepalived logs nothing of its own. */
export function keepalivedDropLine(reason: DropReason, packet: ReceivedPacket, inst: VrrpInstance | undefined): string | undefined {
  if (!inst) return undefined
  const p = packet.payload
  const version = p.length > 0 ? p[0]! >> 4 : 0
  const type = p.length > 0 ? p[0]! & 0x0f : 0
  const count = p.length > 3 ? p[3]! : 0
  const say = (s: string): string => `(${inst.name}) ${s}`
  // A count that does not fit the length is a length error for keepalived (its expected length follows the count).
  const r = reason === 'addressCount' && count > 0 ? 'length' : reason
  switch (r) {
    case 'length': {
      const ip = packet.family === 4 ? IPV4_HEADER : 0
      const got = ip + p.length
      const expected = ip + VRRP_HEADER + count * (packet.family === 4 ? 4 : 16) + (version === 2 ? V2_AUTH : 0)
      return say(`vrrp packet too ${got > expected ? 'long' : 'short'}, length ${got} and expect ${expected}`)
    }
    case 'ttl': {
      const peer = inst.unicastPeers.find((u) => u.address === packet.source)
      return inst.unicastPeers.length && peer
        ? say(`TTL/HL ${packet.ttl} not in range ${peer.minTtl ?? 0} - ${peer.maxTtl ?? 255}`)
        : say(`invalid TTL/HL. Received ${packet.ttl} and expect 255`)
    }
    case 'version':
      return say(`wrong version. Received ${version} and expect ${inst.version}`)
    case 'checksum':
      return say(`Invalid VRRPv${version === 3 ? 3 : 2} checksum`)
    case 'type':
      return say(`Invalid packet type. ${type} and expect 1`)
    case 'addressCount':
      return say(`received an unexpected ip number count ${count}, expected ${inst.virtualIpAddresses.length}!`)
    case 'authType':
      return say(`Invalid auth type: ${p.length > 4 ? p[4] : 0}`)
    case 'unicastSource':
      return say(`unicast source address ${packet.source} not a unicast peer`)
    case 'notForUs': {
      const unicast = inst.unicastPeers.length > 0
      return say(`Expected ${unicast ? 'un' : 'mult'}icast packet but received ${unicast ? 'mult' : 'un'}icast packet`)
    }
    default:
      return undefined
  }
}
