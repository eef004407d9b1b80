/**
 * Questions the daemon asks of the config and of the interfaces: which
 * interfaces, scripts and files matter, and which address an instance speaks from.
 */
import type { Config, TrackFile, VrrpScript } from '../config/model.js'
import type { InterfaceInfo } from '../io/ports.js'

/** One transport per interface and family, shared by that interface's instances. */
export function transportKey(iface: string, family: 4 | 6): string {
  return `${iface}/${family}`
}

/** Every interface the config depends on: instance interfaces, track_interface, VIP devs. */
export function referencedInterfaces(config: Config): string[] {
  const names = new Set<string>()
  for (const inst of config.instances) {
    names.add(inst.interface)
    for (const t of inst.trackInterfaces) names.add(t.name)
    for (const v of [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded]) names.add(v.dev)
  }
  for (const g of config.syncGroups) for (const t of g.trackInterfaces) names.add(t.name)
  return [...names]
}

/** The vrrp_script blocks some instance or sync group tracks (keepalived runs only those). */
export function referencedScripts(config: Config): VrrpScript[] {
  const used = new Set<string>()
  for (const owner of [...config.instances, ...config.syncGroups]) for (const t of owner.trackScripts) used.add(t.name)
  return [...used].flatMap((name) => (config.scripts[name] ? [config.scripts[name]] : []))
}

/** The track_file blocks some instance or sync group tracks. */
export function referencedTrackFiles(config: Config): TrackFile[] {
  const used = new Set<string>()
  for (const owner of [...config.instances, ...config.syncGroups]) for (const t of owner.trackFiles) used.add(t.name)
  return [...used].flatMap((name) => (config.trackFiles[name] ? [config.trackFiles[name]] : []))
}

/** Every VIP address of the config (they never count as an interface's own address). */
export function vipAddresses(config: Config): Set<string> {
  const vips = new Set<string>()
  for (const inst of config.instances) for (const v of [...inst.virtualIpAddresses, ...inst.virtualIpAddressesExcluded]) vips.add(v.address)
  return vips
}

/**
 * The address an instance sends from when neither unicast_src_ip nor mcast_src_ip
 * is set: the interface's first primary address of the family that is not one of
 * our VIPs (a VIP in another subnet shows as primary too). IPv6 prefers link-local,
 * as RFC 9568 5.1.2.1 requires.
 */
export function primaryAddressOf(info: InterfaceInfo | undefined, family: 4 | 6, vips: ReadonlySet<string>): string | undefined {
  if (!info) return undefined
  const candidates = info.addresses.filter((a) => a.family === family && a.primary && !vips.has(a.address))
  if (family === 6) return (candidates.find((a) => a.address.toLowerCase().startsWith('fe80')) ?? candidates[0])?.address
  return candidates[0]?.address
}

/** primaryAddressOf's answers per interface view: an InterfaceInfo is never changed in place (a change brings a new one). */
const primaryMemo = new WeakMap<InterfaceInfo, { vips: ReadonlySet<string>; 4?: string | undefined; 6?: string | undefined }>()

/**
 * primaryAddressOf, remembered for the view and VIP set it was asked with: a
 * master's interface carries its VIPs too (250 per interface at 1,000
 * instances), and the source is needed for every advert.
 */
export function memoPrimaryAddressOf(info: InterfaceInfo | undefined, family: 4 | 6, vips: ReadonlySet<string>): string | undefined {
  if (!info) return undefined
  let m = primaryMemo.get(info)
  if (!m || m.vips !== vips) primaryMemo.set(info, (m = { vips }))
  if (!(family in m)) m[family] = primaryAddressOf(info, family, vips)
  return m[family]
}
