/**
 * One instance from draft to model: defaults, globals, and keepalived's
 * per-instance checks (vrrp.c vrrp_complete_instance), in its wording where it has one.
 */
import { DEFAULTS, type GlobalDefs, type IpFamily, type TrackRef, type VipEntry, type VrrpInstance } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import type { InstanceDraft } from './keywords/instance.js'
import type { TrackRefDraft } from './keywords/track-refs.js'

export interface InstanceContext {
  sink: DiagnosticSink
  globals: GlobalDefs
  interfaceExists: (name: string) => boolean
  /** use_vmac needs an Ethernet interface; undefined: cannot tell (no check). */
  interfaceIsEthernet?: (name: string) => boolean | undefined
  /** Weight of a defined vrrp_script / track_file, or undefined when not defined. */
  scriptWeight: (name: string) => { weight: number; reverse: boolean } | undefined
  fileWeight: (name: string) => { weight: number; reverse: boolean } | undefined
}

/** v3 Max Advertisement Interval is 12 bits of centiseconds (RFC 9568 5.2.7). */
const V3_MAX_ADVERT_MS = 40950

/** Resolves track entries: drops (with a warning) those naming undefined objects. */
export function resolveTrackRefs(
  owner: string, kind: string, refs: TrackRefDraft[], lookup: (n: string) => { weight: number; reverse: boolean } | undefined, sink: DiagnosticSink,
): TrackRef[] {
  const out: TrackRef[] = []
  for (const r of refs) {
    const obj = lookup(r.name)
    if (!obj) {
      // A config error in keepalived (-t exits 5), with the same words.
      sink.error(r.at, `(${owner}) ${kind} ${r.name} not found, ignoring...`)
      continue
    }
    out.push({ name: r.name, weight: r.weight ?? obj.weight, reverse: r.weight !== undefined ? r.reverse : obj.reverse, at: r.at })
  }
  return out
}

/** The family of the instance's VIPs; entries of the other family are errors and dropped. */
function settleFamily(d: InstanceDraft, sink: DiagnosticSink): IpFamily {
  const first = d.vips[0]
  const family: IpFamily = first?.family ?? d.unicastSrcIp?.family ?? d.unicastPeers[0]?.family ?? d.mcastSrcIp?.family ?? 4
  const keep: VipEntry[] = []
  for (const v of d.vips) {
    if (v.family === family) keep.push(v)
    // keepalived's words; it quotes the address as written, the default prefix left out.
    else sink.error(v.at, `(${d.name}): address family must match VRRP instance [${v.address}${v.prefixLength === (v.family === 4 ? 32 : 128) ? '' : `/${v.prefixLength}`}] - ignoring`)
  }
  d.vips = keep
  return family
}

function settleAdvertInterval(d: InstanceDraft, version: 2 | 3, sink: DiagnosticSink): number {
  const ms = d.advertIntMs ?? DEFAULTS.advertIntervalMs
  const at = d.advertIntAt ?? d.at
  if (version === 2) {
    const secs = Math.min(255, Math.max(1, Math.round(ms / 1000)))
    if (secs * 1000 !== ms) sink.warning(at, `(${d.name}) advert_int ${ms / 1000} is not a whole number of seconds (1..255) for VRRPv2; using ${secs}`)
    return secs * 1000
  }
  const rounded = Math.min(V3_MAX_ADVERT_MS, Math.max(10, Math.round(ms / 10) * 10))
  if (rounded !== ms) sink.warning(at, `(${d.name}) advert_int ${ms / 1000} is outside 0.01..40.95 or not in 10 ms steps for VRRPv3; using ${rounded / 1000}`)
  return rounded
}

