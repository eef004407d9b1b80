/** `vrrp_instance NAME { ... }`: what each keyword records, before defaults and checks. */
import type { AuthSettings, GarpSettings, NotifyScripts, NotifyUsers, RouteEntry, RuleEntry, SourceRef, UnicastPeer, VipEntry } from '../model.js'
import { parseIp, parseVipBlock } from '../address.js'
import { parseRoute } from '../route.js'
import { parseRule } from '../rule.js'
import type { Node } from '../tree.js'
import { applyKeywords, arg, flagArg, intArg, needArg, secondsArg, type Handler, type KeywordTable, type ParseContext } from '../values.js'
import { deprecated } from './deprecated.js'
import { notifyLine } from './script-command.js'
import { TRACK_KEYWORDS, type TrackRefDraft } from './track-refs.js'

/** An instance as written; `finalize` applies defaults, globals and the checks. */
export interface InstanceDraft {
  name: string
  at: SourceRef
  state?: 'MASTER' | 'BACKUP'
  interface?: string
  interfaceAt?: SourceRef
  vrid?: number
  /** virtual_router_id was given, valid or not (an invalid one is reported where it stands). */
  vridGiven?: boolean
  priority?: number
  /** `state MASTER` was given: a later `state BACKUP` is ignored, as keepalived does. */
  stateAt?: SourceRef
  advertIntMs?: number
  advertIntAt?: SourceRef
  version?: 2 | 3
  nopreempt: boolean
  nopreemptAt?: SourceRef
  preemptDelayMs: number
  /** `badType`: an auth_type line with a value keepalived does not know (reported with the instance's name). */
  auth?: { type?: AuthSettings['type']; password?: string; at: SourceRef; badType?: { value: string; at: SourceRef } }
  vips: VipEntry[]
  vipsExcluded: VipEntry[]
  virtualRoutes: string[]
  virtualRouteEntries: RouteEntry[]
  virtualRules: RuleEntry[]
  trackScripts: TrackRefDraft[]
  trackInterfaces: TrackRefDraft[]
  trackFiles: TrackRefDraft[]
  unicastSrcIp?: { address: string; family: 4 | 6; at: SourceRef }
  unicastPeers: Array<UnicastPeer & { family: 4 | 6 }>
  mcastSrcIp?: { address: string; family: 4 | 6; at: SourceRef }
  useVmac: false | string
  /** Where `use_vmac NAME` named the VMAC (for keepalived's "already using" error). */
  useVmacAt?: SourceRef
  vmacXmitBase?: boolean
  garp: Partial<GarpSettings>
  notify: NotifyScripts
  notifyUsers: NotifyUsers
  dontTrackPrimary: boolean
  skipCheckAdvAddr?: boolean
  strictMode?: boolean
  accept?: boolean
  notifyPriorityChanges?: boolean
  lowerPrioNoAdvert?: boolean
  higherPrioSendAdvert?: boolean
  v3ChecksumPseudoHeader: boolean
}

export function newInstance(name: string, at: SourceRef): InstanceDraft {
  return {
    name, at, nopreempt: false, preemptDelayMs: 0, vips: [], vipsExcluded: [], virtualRoutes: [], virtualRouteEntries: [], virtualRules: [],
    trackScripts: [], trackInterfaces: [], trackFiles: [], unicastPeers: [], useVmac: false, garp: {},
    notify: {}, notifyUsers: {}, dontTrackPrimary: false, v3ChecksumPseudoHeader: true,
  }
}

type I = InstanceDraft
const MAX_SECONDS = 2147

/** The kernel's rule for interface names (net/core/dev.c dev_valid_name), as keepalived checks a VMAC name. */
export function validDevName(name: string): boolean {
  if (name === '' || Buffer.byteLength(name) >= 16 || name === '.' || name === '..') return false
  return !/[/:\s]/.test(name)
}

function garpMs(field: keyof GarpSettings): Handler<I> {
  return (n, d, ctx) => {
    const v = secondsArg(n, ctx, 0, MAX_SECONDS)
    if (v !== undefined) d.garp[field] = v
  }
}
function garpCount(field: keyof GarpSettings): Handler<I> {
  return (n, d, ctx) => {
    const v = intArg(n, ctx, 0, 255)
    if (v !== undefined) d.garp[field] = v
  }
}
/** A notify line sets the command and (or clears) its user, keepalived's split. */
export function notifyInto(field: keyof NotifyScripts): Handler<{ notify: NotifyScripts; notifyUsers: NotifyUsers }> {
  return (n, d, ctx) => {
    const line = notifyLine(n, ctx)
    if (line === undefined) return
    d.notify[field] = line.command
    if (line.user) d.notifyUsers[field] = line.user
    else delete d.notifyUsers[field]
  }
}
const notify = notifyInto
function optFlag(field: 'skipCheckAdvAddr' | 'strictMode' | 'lowerPrioNoAdvert' | 'higherPrioSendAdvert'): Handler<I> {
  return (n, d, ctx) => {
    d[field] = flagArg(n, ctx)
  }
}
function ipArg(n: Node, ctx: ParseContext): { address: string; family: 4 | 6; at: SourceRef } | undefined {
  const v = needArg(n, ctx)
  if (v === undefined) return undefined
  const ip = parseIp(v)
  if (!ip) ctx.sink.error(n.at, `malformed address '${v}' for ${n.keyword}`)
  return ip ? { ...ip, at: n.at } : undefined
}

