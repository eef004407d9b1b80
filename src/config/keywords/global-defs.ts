/** `global_defs { ... }`: the keywords vrrpd acts on, and the rest keepalived knows. */
import { DEFAULTS, type GlobalDefs } from '../model.js'
import { parseIp } from '../address.js'
import { SCHEDULING_KEYWORDS } from './scheduling.js'
import { notifyLine } from './script-command.js'
import { arg, flagArg, intArg, needArg, secondsArg, type Handler, type KeywordTable } from '../values.js'

/** A fresh GlobalDefs with keepalived's defaults. */
export function defaultGlobalDefs(): GlobalDefs {
  return {
    vrrpVersion: DEFAULTS.vrrpVersion,
    mcastGroup4: DEFAULTS.mcastGroup4,
    mcastGroup6: DEFAULTS.mcastGroup6,
    garp: { ...DEFAULTS.garp },
    vrrpStrict: false,
    skipCheckAdvAddr: false,
    checkUnicastSrc: false,
    startupDelayMs: 0,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    enableScriptSecurity: false,
    notificationEmail: [],
    smtpConnectTimeoutMs: DEFAULTS.smtpConnectTimeoutMs,
    nftablesPriority: DEFAULT_NFTABLES_PRIORITY,
    nftablesCounters: false,
    nftablesIfindex: false,
    notifyPriorityChanges: false,
  }
}

const MAX_SECONDS = 2147
/** keepalived's base chain priority for its nftables table. */
const DEFAULT_NFTABLES_PRIORITY = -1
/** NFT_TABLE_MAXNAMELEN: a name must be shorter. */
const NFT_TABLE_MAXNAMELEN = 256

/** The garp fields a config set explicitly (the lower-prio ones default to others). */
const explicitGarp = new WeakMap<GlobalDefs, Set<keyof GlobalDefs['garp']>>()
function markSet(g: GlobalDefs, field: keyof GlobalDefs['garp']): void {
  const set = explicitGarp.get(g) ?? new Set()
  set.add(field)
  explicitGarp.set(g, set)
}

/**
 * vrrp_garp_lower_prio_delay / _repeat default to vrrp_garp_master_delay /
 * _repeat (keepalived vrrp.c, and its man page), not to fixed values.
 */
export function settleGarpDefaults(g: GlobalDefs): void {
  const set = explicitGarp.get(g)
  if (!set?.has('lowerPrioDelayMs')) g.garp.lowerPrioDelayMs = g.garp.masterDelayMs
  if (!set?.has('lowerPrioRepeat')) g.garp.lowerPrioRepeat = g.garp.masterRepeat
}

function garpMs(field: keyof GlobalDefs['garp'], max = MAX_SECONDS): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    const v = secondsArg(n, ctx, 0, max)
    if (v === undefined) return
    g.garp[field] = v
    markSet(g, field)
  }
}
function garpCount(field: keyof GlobalDefs['garp']): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    const v = intArg(n, ctx, 0, 255)
    if (v === undefined) return
    g.garp[field] = v
    markSet(g, field)
  }
}
function flag(
  field: 'vrrpStrict' | 'skipCheckAdvAddr' | 'checkUnicastSrc' | 'lowerPrioNoAdvert' | 'higherPrioSendAdvert' | 'enableScriptSecurity' | 'notifyPriorityChanges',
): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    g[field] = flagArg(n, ctx)
  }
}
function mcastGroup(family: 4 | 6): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    const v = needArg(n, ctx)
    if (v === undefined) return
    const ip = parseIp(v)
    if (!ip || ip.family !== family) ctx.sink.error(n.at, `malformed ${n.keyword} '${v}'`)
    else if (family === 4) g.mcastGroup4 = ip.address
    else g.mcastGroup6 = ip.address
  }
}
type FifoField = 'vrrpNotifyFifo' | 'notifyFifo'
const fifoPrefix = (field: FifoField): string => (field === 'vrrpNotifyFifo' ? 'vrrp_' : '')

/**
 * `notify_fifo PATH [USER [GROUP]]` (keepalived global_parser.c notify_fifo): the
 * words after the path are the FIFO's owner, not a script. The first one wins. A
 * FIFO whose script came first has path '' until then (finalize drops it if it
 * never comes).
 */