/** Builds the model instance, or undefined when it cannot run (reported as an error). */
export function finalizeInstance(d: InstanceDraft, ctx: InstanceContext): VrrpInstance | undefined {
  const { sink, globals: g } = ctx
  if (d.vrid === undefined) {
    // An invalid value was reported on its own line: say the consequence, not "missing".
    sink.error(d.at, d.vridGiven ? `(${d.name}) no valid virtual_router_id; instance ignored` : `(${d.name}) virtual_router_id is missing (1..255 required); instance ignored`)
    return undefined
  }
  if (d.interface === undefined && d.unicastSrcIp === undefined) {
    sink.error(d.at, `(${d.name}) no interface given; instance ignored`)
    return undefined
  }
  if (d.interface !== undefined && !ctx.interfaceExists(d.interface)) {
    sink.error(d.interfaceAt ?? d.at, `WARNING - interface ${d.interface} for vrrp_instance ${d.name} doesn't exist`)
  }
  const strict = d.strictMode ?? g.vrrpStrict
  const family = settleFamily(d, sink)
  let version = d.version ?? g.vrrpVersion
  if (family === 6 && version === 2) {
    if (d.version === 2) sink.warning(d.at, `(${d.name}) cannot use IPv6 with VRRP version 2; setting version 3`)
    version = 3
  }
  // keepalived's words; without a VIP a v3, IPv6 or strict instance cannot run (checked on, reported at once).
  const vipRequired = d.vips.length === 0 && (version === 3 || family === 6 || strict)
  if (vipRequired) sink.error(d.at, `(${d.name}) No VIP specified; at least one is required; instance ignored`)
  else if (d.vips.length === 0) sink.error(d.at, `(${d.name}) No VIP specified; at least one is sensible`)
  // An invalid priority was already replaced by 100 (keepalived's "Using default 100").
  const priority = d.priority ?? (d.state === 'MASTER' ? DEFAULTS.ownerPriority : DEFAULTS.priority)
  let initialState: 'MASTER' | 'BACKUP' = d.state ?? (priority === DEFAULTS.ownerPriority ? 'MASTER' : 'BACKUP')
  let nopreempt = d.nopreempt
  let preemptDelayMs = d.preemptDelayMs
  if (nopreempt && priority === DEFAULTS.ownerPriority) {
    sink.error(d.nopreemptAt ?? d.at, `(${d.name}) nopreempt is incompatible with priority 255. resetting nopreempt`)
    nopreempt = false
  } else if (nopreempt && initialState === 'MASTER') {
    sink.error(d.nopreemptAt ?? d.at, `(${d.name}) Warning - nopreempt will not work with initial state MASTER - clearing`)
    nopreempt = false
  }
  if (preemptDelayMs > 0 && initialState === 'MASTER') {
    sink.error(d.at, `(${d.name}) Warning - preempt delay will not work with initial state MASTER - clearing`)
    preemptDelayMs = 0
  }
  let authentication: VrrpInstance['authentication']
  if (d.auth) {
    const { type, password } = d.auth
    // keepalived 2.2.7: an unknown auth_type is an error in its words (exit 5); no
    // auth_type line at all passes silently and runs without authentication. vrrpd
    // says so in a warning (same exit code 0), as a forgotten line can split a pair.
    if (d.auth.badType) sink.error(d.auth.badType.at, `(${d.name}) unknown authentication type '${d.auth.badType.value}'`)
    else if (type === undefined) sink.warning(d.auth.at, `(${d.name}) authentication without auth_type: running without authentication, as keepalived does`)
    else if (strict) sink.error(d.auth.at, `(${d.name}) Strict mode does not support authentication. Ignoring.`)
    else if (version === 3) sink.error(d.auth.at, `(${d.name}) VRRP version 3 does not support authentication. Ignoring.`)
    else if (!password) sink.error(d.auth.at, `(${d.name}) Authentication specified but no password given. Ignoring`)
    else if (type === 'AH') sink.error(d.auth.at, `(${d.name}) auth_type AH is not supported by vrrpd; running without authentication (peers expecting AH will drop our adverts)`)
    else authentication = { type, password }
  }
  const addrFamily = (what: string, ip: { address: string; family: IpFamily; at: { file: string; line: number } } | undefined): string | undefined => {
    if (!ip) return undefined
    if (ip.family === family) return ip.address
    if (what === 'unicast_peer') sink.error(ip.at, `Configuration error: VRRP instance[${d.name}] and unicast peer address[${ip.address}] MUST be of the same family !!! Skipping...`)
    else sink.error(ip.at, `(${d.name}) ${what} ${ip.address} is IPv${ip.family} but the instance is IPv${family}; ignored`)
    return undefined
  }
  const unicastPeers = d.unicastPeers.filter((p) => addrFamily('unicast_peer', p) !== undefined).map(({ family: _f, ...p }) => p)
  let unicastSrcIp = addrFamily('unicast_src_ip', d.unicastSrcIp)
  if (strict && unicastPeers.length > 0) {
    sink.error(d.at, `(${d.name}) Unicast peers are not supported in strict mode; instance ignored`)
    return undefined
  }
  if (strict && initialState === 'MASTER' && priority !== DEFAULTS.ownerPriority) {
    sink.warning(d.at, `(${d.name}) strict mode: state MASTER needs priority 255; starting as BACKUP`)
    initialState = 'BACKUP'
  }
  if (d.useVmac !== false && d.interface !== undefined && ctx.interfaceIsEthernet?.(d.interface) === false) {
    // keepalived's vrrp_complete_instance: a config error, and the instance cannot run (here: no VMAC, so FAULT).
    sink.error(d.interfaceAt ?? d.at, `(${d.name}): vmacs are only supported on Ethernet type interfaces`)
  }
  if (d.useVmac !== false && unicastPeers.length > 0 && !d.vmacXmitBase) {
    // keepalived's vrrp_end_handler, a config error (-t exits 5): a unicast VMAC sends from the base interface.
    sink.error(d.at, `(${d.name}) unicast with use_vmac requires vmac_xmit_base - setting`)
  }
  if (d.unicastSrcIp !== undefined && unicastPeers.length === 0) {
    sink.warning(d.unicastSrcIp.at, `(${d.name}) unicast_src_ip without any unicast_peer: using multicast`)
    if (d.interface === undefined) unicastSrcIp = undefined
  }
  if (vipRequired) return undefined
  const dev = d.interface ?? ''
  const withDev = (v: VipEntry): VipEntry => (v.dev === '' ? { ...v, dev } : v)
  const trackInterfaces = d.trackInterfaces.map((r): TrackRef => {
    if (!ctx.interfaceExists(r.name)) sink.warning(r.at, `(${d.name}) WARNING - interface ${r.name} for track_interface doesn't exist`)
    return { name: r.name, weight: r.weight ?? 0, reverse: r.reverse, at: r.at }
  })
  const accept = settleAccept(d, priority, version, strict, sink)
  if (strict) strictResets(d, sink)
  if (family === 6 && unicastPeers.length === 0) firstVipLinkLocal(d, strict, sink)
  const inst: VrrpInstance = {
    name: d.name,
    at: d.at,
    initialState,
    interface: dev,
    virtualRouterId: d.vrid,
    priority,
    advertIntervalMs: settleAdvertInterval(d, version, sink),
    version,
    family,
    nopreempt,
    preemptDelayMs,
    virtualIpAddresses: d.vips.map(withDev),
    virtualIpAddressesExcluded: d.vipsExcluded.map(withDev),
    virtualRoutes: d.virtualRoutes,
    virtualRouteEntries: d.virtualRouteEntries,
    virtualRules: d.virtualRules,
    trackScripts: resolveTrackRefs(d.name, 'track script', d.trackScripts, ctx.scriptWeight, sink),
    trackInterfaces,
    trackFiles: resolveTrackRefs(d.name, 'track file', d.trackFiles, ctx.fileWeight, sink),
    unicastPeers,
    useVmac: d.useVmac,
    ...(d.useVmac !== false && (d.vmacXmitBase || unicastPeers.length > 0) ? { vmacXmitBase: true } : {}),
    garp: {
      ...g.garp,
      ...d.garp,
      ...(strict ? { lowerPrioDelayMs: 0, lowerPrioRepeat: 0 } : {}),
    },
    notify: d.notify,
    notifyUsers: d.notifyUsers,
    dontTrackPrimary: d.dontTrackPrimary,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.skipCheckAdvAddr,
    strictMode: strict,
    accept,
    notifyPriorityChanges: d.notifyPriorityChanges ?? g.notifyPriorityChanges,
    lowerPrioNoAdvert: strict ? true : (d.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert),
    higherPrioSendAdvert: strict ? false : (d.higherPrioSendAdvert ?? g.higherPrioSendAdvert),
    v3ChecksumPseudoHeader: d.v3ChecksumPseudoHeader,
  }
  if (authentication) inst.authentication = authentication
  if (unicastSrcIp !== undefined) inst.unicastSrcIp = unicastSrcIp
  const mcastSrc = addrFamily('mcast_src_ip', d.mcastSrcIp)
  if (mcastSrc !== undefined) inst.mcastSrcIp = mcastSrc
  return inst
}

