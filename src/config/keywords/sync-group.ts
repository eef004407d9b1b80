/** `vrrp_sync_group NAME { group { ... } ... }`. */
import type { NotifyScripts, SourceRef } from '../model.js'
import { restOfLine, type Handler, type KeywordTable } from '../values.js'
import { TRACK_KEYWORDS, type TrackRefDraft } from './track-refs.js'

export interface SyncGroupDraft {
  name: string
  at: SourceRef
  members: Array<{ name: string; at: SourceRef }>
  notify: NotifyScripts
  trackScripts: TrackRefDraft[]
  trackInterfaces: TrackRefDraft[]
  trackFiles: TrackRefDraft[]
}

export function newSyncGroup(name: string, at: SourceRef): SyncGroupDraft {
  return { name, at, members: [], notify: {}, trackScripts: [], trackInterfaces: [], trackFiles: [] }
}

function notify(field: keyof NotifyScripts): Handler<SyncGroupDraft> {
  return (n, g, ctx) => {
    const v = restOfLine(n, ctx)
    if (v !== undefined) g.notify[field] = v
  }
}

const IGNORED = ['track_process', 'track_bfd', 'smtp_alert', 'global_tracking', 'sync_group_tracking_weight', 'notify_priority_changes']

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
}
