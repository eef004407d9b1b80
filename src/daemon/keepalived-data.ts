/**
 * keepalived.data as keepalived 2.2.7's VRRP process writes it on SIGUSR1
 * (vrrp/vrrp_data.c dump_data_vrrp): Global definitions, VRRP Topology, VRRP
 * Sockpool, VRRP Sync groups, VRRP Scripts, VRRP Track files, Interfaces, with
 * keepalived's labels, indentation and order, because keepalived-exporter and
 * people's scripts parse it by those. vrrpd's own, richer view is
 * `vrrpd status` (JSON, text, Prometheus).
 */
import type { VmacSpec } from './vmac-plan.js'
import { readFileSync, realpathSync } from 'node:fs'
import { splitCommandLine } from '../config/index.js'
import type { Config, VipEntry, VrrpInstance } from '../config/model.js'
import type { InstanceView } from '../core/index.js'
import type { InterfaceInfo } from '../io/ports.js'
import type { StatusView } from './status-files.js'
import { renderGlobalDefinitions } from './keepalived-global-dump.js'

/** What the keepalived-format dumps are made of: the live view plus what the daemon knows around it. */
export interface DumpInput {
  view: StatusView
  config: Config
  /** The interfaces vrrpd watches (its instances', tracked and VIP devices). */
  interfaces: ReadonlyMap<string, InterfaceInfo | undefined>
  /** Wall-clock ms of each instance's last state change. */
  lastTransition: ReadonlyMap<string, number>
  /** Wall-clock ms now. */
  now: number
  /** use_vmac instances' macvlans (the config above already runs on them). */
  vmacs?: ReadonlyArray<VmacSpec>
}

