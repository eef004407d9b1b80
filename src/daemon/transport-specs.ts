/**
 * What each VRRP socket (one per interface and family) is opened with. A socket
 * joins the multicast group only when some instance on it speaks multicast; when
 * every instance on it is unicast it joins nothing, as keepalived's unicast
 * sockets do (so the host does not answer IGMP for 224.0.0.18 on that link).
 */
import type { Config } from '../config/model.js'
import type { TransportOptions } from '../io/ports.js'
import { transportKey } from './topology.js'

/** One spec per transport key (`eth0/4`), from the instances that use it. */
export function transportSpecs(config: Config): Map<string, TransportOptions> {
  const specs = new Map<string, TransportOptions>()
  for (const inst of config.instances) {
    const key = transportKey(inst.interface, inst.family)
    const multicastGroup = inst.family === 4 ? config.globalDefs.mcastGroup4 : config.globalDefs.mcastGroup6
    const spec = specs.get(key) ?? { interface: inst.interface, family: inst.family, multicastGroup, unicastPeers: [] }
    const peers = inst.unicastPeers.map((p) => p.address)
    // An empty list means "multicast": once one instance needs the group, the socket joins it.
    const multicastBefore = specs.has(key) && spec.unicastPeers.length === 0
    spec.unicastPeers = peers.length === 0 || multicastBefore ? [] : [...new Set([...spec.unicastPeers, ...peers])]
    specs.set(key, spec)
  }
  return specs
}

/** Whether a socket opened with `a` must be reopened to serve `b` (another group, or unicast <-> multicast). */
export function membershipDiffers(a: TransportOptions, b: TransportOptions): boolean {
  const joinsA = a.unicastPeers.length === 0
  const joinsB = b.unicastPeers.length === 0
  return joinsA !== joinsB || (joinsA && a.multicastGroup !== b.multicastGroup)
}
