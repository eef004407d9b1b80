/**
 * keepalived's signal dumps: SIGUSR1 writes keepalived.data (and keepalived.json),
 * SIGUSR2 writes keepalived.stats, in $TMPDIR or /tmp, so scripts and habits built
 * around keepalived keep working. The same view answers `vrrpd status`.
 */
import { writeFileSafely } from '../io/safe-file.js'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { InstanceView, RouterView } from '../core/index.js'
import { DROP_REASONS } from '../protocol/types.js'

/** What `vrrpd status`, keepalived.json and the text dumps show: the core's view plus the daemon's. */
export interface StatusView {
  daemon: { name: 'vrrpd'; pid: number; startedAt: string; config: string }
  /** The core's instances, with the receive path's drops added into `stats.dropped`. */
  instances: InstanceView[]
  syncGroups: RouterView['syncGroups']
  /** Drops that could not be tied to an instance (unknown VRID, runt packets). */
  unattributedDrops: RouterView['dropped']
}

export type StatusKind = 'data' | 'stats' | 'json'

/** keepalived's dump mode: rw------- */
export const STATUS_FILE_MODE = 0o600

const FILE_NAMES: Record<StatusKind, string> = {
  data: 'keepalived.data',
  stats: 'keepalived.stats',
  json: 'keepalived.json',
}

/** Renders and writes one status file atomically; returns its path. */
export function writeStatusFile(kind: StatusKind, view: StatusView, dir = process.env.TMPDIR || tmpdir()): string {
  const path = join(dir, FILE_NAMES[kind])
  const text = kind === 'data' ? renderData(view) : kind === 'stats' ? renderStats(view) : `${JSON.stringify(view, null, 2)}\n`
  // 0600, as keepalived's dumps (fopen_safe with its default umask 0177): counters and
  // topology are not for other users, and a planted link or temporary is refused.
  writeFileSafely(path, text, STATUS_FILE_MODE, `${kind} dump`)
  return path
}

/** keepalived.data's "VRRP Topology" section, with vrrpd's fields. */
export function renderData(view: StatusView): string {
  const out = [`------< vrrpd ${view.daemon.pid} started ${view.daemon.startedAt} >------`, `Config file = ${view.daemon.config}`, '', '------< VRRP Topology >------']
  for (const i of view.instances) {
    out.push(
      ` VRRP Instance = ${i.name}`,
      `   State = ${i.state}`,
      `   Interface = ${i.interface}`,
      `   Virtual Router ID = ${i.virtualRouterId}`,
      `   VRRP Version = ${i.version}`,
      `   Base priority = ${i.basePriority}`,
      `   Effective priority = ${i.effectivePriority}`,
      `   Master advert interval = ${i.masterAdverIntervalMs} ms`,
      `   Master router = ${i.masterAddress ?? '(none)'}${i.masterPriority !== null ? ` priority ${i.masterPriority}` : ''}`,
      ...(i.faultReason ? [`   Fault reason = ${i.faultReason}`] : []),
      ...(i.syncGroup ? [`   Sync group = ${i.syncGroup}`] : []),
      `   Virtual IP = ${i.vips.length}`,
      ...i.vips.map((v) => `     ${v}`),
      ...(i.excludedVips.length ? [`   Excluded virtual IP = ${i.excludedVips.length}`, ...i.excludedVips.map((v) => `     ${v}`)] : []),
      ...(i.tracks.length ? ['   Tracked objects:'] : []),
      ...i.tracks.map((t) => `     ${t.kind} ${t.name} ${t.ok ? 'UP' : 'DOWN'} weight ${t.weight}${t.reverse ? ' reverse' : ''} (priority ${t.delta >= 0 ? '+' : ''}${t.delta}${t.fault ? ', FAULT' : ''})`),
    )
  }
  if (view.syncGroups.length) {
    out.push('', '------< VRRP Sync groups >------')
    for (const g of view.syncGroups) out.push(` VRRP Sync Group = ${g.name}, ${g.state}`, ...g.members.map((m) => `   monitor = ${m}`))
  }
  return `${out.join('\n')}\n`
}

/** keepalived.stats: per instance counters, drops by reason. */
export function renderStats(view: StatusView): string {
  const out: string[] = []
  for (const i of view.instances) {
    const d = i.stats.dropped
    out.push(
      `VRRP Instance: ${i.name}`,
      '  Advertisements:',
      `    Received: ${i.stats.advertRcvd}`,
      `    Sent: ${i.stats.advertSent}`,
      `  Became master: ${i.stats.becomeMaster}`,
      `  Released master: ${i.stats.releaseMaster}`,
      '  Packet Errors:',
      `    Length: ${d.length ?? 0}`,
      `    TTL: ${d.ttl ?? 0}`,
      `    Invalid Type: ${d.type ?? 0}`,
      `    Advertisement Interval: ${d.interval ?? 0}`,
      `    Address List: ${d.addressList ?? 0}`,
      '  Authentication Errors:',
      `    Invalid Type: ${d.authType ?? 0}`,
      `    Type Mismatch: ${d.authMismatch ?? 0}`,
      `    Failure: ${d.authData ?? 0}`,
      '  Priority Zero:',
      `    Received: ${i.stats.priZeroRcvd}`,
      `    Sent: ${i.stats.priZeroSent}`,
      '  Dropped by reason:',
      ...DROP_REASONS.filter((r) => (d[r] ?? 0) > 0).map((r) => `    ${r}: ${d[r]}`),
    )
  }
  const u = view.unattributedDrops
  const unattributed = DROP_REASONS.filter((r) => (u[r] ?? 0) > 0)
  if (unattributed.length) out.push('Dropped, no instance:', ...unattributed.map((r) => `  ${r}: ${u[r]}`))
  return `${out.join('\n')}\n`
}