/** keepalived.data. */
export function renderKeepalivedData(input: DumpInput): string {
  const { config, view } = input
  const out = renderGlobalDefinitions(config, 'vrrp')
  const byName = new Map(config.instances.map((i) => [i.name, i]))
  const live = view.instances.filter((i) => byName.has(i.name))
  if (live.length) {
    out.push('------< VRRP Topology >------')
    for (const v of live) out.push(...instanceLines(v, byName.get(v.name)!, input))
  }
  if (live.length) out.push('------< VRRP Sockpool >------', ...sockpoolLines(live, byName, input))
  if (view.syncGroups.length) {
    out.push('------< VRRP Sync groups >------')
    for (const g of view.syncGroups) {
      const members = g.members.map((m) => view.instances.find((i) => i.name === m))
      out.push(
        ` VRRP Sync Group = ${g.name}, ${g.state}`,
        `   Num member fault ${members.filter((m) => m?.state === 'FAULT').length}, num member init ${members.filter((m) => m?.state === 'INIT').length}`,
        '   VRRP member instances :',
        ...g.members.map((m) => `     ${m}`),
        '   Using smtp notification = no',
      )
    }
  }
  const scripts = Object.values(config.scripts)
  if (scripts.length) {
    out.push('------< VRRP Scripts >------')
    for (const s of scripts) {
      const track = live.flatMap((i) => i.tracks).find((t) => t.kind === 'script' && t.name === s.name)
      const ok = track ? track.ok : !s.initFail
      const result = ok ? s.rise : 0
      const trackers = config.instances.flatMap((i) => i.trackScripts.filter((r) => r.name === s.name).map((r) => `     ${i.name}, weight ${r.weight}${r.reverse ? ' reverse' : ''}`))
      out.push(
        ` VRRP Script = ${s.name}`,
        `   Command = ${commandString(s.script)}`,
        `   Interval = ${Math.floor(s.intervalMs / 1000)} sec`,
        // keepalived prints 0 for a timeout left unset (it then uses the interval); the config
        // keeps the resolved value, so "equal to the interval" is read as "unset".
        `   Timeout = ${s.timeoutMs === s.intervalMs ? 0 : Math.floor(s.timeoutMs / 1000)} sec`,
        `   Weight = ${s.weight}${s.reverse ? ' reverse' : ''}`,
        `   Rise = ${s.rise}`,
        `   Fall = ${s.fall}`,
        `   Result = ${result}`,
        '   Insecure = no',
        '   Init state = unknown',
        `   Status = ${result >= s.rise ? 'GOOD' : 'BAD'}`,
        `   Script uid:gid = ${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
        '   VRRP instances :',
        ...(trackers.length ? ['   Tracking instances :', ...trackers] : []),
        '   State = idle',
      )
    }
  }
  const files = Object.values(config.trackFiles)
  if (files.length) {
    out.push('------< VRRP Track files >------')
    for (const f of files) {
      const track = live.flatMap((i) => i.tracks).find((t) => t.kind === 'file' && t.name === f.name)
      const trackers = config.instances.flatMap((i) => i.trackFiles.filter((r) => r.name === f.name).map((r) => `     ${i.name}, weight ${r.weight}${r.reverse ? ' reverse' : ''}`))
      out.push(
        ` Track file = ${f.name}`,
        `   File = ${f.file}`,
        `   Status = ${track?.value ?? 0}`,
        `   Weight = ${f.weight}${f.reverse ? ' reverse' : ''}`,
        ...(trackers.length ? ['   Tracking instances :', ...trackers] : []),
      )
    }
  }
  const ifaces = [...input.interfaces].filter((e): e is [string, InterfaceInfo] => e[1] !== undefined)
  if (ifaces.length) {
    out.push('------< Interfaces >------')
    for (const [, info] of ifaces.sort((a, b) => a[1].index - b[1].index)) out.push(...interfaceLines(info, config))
  }
  return `${out.join('\n')}\n`
}

/** keepalived_parent.data: the parent process's Global definitions. */
export function renderKeepalivedParentData(config: Config): string {
  return `${renderGlobalDefinitions(config, 'parent').join('\n')}\n`
}

function instanceLines(v: InstanceView, cfg: VrrpInstance, input: DumpInput): string[] {
  const masterAdverUs = v.masterAdverIntervalMs * 1000
  const skewUs = Math.floor(((256 - v.effectivePriority) * masterAdverUs) / 256)
  const unicast = cfg.unicastPeers.length > 0
  const since = input.lastTransition.get(v.name) ?? input.now
  const readTimeout = input.now + (v.state === 'MASTER' ? cfg.advertIntervalMs : v.masterAdverIntervalMs * 3)
  const source = cfg.unicastSrcIp ?? cfg.mcastSrcIp ?? primaryAddress(input.interfaces.get(cfg.interface), cfg.family)
  const faults = v.tracks.filter((t) => t.fault).length + (v.faultReason && /interface/i.test(v.faultReason) ? 1 : 0)
  const out = [` VRRP Instance = ${v.name}`, `   VRRP Version = ${v.version}`]
  if (v.syncGroup) out.push(`   Sync group = ${v.syncGroup}`)
  if (cfg.family === 6) out.push('   Using Native IPv6')
  out.push(`   State = ${v.state}`)
  if (v.state === 'BACKUP') {
    out.push(`   Master router = ${v.masterAddress ?? (cfg.family === 6 ? '::' : '0.0.0.0')}`, `   Master priority = ${v.masterPriority ?? 0}`)
    if (v.version === 3) out.push(`   Master advert int = ${(v.masterAdverIntervalMs / 1000).toFixed(2)} sec`)
  }
  out.push(...(unicast ? ['   Flags:', '     Using unicast'] : ['   Flags: none']))
  out.push(
    `   Wantstate = ${v.state}`,
    '   Number of config faults = 0',
    `   Number of interface and track script faults = ${faults}`,
    '   Number of track scripts init = 0',
    `   Last transition = ${epoch(since)} (${ctimeUs(since)})`,
    `   Read timeout = ${epoch(readTimeout)} (${ctimeUs(readTimeout)})`,
    `   Master down timer = ${3 * masterAdverUs + skewUs} usecs`,
  )
  const vmac = input.vmacs?.find((s) => s.instance === cfg.name)
  if (vmac) {
    // keepalived's VMAC lines (vrrp_data.c): its instance's interface is the VMAC, even with xmit_base.
    const xmit = vmac.xmitBase
    out.push(`   Use VMAC, i/f name ${vmac.name}, is_up = ${input.interfaces.get(vmac.name) ? 'true' : 'false'}, xmit_base = ${xmit}`)
    out.push(`   Interface = ${vmac.name}, vmac on ${vmac.base}${xmit ? ', xmit base i/f' : ''}`)
  } else out.push(`   Interface = ${cfg.interface}`)
  if (cfg.dontTrackPrimary) out.push('   VRRP interface tracking disabled')
  if (cfg.skipCheckAdvAddr) out.push('   Skip checking advert IP addresses')
  if (cfg.strictMode) out.push('   Enforcing strict VRRP compliance')
  out.push(`   Using src_ip = ${source ?? '(none)'}${cfg.unicastSrcIp || cfg.mcastSrcIp ? ' (from configuration)' : ''}`)
  if (!unicast) {
    const group = cfg.family === 6 ? input.config.globalDefs.mcastGroup6 : input.config.globalDefs.mcastGroup4
    out.push(cfg.family === 6 ? `   Multicast address ${group}, ifindex ${input.interfaces.get(cfg.interface)?.index ?? 0}` : `   Multicast address ${group}`)
  }
  const garp = cfg.garp
  out.push(
    `   Gratuitous ARP delay = ${Math.floor(garp.masterDelayMs / 1000)}`,
    `   Gratuitous ARP repeat = ${garp.masterRepeat}`,
    `   Gratuitous ARP refresh = ${Math.floor(garp.masterRefreshMs / 1000)}`,
    `   Gratuitous ARP refresh repeat = ${garp.masterRefreshRepeat}`,
    `   Gratuitous ARP lower priority delay = ${Math.floor(garp.lowerPrioDelayMs / 1000)}`,
    `   Gratuitous ARP lower priority repeat = ${garp.lowerPrioRepeat}`,
    '   Down timer adverts = 3',
    `   Send advert after receive lower priority advert = ${cfg.lowerPrioNoAdvert ? 'false' : 'true'}`,
    `   Send advert after receive higher priority advert = ${cfg.higherPrioSendAdvert ? 'true' : 'false'}`,
    `   Virtual Router ID = ${v.virtualRouterId}`,
    `   Priority = ${v.basePriority}`,
    `   Effective priority = ${v.effectivePriority}`,
    `   Total priority = ${v.effectivePriority}`,
    v.version === 2 ? `   Advert interval = ${Math.floor(cfg.advertIntervalMs / 1000)} sec` : `   Advert interval = ${cfg.advertIntervalMs} milli-sec`,
  )
  if (v.state === 'BACKUP' && v.version === 3) out.push(`   Master advert interval = ${v.masterAdverIntervalMs} milli-sec`)
  out.push(`   Accept = ${cfg.accept ? 'enabled' : 'disabled'}`, `   Preempt = ${cfg.nopreempt ? 'disabled' : 'enabled'}`)
  if (cfg.preemptDelayMs) out.push(`   Preempt delay = ${cfg.preemptDelayMs / 1000} secs`)
  out.push('   Promote_secondaries = disabled')
  if (cfg.authentication) {
    out.push(`   Authentication type = ${cfg.authentication.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`)
    if (cfg.authentication.type === 'PASS') out.push(`   Password = ${cfg.authentication.password}`)
  } else if (v.version === 2) out.push('   Authentication type = none')
  const vipSet = v.state === 'MASTER'
  // keepalived names a VIP on a VMAC `dev vrrp.51@eth0`.
  const onVmac = (a: VipEntry): VipEntry => (vmac && a.dev === vmac.name ? { ...a, dev: `${a.dev}@${vmac.base}` } : a)
  if (cfg.virtualIpAddresses.length) out.push(`   Virtual IP (${cfg.virtualIpAddresses.length}):`, ...cfg.virtualIpAddresses.map((a) => `     ${formatVip(onVmac(a))}${vipSet ? ' set' : ''}`))
  if (cfg.virtualIpAddressesExcluded.length) out.push('   Virtual IP Excluded :', ...cfg.virtualIpAddressesExcluded.map((a) => `     ${formatVip(onVmac(a))}${vipSet ? ' set' : ''}`))
  if (unicast) {
    out.push(`   Check unicast src : ${input.config.globalDefs.checkUnicastSrc ? 'yes' : 'no'}`, '   Unicast Peer :')
    out.push(...cfg.unicastPeers.map((p) => `     ${p.address} min_ttl ${p.minTtl ?? 0} max_ttl ${p.maxTtl ?? 255}`))
  }
  // vrrpd's sockets are not numbered like keepalived's pool; -1 says "no fd of that kind".
  out.push('   fd_in -1, fd_out -1')
  if (cfg.trackInterfaces.length) out.push('   Tracked interfaces :', ...cfg.trackInterfaces.map((r) => `     ${r.name} weight ${r.weight}${r.reverse ? ' reverse' : ''}`))
  if (cfg.trackScripts.length) out.push('   Tracked scripts :', ...cfg.trackScripts.map((r) => `     ${r.name} weight ${r.weight}${r.reverse ? ' reverse' : ''}`))
  if (cfg.trackFiles.length) out.push('   Tracked files :', ...cfg.trackFiles.map((r) => `     ${r.name}, weight ${r.weight}${r.reverse ? ' reverse' : ''}`))
  out.push('   Using smtp notification = no', '   Notify deleted = Fault')
  const n = cfg.notify
  const uidGid = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`
  const scripts: [string | undefined, string][] = [[n.backup, 'Backup'], [n.master, 'Master'], [n.fault, 'Fault'], [n.stop, 'Stop'], [n.any, 'Generic'], [n.masterRxLowerPri, 'Master rx lower pri']]
  for (const [cmd, label] of scripts) if (cmd) out.push(`   ${label} state transition script = ${commandString(cmd)}, uid:gid ${uidGid}`)
  out.push(`   Notify priority changes = ${cfg.notifyPriorityChanges ? 'true' : 'false'}`)
  return out
}

function sockpoolLines(live: InstanceView[], byName: Map<string, VrrpInstance>, input: DumpInput): string[] {
  const pools = new Map<string, VrrpInstance[]>()
  for (const v of live) {
    const cfg = byName.get(v.name)!
    const key = `${cfg.interface}/${cfg.family}/${cfg.unicastPeers.length ? cfg.unicastSrcIp ?? 'unicast' : 'multicast'}`
    pools.set(key, [...(pools.get(key) ?? []), cfg])
  }
  return [...pools.values()].flatMap((members) => {
    const c = members[0]!
    const unicast = c.unicastPeers.length > 0
    const src = unicast ? c.unicastSrcIp ?? primaryAddress(input.interfaces.get(c.interface), c.family) : undefined
    return [
      ' fd_in -1 fd_out = -1',
      `   Interface = ${c.interface}`,
      `   Family = IPv${c.family}`,
      `   Protocol = ${c.authentication?.type === 'AH' ? 'AH' : 'VRRP'}`,
      `   Type = ${unicast ? 'Un' : 'Mult'}icast`,
      ...(src ? [`   Address = ${src}`] : []),
      '   Rx buf size = 0',
      '   VRRP instances',
      ...members.map((m) => `     ${m.name} vrid ${m.virtualRouterId}`),
    ]
  })
}

function interfaceLines(info: InterfaceInfo, config: Config): string[] {
  const v4 = info.addresses.find((a) => a.family === 4 && a.primary)?.address
  const v6 = info.addresses.find((a) => a.family === 6 && a.address.toLowerCase().startsWith('fe80'))?.address ?? info.addresses.find((a) => a.family === 6)?.address
  const tracking = config.instances.flatMap((i) => [
    ...(i.interface === info.name ? [`     ${i.name}, weight 0`] : []),
    ...i.trackInterfaces.filter((r) => r.name === info.name).map((r) => `     ${i.name}, weight ${r.weight}${r.reverse ? ' reverse' : ''}`),
  ])
  return [
    ` Name = ${info.name}`,
    `   index = ${info.index}`,
    `   IPv4 address = ${v4 ?? '(none)'}`,
    `   IPv6 address = ${v6 ?? '(none)'}`,
    ...(info.mac ? [`   MAC = ${info.mac}`, '   MAC broadcast = ff:ff:ff:ff:ff:ff'] : []),
    `   State = ${info.up ? 'UP, RUNNING' : 'not UP, not RUNNING'}`,
    `   Seen up = ${info.up ? 1 : 0}`,
    '   Delayed state change running = false',
    '   Up debounce timer = 0us',
    '   Down debounce timer = 0us',
    `   MTU = ${sysNumber(`/sys/class/net/${info.name}/mtu`)}`,
    '   HW Type = ETHERNET',
    '   NIC netlink status update',
    '   Reset ARP config counter 0',
    `   Original arp_ignore ${sysNumber(`/proc/sys/net/ipv4/conf/${info.name}/arp_ignore`)}`,
    `   Original arp_filter ${sysNumber(`/proc/sys/net/ipv4/conf/${info.name}/arp_filter`)}`,
    `   Original promote_secondaries ${sysNumber(`/proc/sys/net/ipv4/conf/${info.name}/promote_secondaries`)}`,
    '   Reset promote_secondaries counter 0',
    ...(tracking.length ? ['   Tracking VRRP instances :', ...tracking] : []),
  ]
}

/** keepalived's format_ipaddress: `ADDR/LEN [brd B] dev DEV scope SCOPE [label L]`. */
export function formatVip(a: VipEntry): string {
  const scope = a.scope ?? (a.family === 6 && a.address.toLowerCase().startsWith('fe80') ? 'link' : 'global')
  return `${a.address}/${a.prefixLength}${a.broadcast ? ` brd ${a.broadcast}` : ''} dev ${a.dev} scope ${scope}${a.label ? ` label ${a.label}` : ''}`
}

/**
 * keepalived's cmd_str: each word in single quotes, separated by spaces, the
 * program as keepalived resolved it (PATH searched, symlinks followed).
 */
export function commandString(cmd: string): string {
  const words = splitCommandLine(cmd)
  if (words[0]) words[0] = resolveProgram(words[0])
  return words.map((w) => `'${w}'`).join(' ')
}

function resolveProgram(prog: string): string {
  const candidates = prog.includes('/') ? [prog] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => `${d}/${prog}`)
  for (const c of candidates) {
    try {
      return realpathSync(c)
    } catch {
      // not there: try the next
    }
  }
  return prog
}

function primaryAddress(info: InterfaceInfo | undefined, family: 4 | 6): string | undefined {
  return info?.addresses.find((a) => a.family === family && a.primary)?.address
}

function sysNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0
  } catch {
    return 0
  }
}

/** `SECONDS.MICROS`, as keepalived's "%ld.%6.6ld". */
function epoch(ms: number): string {
  const us = Math.round(ms * 1000)
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** keepalived's ctime_us_r: "Mon Nov 30 06:10:15.842547 2026", local time. */
function ctimeUs(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  const us = Math.round(ms * 1000) % 1e6
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(us, 6)} ${d.getFullYear()}`
}