function fifo(field: FifoField): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    const path = needArg(n, ctx)
    if (path === undefined) return
    const current = g[field]
    if (current?.path) {
      ctx.sink.error(n.at, `${fifoPrefix(field)}notify_fifo already specified - ignoring ${path}`)
      return
    }
    const [user, group] = n.args.slice(1).map((a) => a.text)
    g[field] = { ...current, path, ...(user === undefined ? {} : { user: group === undefined ? { user } : { user, group } }) }
  }
}

/** `notify_fifo_script COMMAND [USER [GROUP]]`: split as every notify line (notify_script_init); the first one wins. */
function fifoScript(field: FifoField): Handler<GlobalDefs> {
  return (n, g, ctx) => {
    const current = g[field]
    if (current?.script !== undefined) {
      ctx.sink.error(n.at, `${fifoPrefix(field)}notify_fifo_script already specified - ignoring ${arg(n) ?? ''}`)
      return
    }
    const line = notifyLine(n, ctx)
    if (line === undefined) return
    g[field] = { path: '', ...current, script: line.command, ...(line.user ? { scriptUser: line.user } : {}) }
  }
}

/** global_defs keywords vrrpd acts on. */
export const GLOBAL_DEFS_KEYWORDS: KeywordTable<GlobalDefs> = {
  ...SCHEDULING_KEYWORDS,
  router_id: (n, g, ctx) => {
    const v = needArg(n, ctx)
    if (v !== undefined) g.routerId = v
  },
  vrrp_version: (n, g, ctx) => {
    const v = intArg(n, ctx, 2, 3)
    if (v === 2 || v === 3) g.vrrpVersion = v
  },
  vrrp_mcast_group4: mcastGroup(4),
  vrrp_mcast_group6: mcastGroup(6),
  vrrp_garp_master_delay: garpMs('masterDelayMs', 4294),
  vrrp_garp_master_repeat: garpCount('masterRepeat'),
  vrrp_garp_master_refresh: garpMs('masterRefreshMs'),
  vrrp_garp_master_refresh_repeat: garpCount('masterRefreshRepeat'),
  vrrp_garp_interval: garpMs('intervalMs', 4294),
  vrrp_gna_interval: garpMs('gnaIntervalMs', 4294),
  vrrp_garp_lower_prio_delay: garpMs('lowerPrioDelayMs', 255),
  vrrp_garp_lower_prio_repeat: garpCount('lowerPrioRepeat'),
  vrrp_strict: flag('vrrpStrict'),
  vrrp_skip_check_adv_addr: flag('skipCheckAdvAddr'),
  vrrp_check_unicast_src: flag('checkUnicastSrc'),
  vrrp_lower_prio_no_advert: flag('lowerPrioNoAdvert'),
  vrrp_higher_prio_send_advert: flag('higherPrioSendAdvert'),
  enable_script_security: flag('enableScriptSecurity'),
  vrrp_startup_delay: (n, g, ctx) => {
    const v = secondsArg(n, ctx, 0, MAX_SECONDS)
    if (v !== undefined) g.startupDelayMs = v
  },
  script_user: (n, g, ctx) => {
    const user = needArg(n, ctx)
    if (user === undefined) return
    g.scriptUser = user
    const group = arg(n, 1)
    if (group !== undefined) g.scriptGroup = group
    else delete g.scriptGroup
  },
  notification_email: (n, g, ctx) => {
    g.notificationEmail = (n.children ?? []).map((c) => c.keyword)
    // keepalived reports an empty block as an error (-t exits 5).
    if (g.notificationEmail.length === 0) ctx.sink.error(n.at, 'Warning - empty notification_email block')
  },
  notification_email_from: (n, g, ctx) => {
    const v = needArg(n, ctx)
    if (v !== undefined) g.notificationEmailFrom = v
  },
  smtp_server: (n, g, ctx) => {
    const v = needArg(n, ctx)
    if (v !== undefined) g.smtpServer = n.args.map((t) => t.text).join(' ')
  },
  smtp_connect_timeout: (n, g, ctx) => {
    const v = secondsArg(n, ctx, 0, MAX_SECONDS)
    if (v !== undefined) g.smtpConnectTimeoutMs = v
  },
  vrrp_notify_fifo: fifo('vrrpNotifyFifo'),
  vrrp_notify_fifo_script: fifoScript('vrrpNotifyFifo'),
  notify_fifo: fifo('notifyFifo'),
  notify_fifo_script: fifoScript('notifyFifo'),
  // keepalived's global_parser.c: a second `nftables` is an error; the name resets the priority.
  nftables: (n, g, ctx) => {
    if (g.nftablesTable !== undefined) return ctx.sink.error(n.at, 'nftables already specified - ignoring')
    const name = arg(n) ?? 'keepalived'
    if (Buffer.byteLength(name) >= NFT_TABLE_MAXNAMELEN) return ctx.sink.error(n.at, 'nftables table name too long - ignoring')
    g.nftablesTable = name
    g.nftablesPriority = DEFAULT_NFTABLES_PRIORITY
  },
  nftables_priority: (n, g, ctx) => {
    const v = needArg(n, ctx)
    if (v === undefined) return
    const prio = /^[-+]?\d+$/.test(v) ? Number(v) : NaN
    if (Number.isInteger(prio) && prio >= -(2 ** 31) && prio < 2 ** 31) g.nftablesPriority = prio
    else {
      // keepalived's read_int_strvec reports the number, then the handler the keyword.
      ctx.sink.error(n.at, `invalid number '${v}'`)
      ctx.sink.error(n.at, `invalid nftables chain priority '${v}'`)
    }
  },
  nftables_counters: (_n, g) => {
    g.nftablesCounters = true
  },
  nftables_ifindex: (_n, g) => {
    g.nftablesIfindex = true
  },
  vrrp_notify_priority_changes: (n, g, ctx) => {
    const v = arg(n)
    if (v !== undefined && !['on', 'off', 'true', 'false', 'yes', 'no'].includes(v)) {
      return ctx.sink.error(n.at, `Invalid value '${v}' for global vrrp_notify_priority_changes specified`)
    }
    g.notifyPriorityChanges = v === undefined || ['on', 'true', 'yes'].includes(v)
  },
  max_auto_priority: (n, g, ctx) => {
    // keepalived: no value or -1 means the maximum realtime priority.
    const v = arg(n) === undefined ? -1 : intArg(n, ctx, -1, 99)
    if (v !== undefined) g.maxAutoPriority = v
  },
}

