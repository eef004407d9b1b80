/**
 * The status view in Prometheus' text exposition format, for
 * `vrrpd status --format prometheus` (e.g. into node_exporter's textfile
 * collector from a cron job or a systemd timer) and for the opt-in HTTP endpoint
 * (metrics-server.ts), which adds keepalived-exporter's names beside vrrpd's own.
 */
import type { StatusView } from './status-files.js'
import { DROP_REASONS } from '../protocol/types.js'
import type { LoopDelay } from '../io/timer-lateness.js'

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const

function labels(values: Record<string, string | number>): string {
  if (Object.keys(values).length === 0) return ''
  const body = Object.entries(values)
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',')
  return `{${body}}`
}

export function renderPrometheus(view: StatusView): string {
  const out: string[] = []
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: [Record<string, string | number>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [l, v] of rows) out.push(`${name}${labels(l)} ${v}`)
  }
  const id = (i: StatusView['instances'][number]) => ({ instance: i.name, interface: i.interface, vrid: i.virtualRouterId })
  metric('vrrpd_instance_state', 'gauge', 'VRRP state of the instance: 1 for the current state, 0 for the others.',
    view.instances.flatMap((i) => STATES.map((s): [Record<string, string | number>, number] => [{ ...id(i), state: s }, i.state === s ? 1 : 0])))
  metric('vrrpd_instance_priority', 'gauge', 'Priority of the instance (base: configured; effective: after track weights).',
    view.instances.flatMap((i): [Record<string, string | number>, number][] => [[{ ...id(i), kind: 'base' }, i.basePriority], [{ ...id(i), kind: 'effective' }, i.effectivePriority]]))
  const counter = (name: string, help: string, pick: (s: StatusView['instances'][number]['stats']) => number) =>
    metric(name, 'counter', help, view.instances.map((i) => [id(i), pick(i.stats)]))
  counter('vrrpd_adverts_received_total', 'Adverts received and accepted.', (s) => s.advertRcvd)
  counter('vrrpd_adverts_sent_total', 'Adverts sent.', (s) => s.advertSent)
  counter('vrrpd_became_master_total', 'Transitions to MASTER.', (s) => s.becomeMaster)
  counter('vrrpd_released_master_total', 'Transitions out of MASTER.', (s) => s.releaseMaster)
  counter('vrrpd_priority_zero_received_total', 'Priority-0 adverts received.', (s) => s.priZeroRcvd)
  counter('vrrpd_priority_zero_sent_total', 'Priority-0 adverts sent.', (s) => s.priZeroSent)
  metric('vrrpd_track_ok', 'gauge', 'Tracked objects of the instance: 1 while OK (script succeeding, interface up, file usable), else 0.',
    view.instances.flatMap((i) => i.tracks.map((t): [Record<string, string | number>, number] => [{ ...id(i), kind: t.kind, name: t.name }, t.ok ? 1 : 0])))
  counter('vrrpd_config_mismatch_total', 'Config mismatches with a peer (split brain likely).', (s) => s.configMismatch ?? 0)
  metric('vrrpd_dropped_total', 'counter', 'Received packets dropped, by reason; instance "" when no instance matched.', [
    ...view.instances.flatMap((i) => DROP_REASONS.filter((r) => (i.stats.dropped[r] ?? 0) > 0).map((r): [Record<string, string | number>, number] => [{ ...id(i), reason: r }, i.stats.dropped[r]!])),
    ...DROP_REASONS.filter((r) => (view.unattributedDrops[r] ?? 0) > 0).map((r): [Record<string, string | number>, number] => [{ instance: '', interface: '', vrid: '', reason: r }, view.unattributedDrops[r]!]),
  ])
  const delay = view.daemon.eventLoopDelay
  return `${out.join('\n')}\n${delay ? renderLoopDelay(delay) : ''}`
}

/** keepalived's state numbers (vrrp.h VRRP_STATE_*), which keepalived-exporter reports. */
const KEEPALIVED_STATE_NUMBER: Record<(typeof STATES)[number], number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 }

type Instance = StatusView['instances'][number]
type Stats = Instance['stats']

/**
 * keepalived-exporter's counters (github.com/mehdy/keepalived-exporter, the exporter
 * keepalived users run today) and the keepalived.stats fields they come from, as
 * vrrpd counts them, so that existing dashboards and alerts keep working.
 */
