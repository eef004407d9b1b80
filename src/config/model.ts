/**
 * The typed model of a keepalived.conf, as vrrpd understands it.
 *
 * This is the contract between the config front end (src/config) and everything
 * that runs (src/core, src/io, src/daemon). Every duration is in milliseconds:
 * `advert_int 1` becomes `advertIntervalMs: 1000` here, once, so nothing downstream
 * converts units again. Every object keeps where it was written (`at`) so later
 * stages can still report `file:line`.
 */

/** Where a thing was written in the config. */
export interface SourceRef {
  file: string
  line: number
}

export type IpFamily = 4 | 6

/** One entry of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`. */
export interface VipEntry {
  /** Canonical text form: `10.0.0.100`, `fe80::1`. */
  address: string
  family: IpFamily
  /** Prefix length; keepalived's default when omitted is /32 (IPv4) or /128 (IPv6). */
  prefixLength: number
  /** `brd X`; undefined when not given. */
  broadcast?: string
  /** `dev X`; already defaulted to the instance's interface for VIPs. */
  dev: string
  /** `scope X` (host, link, global, site, nowhere, or a number). */
  scope?: string
  /** `label X`. */
  label?: string
  at: SourceRef
}

/** One `virtual_routes` line (src/config/route.ts), as rtnetlink wants it. */
export interface RouteEntry {
  family: IpFamily
  destination: string
  prefixLength: number
  /** RTN_* (1 unicast, 6 blackhole, 7 unreachable, 8 prohibit, 9 throw...). */
  type: number
  via?: string
  dev?: string
  /** `src`: the preferred source address (RTA_PREFSRC). */
  preferredSource?: string
  table: number
  metric?: number
  /** RT_SCOPE_*; default universe. */
  scope?: number
  /** RTPROT_*; keepalived's 18 unless `no_track` and `protocol` say otherwise. */
  protocol?: number
  onlink: boolean
  /** keepalived tracks the route's interface (a route it added going away takes the instance down); vrrpd parses `no_track` only. */
  track: boolean
  at: SourceRef
  /** The line as written. */
  text: string
}

/** One `virtual_rules` / `static_rules` line (src/config/rule.ts), as rtnetlink wants it. */
export interface RuleEntry {
  family: IpFamily
  from?: { address: string; prefixLength: number }
  to?: { address: string; prefixLength: number }
  /** `not`: FIB_RULE_INVERT. */
  invert: boolean
  /** FR_ACT_* (1 to table, 2 goto, 3 nop, 6 blackhole, 7 unreachable, 8 prohibit). */
  action: number
  table?: number
  gotoTarget?: number
  priority: number
  fwmark?: number
  fwmask?: number
  iif?: string
  oif?: string
  protocol?: number
  track: boolean
  at: SourceRef
  text: string
}

/** A tracked object's reference inside an instance or sync group, with its effective weight. */
export interface TrackRef {
  /** Script name, interface name, or track_file name. */
  name: string
  /**
   * Weight in -253..253. 0 means "failure puts the instance in FAULT".
   * Already resolved: a per-entry `weight` overrides the object's own weight.
   */
  weight: number
  /** `weight N reverse`: the sense of the adjustment is flipped. */
  reverse: boolean
  at: SourceRef
}

/** A `vrrp_script NAME { ... }` block. */
export interface VrrpScript {
  name: string
  /** The command line as written (quotes removed); split into argv with {@link splitCommandLine}. */
  script: string
  intervalMs: number
  /** keepalived: defaults to the interval. */
  timeoutMs: number
  weight: number
  reverse: boolean
  /** Successes needed to become OK. */
  rise: number
  /** Failures needed to become FAILED. */
  fall: number
  /** `user USERNAME [GROUPNAME]`; undefined = script_user / default. */
  user?: string
  group?: string
  /** `init_fail`: the script starts in the failed state instead of OK. */
  initFail: boolean
  at: SourceRef
}

/** A `track_file NAME { file PATH; weight N }` block (also `vrrp_track_file`). */
export interface TrackFile {
  name: string
  file: string
  weight: number
  reverse: boolean
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE when missing. */
  initFile?: { value: number; overwrite: boolean }
  at: SourceRef
}

/** GARP behaviour; global defaults, overridable per instance. */
export interface GarpSettings {
  /** Second burst this long after becoming master; 0 = none. */
  masterDelayMs: number
  /** Gratuitous ARPs per VIP in each burst. */
  masterRepeat: number
  /** Re-send every this long while master; 0 = off. */
  masterRefreshMs: number
  masterRefreshRepeat: number
  /** Gap between successive gratuitous ARPs; 0 = back to back. */
  intervalMs: number
  /** Gap between successive unsolicited neighbour adverts (IPv6). */
  gnaIntervalMs: number
  /** After a lower-priority advert is received as master: delay before re-sending GARPs. */
  lowerPrioDelayMs: number
  lowerPrioRepeat: number
}