/**
 * Every other global_defs keyword of keepalived 2.2.7: accepted (with a warning),
 * not acted on. From keepalived's global_parser.c install_keyword list.
 */
export const GLOBAL_DEFS_IGNORED: readonly string[] = [
  'linkbeat_use_polling', 'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir',
  'instance', 'child_wait_time', 'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name',
  'lvs_process_name', 'bfd_process_name', 'use_symlink_paths', 'set_supplementary_groups', 'smtp_helo_name',
  'smtp_alert', 'startup_script', 'startup_script_timeout', 'shutdown_script', 'shutdown_script_timeout',
  'min_auto_priority_delay', 'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures',
  'dynamic_interfaces', 'no_email_faults', 'default_interface', 'disable_local_igmp', 'v3_checksum_as_v2',
  'lvs_timeouts', 'lvs_flush', 'lvs_flush_on_stop', 'lvs_flush_onstop', 'lvs_sync_daemon', 'lvs_notify_fifo',
  'lvs_notify_fifo_script', 'vrrp_down_timer_adverts', 'vrrp_min_garp', 'vrrp_garp_extra_if',
  'vrrp_iptables', 'vrrp_ipsets',
  'nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark',
  'fifo_write_vrrp_states_on_reload', 'checker_priority',
  'checker_no_swap', 'checker_rt_priority', 'checker_cpu_affinity', 'checker_rlimit_rttime',
  'checker_rlimit_rtime', 'bfd_priority', 'bfd_no_swap', 'bfd_rt_priority', 'bfd_cpu_affinity',
  'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'snmp_socket', 'enable_traps', 'enable_snmp_vrrp',
  'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_checker',
  'snmp_vs_stats_update_interval', 'snmp_rs_stats_update_interval', 'enable_dbus', 'dbus_service_name',
  'dbus_no_interface_name', 'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs',
  'process_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'rs_init_notifies', 'no_checker_emails',
  'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_delay_after_boot', 'log_unknown_vrids',
  'vrrp_owner_ignore_adverts', 'vmac_prefix', 'vmac_addr_prefix', 'umask', 'random_seed', 'reload_check_config',
  'reload_time_file', 'reload_repeat', 'reload_file', 'include_check', 'config_save_dir', 'tmp_config_directory',
  'data_use_instance', 'json_version', 'iproute_usr_dir', 'iproute_etc_dir', 'state_dump_file',
  'stats_dump_file', 'json_dump_file', 'lvs_id', 'lvs_sync_daemon_interface',
]
