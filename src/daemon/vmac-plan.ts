/**
 * use_vmac as the daemon runs it: which macvlan each instance gets, and the
 * config as the core and the transports see it once the VMACs exist. The
 * instance's `interface` becomes the VMAC (or stays the base interface with
 * vmac_xmit_base: adverts leave from there) and its VIPs on the base move to
 * the VMAC, as keepalived puts them on vrrp->ifp. Pure.
 */
import type { Config, VipEntry, VrrpInstance } from '../config/model.js'
import { VMAC_PREFIX_IPV4, VMAC_PREFIX_IPV6 } from '../protocol/constants.js'

/** One instance's macvlan. */
export interface VmacSpec {
  instance: string
  /** The macvlan's name: `use_vmac NAME`, else vrrp.VRID (keepalived's create_vmac_name). */
  name: string
  /** The interface it sits on (the instance's configured `interface`). */
  base: string
  /** 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), RFC 9568 7.3. */
  mac: string
  family: 4 | 6
  xmitBase: boolean
}

/** The virtual router MAC of `vrid` for `family`. */
export function virtualMac(vrid: number, family: 4 | 6): string {
  return `${family === 4 ? VMAC_PREFIX_IPV4 : VMAC_PREFIX_IPV6}:${vrid.toString(16).padStart(2, '0')}`
}

/**
 * keepalived's default names: vrrp.VRID, and when another instance has it
 * (the same VRID on another interface, or in the other family) vrrp1.VRID,
 * vrrp2.VRID...; an IPv6 instance tries vrrp6.VRID first, then 1, 2... skipping 6.
 */
function defaultName(vrid: number, family: 4 | 6, taken: Set<string>): string {
  const fit = (prefix: string): string => {
    const name = `${prefix}.${vrid}`
    return Buffer.byteLength(name) < 16 ? name : `${prefix.slice(0, prefix.length - (Buffer.byteLength(name) - 15))}.${vrid}`
  }
  let name = fit('vrrp')
  let n = 0
  while (taken.has(name)) {
    if (family === 6) n = n === 0 ? 6 : n === 6 ? 1 : n + 1 === 6 ? 7 : n + 1
    else n++
    name = fit(`vrrp${n}`)
  }
  return name
}

/**
 * The VMAC of every use_vmac instance, names settled in config order. With
 * `running` (a reload), an instance without a name of its own keeps the VMAC
 * it has when base and MAC are unchanged, as keepalived keeps a matching
 * interface ("Found matching interface"): a reload never moves a VMAC from
 * one instance to another.
 */
export function vmacSpecs(config: Config, running: readonly VmacSpec[] = []): VmacSpec[] {
  const taken = new Set<string>()
  for (const inst of config.instances) if (typeof inst.useVmac === 'string' && inst.useVmac) taken.add(inst.useVmac)
  const kept = new Map<string, string>()
  for (const inst of config.instances) {
    if (inst.useVmac !== '') continue
    const had = running.find((s) => s.instance === inst.name && s.base === inst.interface && s.mac === virtualMac(inst.virtualRouterId, inst.family))
    if (had && !taken.has(had.name)) {
      kept.set(inst.name, had.name)
      taken.add(had.name)
    }
  }
  const specs: VmacSpec[] = []
  for (const inst of config.instances) {
    if (inst.useVmac === false) continue
    const name = inst.useVmac || kept.get(inst.name) || defaultName(inst.virtualRouterId, inst.family, taken)
    taken.add(name)
    specs.push({ instance: inst.name, name, base: inst.interface, mac: virtualMac(inst.virtualRouterId, inst.family), family: inst.family, xmitBase: inst.vmacXmitBase === true })
  }
  return specs
}

/** `config` with each VMAC instance speaking on its VMAC (or its base, vmac_xmit_base) and its VIPs on the VMAC. */
export function withVmacs(config: Config, specs: VmacSpec[]): Config {
  if (specs.length === 0) return config
  const byInstance = new Map(specs.map((s) => [s.instance, s]))
  const instances = config.instances.map((inst): VrrpInstance => {
    const spec = byInstance.get(inst.name)
    if (!spec) return inst
    const move = (v: VipEntry): VipEntry => (v.dev === spec.base ? { ...v, dev: spec.name } : v)
    return {
      ...inst,
      interface: spec.xmitBase ? spec.base : spec.name,
      virtualIpAddresses: inst.virtualIpAddresses.map(move),
      virtualIpAddressesExcluded: inst.virtualIpAddressesExcluded.map(move),
    }
  })
  return { ...config, instances }
}
