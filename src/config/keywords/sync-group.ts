/** `vrrp_sync_group NAME { group { ... } ... }`. */
import type { NotifyScripts, NotifyUsers, SourceRef } from '../model.js'
import type { Handler, KeywordTable } from '../values.js'
import { deprecated } from './deprecated.js'
import { notifyInto } from './instance.js'
import { TRACK_KEYWORDS, type TrackRefDraft } from './track-refs.js'

export interface SyncGroupDraft {
  name: string
  at: SourceRef
  members: Array<{ name: string; at: SourceRef }>
  notify: NotifyScripts
  notifyUsers: NotifyUsers
  /** sync_group_tracking_weight: members keep their weighted tracking. */
  trackingWeight: boolean
  trackScripts: TrackRefDraft[]
  trackInterfaces: TrackRefDraft[]
  trackFiles: TrackRefDraft[]
  /** notify_priority_changes: the default of members that do not set it. */
  notifyPriorityChanges?: boolean
}

export function newSyncGroup(name: string, at: SourceRef): SyncGroupDraft {
  return { name, at, members: [], notify: {}, notifyUsers: {}, trackingWeight: false, trackScripts: [], trackInterfaces: [], trackFiles: [] }
}

const notify = notifyInto

const IGNORED = ['track_process', 'track_bfd', 'smtp_alert']

export const SYNC_GROUP_KEYWORDS: KeywordTable<SyncGroupDraft> = {
  group: (n, g, ctx) => {
    if (!n.children) ctx.sink.error(n.at, `(${g.name}) group needs a { ... } block of instance names`)
    // keepalived allows several names on one line of the group block.
    g.members = (n.children ?? []).flatMap((c) => [c.keyword, ...c.args.map((a) => a.text)].map((name) => ({ name, at: c.at })))
  },
  notify_master: notify('master'),
  notify_backup: notify('backup'),
  notify_fault: notify('fault'),
  notify_stop: notify('stop'),
  notify: notify('any'),
  ...TRACK_KEYWORDS,
  ...Object.fromEntries(
    IGNORED.map((k): [string, Handler<SyncGroupDraft>] => [
      k,
      (n, g, ctx) => ctx.sink.warning(n.at, `(${g.name}) ${k} is not supported by vrrpd and is ignored`),
    ]),
  ),
  notify_priority_changes: (n, g, ctx) => {
    const v = n.args[0]?.text
    const on = v === undefined || ['on', 'true', 'yes'].includes(v)
    if (!on && !['off', 'false', 'no'].includes(v)) return ctx.sink.error(n.at, `(${g.name}) Invalid value '${v}' for sync group notify_priority_changes specified`)
    g.notifyPriorityChanges = on
  },
  sync_group_tracking_weight: (_n, g) => {
    g.trackingWeight = true
  },
  ...deprecated<SyncGroupDraft>({
    global_tracking: (g) => `(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`,
  }),
}