/**
 * accept / no_accept (keepalived vrrp.c): unset means accept for the address
 * owner and outside strict mode; strict VRRPv2 never accepts (RFC 3768 has no
 * Accept_Mode).
 */
function settleAccept(d: InstanceDraft, priority: number, version: 2 | 3, strict: boolean, sink: DiagnosticSink): boolean {
  if (d.accept === undefined) return priority === DEFAULTS.ownerPriority ? true : !strict
  if (d.accept && priority !== DEFAULTS.ownerPriority && strict && version === 2) {
    sink.error(d.at, `(${d.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`)
    return false
  }
  return d.accept
}

/** Strict mode overrides these even when set explicitly, with keepalived's errors. */
function strictResets(d: InstanceDraft, sink: DiagnosticSink): void {
  if (d.garp.lowerPrioRepeat) sink.error(d.at, `(${d.name}) Strict mode requires no repeat garps. resetting`)
  if (d.garp.lowerPrioDelayMs) sink.error(d.at, `(${d.name}) Strict mode requires no repeat garp delay. resetting`)
  if (d.lowerPrioNoAdvert === false) sink.error(d.at, `(${d.name}) Strict mode requires no lower priority advert. resetting`)
}

/**
 * keepalived wants a multicast IPv6 instance's first VIP link-local (RFC 9568
 * 7.2 lists the link-local address first): an error in strict mode, else a
 * log line. Neither changes the instance.
 */
function firstVipLinkLocal(d: InstanceDraft, strict: boolean, sink: DiagnosticSink): void {
  const first = d.vips[0]
  if (!first || first.family !== 6 || /^fe[89ab]/i.test(first.address)) return
  if (strict) sink.error(d.at, `(${d.name}) the first IPv6 VIP address must be link local`)
  else sink.warning(d.at, `(${d.name}) the first IPv6 VIP address should be link local`)
}
