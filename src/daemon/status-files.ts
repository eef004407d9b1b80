/**
 * keepalived's signal dumps, in $TMPDIR or /tmp as keepalived writes them:
 * SIGUSR1 keepalived.data and keepalived_parent.data, SIGUSR2 (and
 * SIGSTATS_CLEAR) keepalived.stats, SIGJSON keepalived.json, all in keepalived
 * 2.2.7's formats (keepalived-data.ts, keepalived-json.ts). vrrpd's own view
 * (StatusView) answers `vrrpd status`; renderData is its text form.
 */
import { writeFileSafely } from '../io/safe-file.js'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import type { InstanceView, RouterView } from '../core/index.js'
import type { LoopDelay } from '../io/timer-lateness.js'
import { renderKeepalivedData, renderKeepalivedParentData, type DumpInput } from './keepalived-data.js'
import { renderKeepalivedJson, renderKeepalivedStats } from './keepalived-json.js'

/** What `vrrpd status` shows, and what keepalived's dumps are built from: the core's view plus the daemon's. */
export interface StatusView {
  daemon: { name: 'vrrpd'; pid: number; startedAt: string; config: string; eventLoopDelay?: LoopDelay }
  /** The core's instances, with the receive path's drops added into `stats.dropped`. */
  instances: InstanceView[]
  syncGroups: RouterView['syncGroups']
  /** Drops that could not be tied to an instance (unknown VRID, runt packets). */
  unattributedDrops: RouterView['dropped']
}

export type StatusKind = 'data' | 'parent' | 'stats' | 'json'

/** keepalived's dump mode: rw------- */
export const STATUS_FILE_MODE = 0o600

const FILE_NAMES: Record<StatusKind, string> = {
  data: 'keepalived.data',
  parent: 'keepalived_parent.data',
  stats: 'keepalived.stats',
  json: 'keepalived.json',
}

/**
 * Renders and writes one of keepalived's dump files atomically, mode 0600 as
 * keepalived's fopen_safe; returns its path, or undefined when keepalived would
 * write nothing (keepalived.json without instances).
 */
export function writeStatusFile(kind: StatusKind, input: DumpInput, dir = process.env.TMPDIR || tmpdir()): string | undefined {
  const path = join(dir, FILE_NAMES[kind])
  const text =
    kind === 'data' ? renderKeepalivedData(input)
    : kind === 'parent' ? renderKeepalivedParentData(input.config)
    : kind === 'stats' ? renderKeepalivedStats(input.view)
    : renderKeepalivedJson(input)
  if (text === undefined) return undefined
  // 0600, as keepalived's dumps (fopen_safe with its default umask 0177): counters and
  // topology are not for other users, and a planted link or temporary is refused.
  writeFileSafely(path, text, STATUS_FILE_MODE, `${kind} dump`)
  return path
}

/** vrrpd's own text view (`vrrpd status --format text`): keepalived.data's topology with vrrpd's fields. */
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