/** Who a script runs as: `notify_* CMD USER [GROUP]`, `user USER [GROUP]`. */
export interface ScriptUser {
  user: string
  group?: string
}

/** The user of each notify script that named one; the rest run as script_user. */
/**
 * `vrrp_notify_fifo PATH [USER [GROUP]]` with `vrrp_notify_fifo_script COMMAND [USER [GROUP]]`
 * (and the global `notify_fifo` pair), as keepalived 2.2.7 reads them.
 */
export interface NotifyFifoConfig {
  path: string
  /** keepalived: the owner it gives a FIFO it creates (docs/operations.md: vrrpd gives it to the script's user). */
  user?: ScriptUser
  /** The reader's command line, split into argv by splitCommandLine when run. */
  script?: string
  /** Who the reader runs as; default script_user. */
  scriptUser?: ScriptUser
}

export type NotifyUsers = Partial<Record<keyof NotifyScripts, ScriptUser>>

export interface NotifyScripts {
  master?: string
  backup?: string
  fault?: string
  stop?: string
  /** `notify`: gets `INSTANCE|GROUP name STATE priority` appended. */
  any?: string
  /** notify_master_rx_lower_pri */
  masterRxLowerPri?: string
}

export interface AuthSettings {
  type: 'PASS' | 'AH'
  /** At most 8 bytes (longer values are truncated with a warning, as keepalived). */
  password: string
}

export interface UnicastPeer {
  address: string
  minTtl?: number
  maxTtl?: number
  at: SourceRef
}

/** A `vrrp_instance NAME { ... }` block. */
export interface VrrpInstance {
  name: string
  at: SourceRef
  /** What `state` said (or its default): only an owner (priority 255) starts as master. */
  initialState: 'MASTER' | 'BACKUP'
  interface: string
  virtualRouterId: number
  /** Base priority 1..255. */
  priority: number
  /** Advertisement_Interval in ms (v2 whole seconds; v3 10 ms steps). */
  advertIntervalMs: number
  version: 2 | 3
  family: IpFamily
  nopreempt: boolean
  preemptDelayMs: number
  authentication?: AuthSettings
  virtualIpAddresses: VipEntry[]
  virtualIpAddressesExcluded: VipEntry[]
  /** virtual_routes lines, kept as written. */
  virtualRoutes: string[]
  /** virtual_routes, parsed: added on becoming MASTER, removed on leaving it. */
  virtualRouteEntries?: RouteEntry[]
  /** virtual_rules: added on becoming MASTER, removed on leaving it. */
  virtualRules?: RuleEntry[]
  trackScripts: TrackRef[]
  trackInterfaces: TrackRef[]
  trackFiles: TrackRef[]
  unicastSrcIp?: string
  unicastPeers: UnicastPeer[]
  mcastSrcIp?: string
  /** use_vmac [NAME]: false, or the VMAC interface name ('' = keepalived's default name). */
  useVmac: false | string
  /** vmac_xmit_base: adverts leave from the base interface, the VIPs still live on the VMAC. */
  vmacXmitBase?: boolean
  garp: GarpSettings
  notify: NotifyScripts
  /** Users given on notify lines (`notify_master /path/script root`). */
  notifyUsers?: NotifyUsers
  dontTrackPrimary: boolean
  skipCheckAdvAddr: boolean
  strictMode: boolean
  /** accept / no_accept (RFC 9568 Accept_Mode). */
  accept: boolean
  /** notify_priority_changes (or the global vrrp_notify_priority_changes): FIFO lines on effective priority changes. */
  notifyPriorityChanges?: boolean
  lowerPrioNoAdvert: boolean
  higherPrioSendAdvert: boolean
  /**
   * VRRPv3 IPv4 checksum over the IPv4 pseudo-header (RFC 9568 5.2.8), as
   * keepalived and FRR do. false = the v2 way (checksum over the VRRP message only).
   */
  v3ChecksumPseudoHeader: boolean
  /** Name of the sync group this instance belongs to, if any. */
  syncGroup?: string
}

/** A `vrrp_sync_group NAME { group { ... } }` block. */
export interface SyncGroup {
  name: string
  members: string[]
  notify: NotifyScripts
  /** Users given on notify lines. */
  notifyUsers?: NotifyUsers
  trackScripts: TrackRef[]
  trackInterfaces: TrackRef[]
  trackFiles: TrackRef[]
  at: SourceRef
}

