/**
 * keepalived.data's "Global definitions" section, which keepalived 2.2.7 also
 * writes alone as keepalived_parent.data on SIGUSR1 (core/global_data.c
 * dump_global_data). The labels and their order are keepalived's; the values
 * are vrrpd's configuration, or keepalived's defaults for what vrrpd has no
 * setting for (LVS, SNMP, DBus, process priorities), which is what keepalived
 * prints for a VRRP-only config that does not set them.
 */
import { DEFAULT_RLIMIT_RTTIME_US } from '../config/keywords/scheduling.js'
import { hostname } from 'node:os'
import type { Config, GarpSettings } from '../config/model.js'
import { vrrpdTableName } from '../io/nftables-script.js'

/** Where the section is written: the parent's file lacks the VRRP child's "Default interface". */
export type GlobalDumpOwner = 'parent' | 'vrrp'

export function renderGlobalDefinitions(config: Config, owner: GlobalDumpOwner): string[] {
  const g = config.globalDefs
  const garp = g.garp
  const sec = (ms: number): number => Math.floor(ms / 1000)
  const bool = (b: boolean): string => (b ? 'true' : 'false')
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0
  return [
    '------< Global definitions >------',
    ' Network namespace = (default)',
    ' Network namespace ipvs = (main namespace)',
    ` Router ID = ${g.routerId ?? hostname().split('.')[0]}`,
    ...(g.smtpServer ? [` Smtp server = ${g.smtpServer}`, ' Smtp server port = 25', ` Smtp server connection timeout = ${sec(g.smtpConnectTimeoutMs)}`] : []),
    ...(g.notificationEmailFrom ? [` Email notification from = ${g.notificationEmailFrom}`, ' Email notification to:', ...g.notificationEmail.map((e) => `   ${e}`)] : []),
    ' Default smtp_alert = unset',
    ' Default smtp_alert_vrrp = unset',
    ' Default smtp_alert_checker = unset',
    ' Checkers log all failures = false',
    ' No test config before reload',
    ' Dynamic interfaces = false',
    ...(owner === 'vrrp' ? [' Default interface = eth0'] : []),
    ' Disable local IGMP = no',
    ' LVS flush = false',
    ' LVS flush on stop = disabled',
    ...fifo(' Global notify fifo', g.notifyFifo, uid, gid),
    ...fifo(' VRRP notify fifo', g.vrrpNotifyFifo, uid, gid),
    ' FIFO write vrrp states on reload = false',
    ` VRRP notify priority changes = ${bool(g.notifyPriorityChanges)}`,
    ` VRRP IPv4 mcast group = ${g.mcastGroup4 ?? '224.0.0.18'}`,
    ` VRRP IPv6 mcast group = ${g.mcastGroup6 ?? 'ff02::12'}`,
    ` Gratuitous ARP delay = ${sec(garp.masterDelayMs)}`,
    ` Gratuitous ARP repeat = ${garp.masterRepeat}`,
    ` Gratuitous ARP refresh timer = ${sec(garp.masterRefreshMs)}`,
    ` Gratuitous ARP refresh repeat = ${garp.masterRefreshRepeat}`,
    ...lowerPriority(garp, owner),
    ' Num adverts before down = 3',
    ' Gratuitous ARP for each secondary VMAC = 0s',
    ` Send advert after receive lower priority advert = ${bool(!g.lowerPrioNoAdvert)}`,
    ` Send advert after receive higher priority advert = ${bool(g.higherPrioSendAdvert)}`,
    ` Gratuitous ARP interval = ${(garp.intervalMs / 1000).toFixed(6)}`,
    ` Gratuitous NA interval = ${(garp.gnaIntervalMs / 1000).toFixed(6)}`,
    ` VRRP default protocol version = ${g.vrrpVersion}`,
    ...(g.nftablesTable !== undefined
      ? [` nftables table name = ${vrrpdTableName(g.nftablesTable)}`, ` nftables base chain priority = ${g.nftablesPriority}`, ` nftables ${g.nftablesIfindex ? '' : "don't "}force use ifindex for link local IPv6`]
      : []),
    ` nftables with${g.nftablesCounters ? '' : 'out'} counters`,
    ` VRRP check unicast_src = ${bool(g.checkUnicastSrc)}`,
    ` VRRP skip check advert addresses = ${bool(g.skipCheckAdvAddr)}`,
    ` VRRP strict mode = ${bool(g.vrrpStrict)}`,
    ` Max auto priority = ${g.maxAutoPriority ?? 0}`,
    ' Min auto priority delay = 1000000 usecs',
    ` VRRP process priority = ${g.processPriority ?? 0}`,
    ` VRRP don't swap = ${bool(g.noSwap ?? false)}`,
    ` VRRP realtime priority = ${g.realtimePriority ?? 0}`,
    // keepalived writes each CPU followed by a space.
    ...(g.cpuAffinity?.length ? [` VRRP CPU Affinity = ${g.cpuAffinity.map((c) => `${c} `).join('')}`] : []),
    ` VRRP realtime limit = ${g.rlimitRttimeUs ?? DEFAULT_RLIMIT_RTTIME_US}`,
    ' Checker process priority = 0',
    " Checker don't swap = false",
    ' Checker realtime priority = 0',
    ' Checker realtime limit = 10000',
    ' BFD process priority = 0',
    " BFD don't swap = false",
    ' BFD realtime priority = 0',
    ' BFD realtime limit = 10000',
    ' SNMP vrrp disabled',
    ' SNMP checker disabled',
    ' SNMP RFCv2 disabled',
    ' SNMP RFCv3 disabled',
    ' SNMP traps disabled',
    ' SNMP socket = default (unix:/var/agentx/master)',
    ' DBus disabled',
    ' DBus service name = ',
    ` Script security ${g.enableScriptSecurity ? 'enabled' : 'disabled'}`,
    ` Default script uid:gid ${uid}:${gid}`,
    ' vrrp_netlink_cmd_rcv_bufs = 0',
    ' vrrp_netlink_cmd_rcv_bufs_force = 0',
    ' vrrp_netlink_monitor_rcv_bufs = 0',
    ' vrrp_netlink_monitor_rcv_bufs_force = 0',
    ' process_monitor_rcv_bufs = 0',
    ' process_monitor_rcv_bufs_force = 0',
    ' lvs_netlink_cmd_rcv_bufs = 0',
    ' lvs_netlink_cmd_rcv_bufs_force = 0',
    ' lvs_netlink_monitor_rcv_bufs = 0',
    ' lvs_netlink_monitor_rcv_bufs_force = 0',
    ' rs_init_notifies = 0',
    ' no_checker_emails = 0',
    ' rx_bufs_multiples = 3',
    ' umask = 0177',
  ]
}

/**
 * The parent never resolves the lower-priority GARP settings: left unset they
 * print as (unsigned)-1 there, and as the master GARP settings in the VRRP
 * process. The config holds them resolved, so "equal to the master's" is read
 * as "unset".
 */
function lowerPriority(garp: GarpSettings, owner: GlobalDumpOwner): string[] {
  const unset = owner === 'parent' && garp.lowerPrioDelayMs === garp.masterDelayMs && garp.lowerPrioRepeat === garp.masterRepeat
  return [
    ` Gratuitous ARP lower priority delay = ${unset ? UINT_MAX : Math.floor(garp.lowerPrioDelayMs / 1000)}`,
    ` Gratuitous ARP lower priority repeat = ${unset ? UINT_MAX : garp.lowerPrioRepeat}`,
  ]
}

const UINT_MAX = 4294967295

function fifo(label: string, f: { path: string; script?: string } | undefined, uid: number, gid: number): string[] {
  if (!f) return []
  return [`${label} = ${f.path}, uid:gid ${uid}:${gid}`, ...(f.script ? [`${label} script = ${f.script}, uid:gid ${uid}:${gid}`] : [])]
}