const AUTH_KEYWORDS: KeywordTable<NonNullable<I['auth']>> = {
  auth_type: (n, a, ctx) => {
    const v = needArg(n, ctx)
    if (v === 'PASS' || v === 'AH') a.type = v
    else if (v !== undefined) a.badType = { value: v, at: n.at }
  },
  auth_pass: (n, a, ctx) => {
    let v = needArg(n, ctx)
    if (v === undefined) return
    if (Buffer.byteLength(v) > 8) {
      // keepalived reports this as a config error (-t exits 5): the peer may have the full string.
      ctx.sink.error(n.at, 'Truncating auth_pass to 8 characters')
      v = Buffer.from(v).subarray(0, 8).toString()
    }
    a.password = v
  },
}

function unicastPeers(n: Node, d: I, ctx: ParseContext): void {
  d.unicastPeers = []
  for (const e of n.children ?? []) {
    const ip = parseIp(e.keyword)
    if (!ip) {
      ctx.sink.error(e.at, `malformed unicast_peer address '${e.keyword}'`)
      continue
    }
    const peer: UnicastPeer & { family: 4 | 6 } = { ...ip, at: e.at }
    for (let i = 0; i < e.args.length; i += 2) {
      const opt = e.args[i]?.text
      if (opt !== 'min_ttl' && opt !== 'max_ttl') {
        ctx.sink.warning(e.at, `unknown unicast_peer option '${opt}' ignored`)
        continue
      }
      const v = intArg(e, ctx, 0, 255, i + 1)
      if (v === undefined) continue
      if (opt === 'min_ttl') peer.minTtl = v
      else peer.maxTtl = v
    }
    d.unicastPeers.push(peer)
  }
}

/** Instance keywords keepalived knows and vrrpd does not act on. */
export const INSTANCE_IGNORED: readonly string[] = [
  'interfaces', 'vrf', 'use_vmac_addr', 'use_ipvlan', 'unicast_fault_no_peer', 'check_unicast_src',
  'native_ipv6', 'mcast_dst_ip', 'track_src_ip', 'unicast_ttl', 'promote_secondaries', 'linkbeat_use_polling',
  'debug', 'notify_deleted', 'smtp_alert', 'lvs_sync_daemon_interface',
  'down_timer_adverts', 'garp_extra_if', 'vmac_garp_intvl', 'kernel_rx_buf_size', 'track_process', 'track_bfd',
]