export interface GlobalDefs {
  routerId?: string
  vrrpVersion: 2 | 3
  mcastGroup4: string
  mcastGroup6: string
  garp: GarpSettings
  vrrpStrict: boolean
  skipCheckAdvAddr: boolean
  checkUnicastSrc: boolean
  startupDelayMs: number
  lowerPrioNoAdvert: boolean
  higherPrioSendAdvert: boolean
  scriptUser?: string
  scriptGroup?: string
  enableScriptSecurity: boolean
  notificationEmail: string[]
  notificationEmailFrom?: string
  smtpServer?: string
  smtpConnectTimeoutMs: number
  /** vrrp_notify_fifo PATH [SCRIPT] */
  vrrpNotifyFifo?: NotifyFifoConfig
  notifyFifo?: NotifyFifoConfig
  maxAutoPriority?: number
  /**
   * `nftables [NAME]`: the table that holds the no_accept drop rules. keepalived's
   * default name "keepalived" becomes "vrrpd" (and so does no `nftables` at all,
   * when an instance needs the filter), so vrrpd never touches keepalived's table.
   */
  nftablesTable?: string
  /** nftables_priority: the base chains' hook priority (keepalived's default -1). */
  nftablesPriority: number
  /** nftables_counters: a counter on every rule. */
  nftablesCounters: boolean
  /** nftables_ifindex: link-local VIPs always keyed by interface index, never by name. */
  nftablesIfindex: boolean
  /** vrrp_notify_priority_changes: the notify FIFO gets MASTER_PRIORITY / BACKUP_PRIORITY lines. */
  notifyPriorityChanges: boolean
  /**
   * The process-level scheduling globals (keepalived's set_process_priorities),
   * applied by src/io/scheduling.ts at start and after each reload. Absent = not set.
   */
  /** vrrp_priority: the nice value, -20..19 (0 = leave alone). */
  processPriority?: number
  /** vrrp_rt_priority: SCHED_RR priority 1..99 for the main thread (0 = leave alone). */
  realtimePriority?: number
  /** vrrp_rlimit_rttime: RLIMIT_RTTIME hard limit in µs while SCHED_RR (keepalived's default 10000). */
  rlimitRttimeUs?: number
  /** vrrp_no_swap: mlockall. */
  noSwap?: boolean
  /** vrrp_cpu_affinity: the CPUs the process may run on (empty = leave alone). */
  cpuAffinity?: number[]
}

/** A block or keyword keepalived knows and vrrpd deliberately ignores (LVS etc.). */
export interface IgnoredItem {
  keyword: string
  at: SourceRef
}

export interface Config {
  /** The main config file, as given. */
  file: string
  globalDefs: GlobalDefs
  /** vrrp_script blocks by name. */
  scripts: Record<string, VrrpScript>
  /** track_file blocks by name. */
  trackFiles: Record<string, TrackFile>
  instances: VrrpInstance[]
  syncGroups: SyncGroup[]
  staticIpAddresses: VipEntry[]
  /** static_routes: set at start, kept while vrrpd runs, removed at stop (keepalived). */
  staticRoutes?: RouteEntry[]
  /** static_rules: as static_routes. */
  staticRules?: RuleEntry[]
  ignored: IgnoredItem[]
}

export type Severity = 'fatal' | 'error' | 'warning'

/** One problem found in a config, printed as `FILE:LINE: severity: message`. */
export interface Diagnostic {
  file: string
  line: number
  severity: Severity
  message: string
}

/**
 * Exit codes of `vrrpd -t`, as keepalived 2.2.7: 0 ok (warnings allowed),
 * 4 fatal, 5 errors but runnable, 6 script security.
 */
export const CONFIG_TEST_EXIT = {
  ok: 0,
  fatal: 4,
  errors: 5,
  scriptSecurity: 6,
} as const

/** keepalived's defaults, in one place. */
export const DEFAULTS = {
  priority: 100,
  ownerPriority: 255,
  advertIntervalMs: 1000,
  vrrpVersion: 2 as 2 | 3,
  mcastGroup4: '224.0.0.18',
  mcastGroup6: 'ff02::12',
  garp: {
    masterDelayMs: 5000,
    masterRepeat: 5,
    masterRefreshMs: 0,
    masterRefreshRepeat: 1,
    intervalMs: 0,
    gnaIntervalMs: 0,
    lowerPrioDelayMs: 5000,
    lowerPrioRepeat: 5,
  } satisfies GarpSettings,
  script: {
    intervalMs: 1000,
    weight: 0,
    rise: 1,
    fall: 1,
  },
  smtpConnectTimeoutMs: 30000,
  configFile: '/etc/keepalived/keepalived.conf',
} as const
