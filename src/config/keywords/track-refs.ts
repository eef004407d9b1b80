/**
 * `track_script`, `track_interface`, `track_file` blocks inside an instance or a
 * sync group: one name a line, optionally `weight N [reverse]`. The referenced
 * object's own weight is filled in once every block has been read.
 */
import type { SourceRef } from '../model.js'
import type { Node } from '../tree.js'
import type { KeywordTable, ParseContext } from '../values.js'

/** A track entry before resolution; `weight` undefined = take the object's weight. */
export interface TrackRefDraft {
  name: string
  weight?: number
  reverse: boolean
  at: SourceRef
}

/** Parses `weight N [reverse]` starting at args[i]; reports errors on the node. */
export function parseWeight(node: Node, ctx: ParseContext, i: number): { weight: number; reverse: boolean } | undefined {
  const text = node.args[i]?.text
  if (text === undefined || !/^[+-]?\d+$/.test(text) || Math.abs(Number(text)) > 253) {
    const owner = node.keyword === 'weight' ? '' : ` for ${node.keyword}`
    ctx.sink.error(node.at, `invalid weight '${text ?? ''}'${owner}: expected an integer in -253..253`)
    return undefined
  }
  const opt = node.args[i + 1]?.text
  if (opt !== undefined && opt !== 'reverse') {
    ctx.sink.warning(node.at, `unknown weight option '${opt}' for ${node.keyword} ignored`)
  }
  return { weight: Number(text), reverse: opt === 'reverse' }
}

/** Parses the entries of a track_* block. */
export function parseTrackBlock(node: Node, ctx: ParseContext): TrackRefDraft[] {
  if (!node.children) {
    ctx.sink.error(node.at, `${node.keyword} needs a { ... } block`)
    return []
  }
  const out: TrackRefDraft[] = []
  for (const entry of node.children) {
    const ref: TrackRefDraft = { name: entry.keyword, reverse: false, at: entry.at }
    if (entry.args.length > 0) {
      if (entry.args[0]?.text !== 'weight') {
        ctx.sink.warning(entry.at, `unknown option '${entry.args[0]?.text}' for tracked '${entry.keyword}' ignored`)
      } else {
        const w = parseWeight(entry, ctx, 1)
        if (!w) continue
        ref.weight = w.weight
        ref.reverse = w.reverse
      }
    }
    out.push(ref)
  }
  return out
}

/** What tracks objects: a vrrp_instance or a vrrp_sync_group. */
export interface Tracker {
  trackScripts: TrackRefDraft[]
  trackInterfaces: TrackRefDraft[]
  trackFiles: TrackRefDraft[]
}

/** track_script / track_interface / track_file: the same blocks in instances and sync groups. */
export const TRACK_KEYWORDS: KeywordTable<Tracker> = {
  track_script: (n, d, ctx) => {
    d.trackScripts = parseTrackBlock(n, ctx)
  },
  track_interface: (n, d, ctx) => {
    d.trackInterfaces = parseTrackBlock(n, ctx)
  },
  track_file: (n, d, ctx) => {
    d.trackFiles = parseTrackBlock(n, ctx)
  },
}