const KEEPALIVED_EXPORTER_COUNTERS: ReadonlyArray<[name: string, help: string, pick: (s: Stats) => number]> = [
  ['keepalived_advertisements_received_total', 'Advertisements received', (s) => s.advertRcvd],
  ['keepalived_advertisements_sent_total', 'Advertisements sent', (s) => s.advertSent],
  ['keepalived_become_master_total', 'Became master', (s) => s.becomeMaster],
  ['keepalived_release_master_total', 'Released master', (s) => s.releaseMaster],
  ['keepalived_packet_length_errors_total', 'Packet length errors', (s) => s.dropped.length ?? 0],
  ['keepalived_advertisements_interval_errors_total', 'Advertisement interval errors', (s) => s.dropped.interval ?? 0],
  ['keepalived_ip_ttl_errors_total', 'TTL errors', (s) => s.dropped.ttl ?? 0],
  ['keepalived_invalid_type_received_total', 'Invalid type errors', (s) => s.dropped.type ?? 0],
  ['keepalived_address_list_errors_total', 'Address list errors', (s) => s.dropped.addressList ?? 0],
  ['keepalived_authentication_invalid_total', 'Authentication invalid', (s) => s.dropped.authType ?? 0],
  ['keepalived_authentication_mismatch_total', 'Authentication mismatch', (s) => s.dropped.authMismatch ?? 0],
  ['keepalived_authentication_failure_total', 'Authentication failure', (s) => s.dropped.authData ?? 0],
  ['keepalived_priority_zero_received_total', 'Priority zero received', (s) => s.priZeroRcvd],
  ['keepalived_priority_zero_sent_total', 'Priority zero sent', (s) => s.priZeroSent],
]

/** What keepalived-exporter reads from keepalived's config dump rather than from its counters. */
export interface ExporterConfig {
  /** The instance's garp_master_delay in whole seconds, as keepalived.data's "Gratuitous ARP delay". */
  garpDelaySeconds(instance: string): number | undefined
}

/**
 * The metrics keepalived-exporter serves, with its names and labels: one
 * `keepalived_vrrp_state` per VIP (keepalived's state number), counters labelled
 * iname/intf/vrid/state, `keepalived_gratuitous_arp_delay_total` (the configured
 * garp_master_delay, which the exporter reports under that name) when the config is
 * given, and `keepalived_script_status` (1 GOOD, 0 BAD) per track script.
 */
export function renderKeepalivedExporter(view: StatusView, config?: ExporterConfig): string {
  const out: string[] = []
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: [Record<string, string | number>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [l, v] of rows) out.push(`${name}${labels(l)} ${v}`)
  }
  metric('keepalived_up', 'gauge', 'Status', [[{}, 1]])
  metric('keepalived_vrrp_state', 'gauge', 'State of vrrp', view.instances.flatMap((i) => i.vips.map((vip): [Record<string, string | number>, number] => {
    // "10.0.0.1/24 dev eth0": the exporter labels the address without its prefix, and the VIP's device.
    const [address = '', , dev = i.interface] = vip.split(' ')
    return [{ iname: i.name, intf: dev, vrid: i.virtualRouterId, ip_address: address.split('/')[0] ?? address }, KEEPALIVED_STATE_NUMBER[i.state]]
  })))
  const common = (i: Instance) => ({ iname: i.name, intf: i.interface, vrid: i.virtualRouterId, state: i.state })
  for (const [name, help, pick] of KEEPALIVED_EXPORTER_COUNTERS) metric(name, 'counter', help, view.instances.map((i) => [common(i), pick(i.stats)]))
  if (config) {
    metric('keepalived_gratuitous_arp_delay_total', 'counter', 'Gratuitous ARP delay', view.instances.flatMap((i): [Record<string, string | number>, number][] => {
      const delay = config.garpDelaySeconds(i.name)
      return delay === undefined ? [] : [[common(i), delay]]
    }))
  }
  const scripts = new Map<string, boolean>()
  for (const i of view.instances) for (const t of i.tracks) if (t.kind === 'script') scripts.set(t.name, t.ok)
  metric('keepalived_script_status', 'gauge', 'Tracker Script Status', [...scripts].map(([name, ok]) => [{ name }, ok ? 1 : 0]))
  return `${out.join('\n')}\n`
}

/** vrrpd's event-loop delay: how late its timers (and so adverts) fired, since start (src/io/timer-lateness.ts). */
export function renderLoopDelay(delay: Pick<LoopDelay, 'p50' | 'p99' | 'max'>): string {
  return [
    '# HELP vrrpd_event_loop_delay_seconds Event-loop delay since start: how late the daemon\'s timers (adverts, master-down) fired.',
    '# TYPE vrrpd_event_loop_delay_seconds gauge',
    `vrrpd_event_loop_delay_seconds{quantile="0.5"} ${delay.p50 / 1000}`,
    `vrrpd_event_loop_delay_seconds{quantile="0.99"} ${delay.p99 / 1000}`,
    `vrrpd_event_loop_delay_seconds{quantile="1"} ${delay.max / 1000}`,
    '',
  ].join('\n')
}
