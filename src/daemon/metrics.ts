/**
 * The status view in Prometheus' text exposition format, for
 * `vrrpd status --format prometheus` (e.g. into node_exporter's textfile
 * collector from a cron job or a systemd timer).
 */
import type { StatusView } from './status-files.js'
import { DROP_REASONS } from '../protocol/types.js'

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const

function labels(values: Record<string, string | number>): string {
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
  counter('vrrpd_config_mismatch_total', 'Config mismatches with a peer (split brain likely).', (s) => s.configMismatch ?? 0)
  metric('vrrpd_dropped_total', 'counter', 'Received packets dropped, by reason; instance "" when no instance matched.', [
    ...view.instances.flatMap((i) => DROP_REASONS.filter((r) => (i.stats.dropped[r] ?? 0) > 0).map((r): [Record<string, string | number>, number] => [{ ...id(i), reason: r }, i.stats.dropped[r]!])),
    ...DROP_REASONS.filter((r) => (view.unattributedDrops[r] ?? 0) > 0).map((r): [Record<string, string | number>, number] => [{ instance: '', interface: '', vrid: '', reason: r }, view.unattributedDrops[r]!]),
  ])
  return `${out.join('\n')}\n`
}
