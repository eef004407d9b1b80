/**
 * Plain-object configs for core tests and simulations: a VrrpInstance with
 * keepalived's defaults, overridable field by field.
 */
import type { Config, GlobalDefs, SyncGroup, TrackRef, VipEntry, VrrpInstance, VrrpScript } from '../../src/config/model.js'
import { DEFAULTS } from '../../src/config/model.js'
import type { Advert } from '../../src/protocol/types.js'
import { defaultGlobalDefs } from '../../src/config/keywords/global-defs.js'

const at = { file: 'test.conf', line: 1 }

export function vip(address: string, dev = 'eth0', prefixLength?: number): VipEntry {
  const family = address.includes(':') ? 6 : 4
  return { address, family, prefixLength: prefixLength ?? (family === 4 ? 32 : 128), dev, at }
}

export function track(name: string, weight = 0, reverse = false): TrackRef {
  return { name, weight, reverse, at }
}

/** A vrrp_instance with keepalived's defaults (VRID 51, eth0, priority 100, advert_int 1, VIP 10.0.0.100). */
export function makeInstance(over: Partial<VrrpInstance> = {}): VrrpInstance {
  const iface = over.interface ?? 'eth0'
  return {
    name: 'VI_1',
    at,
    initialState: 'BACKUP',
    interface: iface,
    virtualRouterId: 51,
    priority: DEFAULTS.priority,
    advertIntervalMs: DEFAULTS.advertIntervalMs,
    version: 2,
    family: 4,
    nopreempt: false,
    preemptDelayMs: 0,
    virtualIpAddresses: [vip('10.0.0.100', iface)],
    virtualIpAddressesExcluded: [],
    virtualRoutes: [],
    trackScripts: [],
    trackInterfaces: [],
    trackFiles: [],
    unicastPeers: [],
    useVmac: false,
    garp: { ...DEFAULTS.garp },
    notify: {},
    dontTrackPrimary: false,
    skipCheckAdvAddr: false,
    strictMode: false,
    accept: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    v3ChecksumPseudoHeader: true,
    ...over,
  }
}

export function makeScript(name: string, over: Partial<VrrpScript> = {}): VrrpScript {
  return { name, script: `/bin/check-${name}`, intervalMs: 1000, timeoutMs: 1000, weight: 0, reverse: false, rise: 1, fall: 1, initFail: false, at, ...over }
}

export function makeGroup(name: string, members: string[], over: Partial<SyncGroup> = {}): SyncGroup {
  return { name, members, notify: {}, trackScripts: [], trackInterfaces: [], trackFiles: [], at, ...over }
}

export function makeConfig(instances: VrrpInstance[], over: { globalDefs?: Partial<GlobalDefs>; scripts?: VrrpScript[]; syncGroups?: SyncGroup[] } = {}): Config {
  const scripts: Record<string, VrrpScript> = {}
  for (const s of over.scripts ?? []) scripts[s.name] = s
  const groups = over.syncGroups ?? []
  const members = new Map<string, string>()
  for (const g of groups) for (const m of g.members) members.set(m, g.name)
  return {
    file: 'test.conf',
    globalDefs: { ...defaultGlobalDefs(), ...over.globalDefs },
    scripts,
    trackFiles: {},
    instances: instances.map((i) => (members.has(i.name) ? { ...i, syncGroup: members.get(i.name)! } : i)),
    syncGroups: groups,
    staticIpAddresses: [],
    ignored: [],
  }
}

/** Router options for one host: eth0 up with `address`. */
export function hostOpts(address: string, ifaces: string[] = ['eth0']): { primaryAddresses: Record<string, { 4?: string; 6?: string }>; interfacesUp: Record<string, boolean> } {
  const primaryAddresses: Record<string, { 4?: string; 6?: string }> = {}
  const interfacesUp: Record<string, boolean> = {}
  for (const i of ifaces) {
    primaryAddresses[i] = address.includes(':') ? { 6: address } : { 4: address }
    interfacesUp[i] = true
  }
  return { primaryAddresses, interfacesUp }
}

/** An advert as a peer running `inst` would send it. */
export function advertFrom(inst: VrrpInstance, over: Partial<Advert> = {}): Advert {
  const auth = inst.version === 2 && inst.authentication?.type === 'PASS'
  const data = Buffer.alloc(inst.version === 2 ? 8 : 0)
  if (auth) Buffer.from(inst.authentication!.password).copy(data, 0, 0, 8)
  return {
    version: inst.version,
    type: 1,
    virtualRouterId: inst.virtualRouterId,
    priority: inst.priority,
    adverIntervalMs: inst.advertIntervalMs,
    authType: inst.version === 3 || !inst.authentication ? 0 : inst.authentication.type === 'PASS' ? 1 : 2,
    authData: data,
    ipAddresses: inst.virtualIpAddresses.filter((v) => v.family === inst.family).map((v) => v.address),
    family: inst.family,
    ...over,
  }
}