export const INSTANCE_KEYWORDS: KeywordTable<I> = {
  state: (n, d, ctx) => {
    const v = needArg(n, ctx)
    if (v === undefined) return
    if (v === 'BACKUP' && d.state === 'MASTER') ctx.sink.error(n.at, `(${d.name}) state previously set as MASTER - ignoring BACKUP`)
    else if (v === 'MASTER' || v === 'BACKUP') d.state = v
    else {
      // keepalived's words; `state SLAVE` or `state master` are config errors there (-t exits 5).
      ctx.sink.error(n.at, `(${d.name}) unknown state '${v}', defaulting to BACKUP`)
      d.state = 'BACKUP'
    }
  },
  interface: (n, d, ctx) => {
    const v = needArg(n, ctx)
    if (v === undefined) return
    d.interface = v
    d.interfaceAt = n.at
  },
  virtual_router_id: (n, d, ctx) => {
    d.vridGiven = true
    const v = intArg(n, ctx, 1, 255)
    if (v !== undefined) d.vrid = v
  },
  priority: (n, d, ctx) => {
    const v = needArg(n, ctx)
    if (v === undefined) return
    const p = /^\d+$/.test(v) ? Number(v) : NaN
    if (p >= 1 && p <= 255) d.priority = p
    else {
      // An explicit default, so that `state MASTER` does not turn the instance into an owner at 255.
      ctx.sink.error(n.at, `(${d.name}) Priority not valid! must be between 1 & 255. Using default 100 (got '${v}')`)
      d.priority = 100
    }
  },
  advert_int: (n, d, ctx) => {
    const v = secondsArg(n, ctx, 0.001, 255)
    if (v === undefined) return
    d.advertIntMs = v
    d.advertIntAt = n.at
  },
  version: (n, d, ctx) => {
    const v = intArg(n, ctx, 2, 3)
    if (v === 2 || v === 3) d.version = v
  },
  nopreempt: (n, d) => {
    d.nopreempt = true
    d.nopreemptAt = n.at
  },
  preempt: (_n, d) => {
    d.nopreempt = false
  },
  preempt_delay: (n, d, ctx) => {
    const v = secondsArg(n, ctx, 0, 1000)
    if (v !== undefined) d.preemptDelayMs = v
  },
  authentication: (n, d, ctx) => {
    const auth: NonNullable<I['auth']> = { at: n.at }
    applyKeywords(n.children, AUTH_KEYWORDS, auth, ctx, 'authentication')
    d.auth = auth
  },
  virtual_ipaddress: (n, d, ctx) => {
    d.vips = parseVipBlock(n, ctx)
  },
  virtual_ipaddress_excluded: (n, d, ctx) => {
    d.vipsExcluded = parseVipBlock(n, ctx)
  },
  virtual_routes: (n, d, ctx) => {
    d.virtualRoutes = (n.children ?? []).map((c) => c.text)
    d.virtualRouteEntries = (n.children ?? []).flatMap((c) => parseRoute([c.keyword, ...c.args.map((a) => a.text)], c.at, ctx) ?? [])
  },
  virtual_rules: (n, d, ctx) => {
    d.virtualRules = (n.children ?? []).flatMap((c) => parseRule([c.keyword, ...c.args.map((a) => a.text)], c.at, ctx) ?? [])
  },
  ...TRACK_KEYWORDS,
  unicast_src_ip: (n, d, ctx) => {
    const ip = ipArg(n, ctx)
    if (ip) d.unicastSrcIp = ip
  },
  unicast_peer: unicastPeers,
  mcast_src_ip: (n, d, ctx) => {
    const ip = ipArg(n, ctx)
    if (ip) d.mcastSrcIp = ip
  },
  use_vmac: (n, d, ctx) => {
    d.useVmac = d.useVmac === false ? '' : d.useVmac
    // keepalived's vrrp_vmac_handler: up to two arguments, a name and/or a MAC (which has ':').
    for (const a of n.args.slice(0, 2).map((t) => t.text)) {
      if (a.includes(':')) {
        ctx.sink.warning(n.at, `(${d.name}) use_vmac with a MAC address (${a}) is not supported by vrrpd; using the RFC's 00:00:5e:00:0x:VRID`)
        continue
      }
      if (d.useVmac) ctx.sink.error(n.at, 'VMAC interface name already specified')
      else if (!validDevName(a)) ctx.sink.error(n.at, `VMAC interface name '${a}' too long or invalid characters - ignoring`)
      else {
        d.useVmac = a
        d.useVmacAt = n.at
      }
    }
  },
  vmac_xmit_base: (_n, d) => {
    d.vmacXmitBase = true
  },
  garp_master_delay: garpMs('masterDelayMs'),
  garp_master_repeat: garpCount('masterRepeat'),
  garp_master_refresh: garpMs('masterRefreshMs'),
  garp_master_refresh_repeat: garpCount('masterRefreshRepeat'),
  garp_interval: garpMs('intervalMs'),
  gna_interval: garpMs('gnaIntervalMs'),
  garp_lower_prio_delay: garpMs('lowerPrioDelayMs'),
  garp_lower_prio_repeat: garpCount('lowerPrioRepeat'),
  notify_master: notify('master'),
  notify_backup: notify('backup'),
  notify_fault: notify('fault'),
  notify_stop: notify('stop'),
  notify: notify('any'),
  notify_master_rx_lower_pri: notify('masterRxLowerPri'),
  dont_track_primary: (_n, d) => {
    d.dontTrackPrimary = true
  },
  skip_check_adv_addr: optFlag('skipCheckAdvAddr'),
  strict_mode: optFlag('strictMode'),
  accept: (_n, d) => {
    d.accept = true
  },
  no_accept: (_n, d) => {
    d.accept = false
  },
  notify_priority_changes: (n, d, ctx) => {
    const v = n.args[0]?.text
    const on = v === undefined || ['on', 'true', 'yes'].includes(v)
    if (!on && !['off', 'false', 'no'].includes(v)) return ctx.sink.error(n.at, `(${d.name}) Invalid value '${v}' for notify_priority_changes specified`)
    d.notifyPriorityChanges = on
  },
  lower_prio_no_advert: optFlag('lowerPrioNoAdvert'),
  higher_prio_send_advert: optFlag('higherPrioSendAdvert'),
  old_unicast_checksum: (_n, d) => {
    d.v3ChecksumPseudoHeader = false
  },
  ...Object.fromEntries(
    INSTANCE_IGNORED.map((k): [string, Handler<I>] => [
      k,
      (n, d, ctx) => ctx.sink.warning(n.at, `(${d.name}) ${k} is not supported by vrrpd and is ignored`),
    ]),
  ),
  ...deprecated<I>({
    lvs_sync_daemon_interface: (d) => `(${d.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`,
    linkbeat_use_polling: (d) => `(${d.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`,
    vmac_garp_intvl: () => 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"',
  }),
}
