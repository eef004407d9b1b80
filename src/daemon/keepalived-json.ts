/**
 * keepalived.json (SIGJSON, SIGRTMIN+2) and keepalived.stats (SIGUSR2 and
 * SIGSTATS_CLEAR) as keepalived 2.2.7 writes them (vrrp/vrrp_json.c,
 * vrrp/vrrp_print.c): a list of `{data, stats}` per instance with keepalived's
 * key names and state numbers, and the stats text without vrrpd's extra drop
 * reasons (those are in `vrrpd status`).
 */
import type { InstanceView } from '../core/index.js'
import type { VrrpState } from '../core/types.js'
import type { DropReason } from '../protocol/types.js'
import { commandString, formatVip, type DumpInput } from './keepalived-data.js'

/** keepalived's VRRP_STATE_* numbers (vrrp.h): what "state" and "wantstate" hold. */
export const KEEPALIVED_STATE_NUMBERS: Readonly<Record<VrrpState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 }

/** keepalived's counters, from vrrpd's (drop reasons mapped onto keepalived's error counters). */
export interface KeepalivedStats {
  advert_rcvd: number
  advert_sent: number
  become_master: number
  release_master: number
  packet_len_err: number
  advert_interval_err: number
  ip_ttl_err: number
  invalid_type_rcvd: number
  addr_list_err: number
  invalid_authtype: number
  authtype_mismatch: number
  auth_failure: number
  pri_zero_rcvd: number
  pri_zero_sent: number
}

export function keepalivedStats(v: InstanceView): KeepalivedStats {
  const d = v.stats.dropped
  const n = (r: DropReason): number => d[r] ?? 0
  return {
    advert_rcvd: v.stats.advertRcvd,
    advert_sent: v.stats.advertSent,
    become_master: v.stats.becomeMaster,
    release_master: v.stats.releaseMaster,
    packet_len_err: n('length'),
    advert_interval_err: n('interval'),
    ip_ttl_err: n('ttl'),
    invalid_type_rcvd: n('type'),
    addr_list_err: n('addressList') + n('addressCount'),
    invalid_authtype: n('authType'),
    authtype_mismatch: n('authMismatch'),
    auth_failure: n('authData'),
    pri_zero_rcvd: v.stats.priZeroRcvd,
    pri_zero_sent: v.stats.priZeroSent,
  }
}

/** keepalived.json's text; undefined when there is no instance (keepalived then writes nothing). */
export function renderKeepalivedJson(input: DumpInput): string | undefined {
  const byName = new Map(input.config.instances.map((i) => [i.name, i]))
  const entries = input.view.instances.flatMap((v) => {
    const cfg = byName.get(v.name)
    if (!cfg) return []
    const n = cfg.notify
    const scripts = Object.fromEntries(
      ([['script_backup', n.backup], ['script_master', n.master], ['script_fault', n.fault], ['script_stop', n.stop], ['script', n.any], ['script_master_rx_lower_pri', n.masterRxLowerPri]] as const)
        .filter(([, cmd]) => cmd)
        .map(([k, cmd]) => [k, commandString(cmd!)]),
    )
    const list = <T>(key: string, items: T[], f: (x: T) => string): Record<string, string[]> => (items.length ? { [key]: items.map(f) } : {})
    const data = {
      iname: v.name,
      dont_track_primary: cfg.dontTrackPrimary ? 1 : 0,
      skip_check_adv_addr: cfg.skipCheckAdvAddr ? 1 : 0,
      strict_mode: cfg.strictMode ? 1 : 0,
      vmac_ifname: typeof cfg.useVmac === 'string' ? cfg.useVmac : '',
      ifp_ifname: cfg.interface,
      // keepalived keeps the last master's priority it received; 0 until a peer's advert came.
      master_priority: v.state === 'MASTER' ? 0 : v.masterPriority ?? 0,
      last_transition: Number(((input.lastTransition.get(v.name) ?? input.now) / 1000).toFixed(6)),
      garp_delay: cfg.garp.masterDelayMs / 1000,
      garp_refresh: Math.floor(cfg.garp.masterRefreshMs / 1000),
      garp_rep: cfg.garp.masterRepeat,
      garp_refresh_rep: cfg.garp.masterRefreshRepeat,
      garp_lower_prio_delay: Math.floor(cfg.garp.lowerPrioDelayMs / 1000),
      garp_lower_prio_rep: cfg.garp.lowerPrioRepeat,
      lower_prio_no_advert: cfg.lowerPrioNoAdvert ? 1 : 0,
      higher_prio_send_advert: cfg.higherPrioSendAdvert ? 1 : 0,
      vrid: v.virtualRouterId,
      base_priority: v.basePriority,
      effective_priority: v.effectivePriority,
      vipset: v.state === 'MASTER',
      promote_secondaries: false,
      adver_int: cfg.advertIntervalMs / 1000,
      master_adver_int: v.masterAdverIntervalMs / 1000,
      accept: cfg.accept ? 1 : 0,
      nopreempt: cfg.nopreempt,
      preempt_delay: Math.floor(cfg.preemptDelayMs / 1000),
      state: KEEPALIVED_STATE_NUMBERS[v.state],
      wantstate: KEEPALIVED_STATE_NUMBERS[v.state],
      version: v.version,
      smtp_alert: false,
      notify_deleted: false,
      ...scripts,
      ...list('vips', cfg.virtualIpAddresses, (a) => `${formatVip(a)}${v.state === 'MASTER' ? ' set' : ''}`),
      ...list('evips', cfg.virtualIpAddressesExcluded, (a) => `${formatVip(a)}${v.state === 'MASTER' ? ' set' : ''}`),
      ...list('vroutes', cfg.virtualRoutes, (r) => r),
      ...list('track_ifp', cfg.trackInterfaces, (r) => r.name),
      ...list('track_script', cfg.trackScripts, (r) => commandString(input.config.scripts[r.name]?.script ?? r.name)),
      auth_type: cfg.authentication ? (cfg.authentication.type === 'AH' ? 2 : 1) : 0,
      ...(cfg.authentication ? { auth_data: cfg.authentication.password } : {}),
    }
    return [{ data, stats: keepalivedStats(v) }]
  })
  if (entries.length === 0) return undefined
  // keepalived's json_writer escapes '/' ("\/"); same bytes, same diffs for people comparing files.
  return JSON.stringify(entries).replaceAll('/', '\\/')
}

/** keepalived.stats. */
export function renderKeepalivedStats(view: { instances: InstanceView[] }): string {
  const out: string[] = []
  for (const v of view.instances) {
    const s = keepalivedStats(v)
    out.push(
      `VRRP Instance: ${v.name}`,
      '  Advertisements:',
      `    Received: ${s.advert_rcvd}`,
      `    Sent: ${s.advert_sent}`,
      `  Became master: ${s.become_master}`,
      `  Released master: ${s.release_master}`,
      '  Packet Errors:',
      `    Length: ${s.packet_len_err}`,
      `    TTL: ${s.ip_ttl_err}`,
      `    Invalid Type: ${s.invalid_type_rcvd}`,
      `    Advertisement Interval: ${s.advert_interval_err}`,
      `    Address List: ${s.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${s.invalid_authtype}`,
      `    Type Mismatch: ${s.authtype_mismatch}`,
      `    Failure: ${s.auth_failure}`,
      '  Priority Zero:',
      `    Received: ${s.pri_zero_rcvd}`,
      `    Sent: ${s.pri_zero_sent}`,
    )
  }
  return out.length ? `${out.join('\n')}\n` : ''
}
