/**
 * One `virtual_rules` / `static_rules` line in keepalived's syntax
 * (keepalived.conf(5), vrrp_iprule.c alloc_rule), with keepalived's words:
 *
 *     [from PREFIX|all] [to PREFIX|all] [not] [table|lookup T] [preference|order|priority N]
 *     [fwmark N[/M]] [iif|dev IF] [oif IF] [protocol P] [no_track] [inet|inet6]
 *     [goto N | nop | blackhole | unreachable | prohibit] [type ACTION]
 *
 * A rule without a preference gets one counted down from 16384 per family, in
 * file order, with keepalived's warning. The rarer options (realms, tos,
 * suppress_*, uidrange, sport/dport, ipproto, tunnel-id, l3mdev, track_group)
 * are errors naming the option.
 */
import type { RuleEntry, SourceRef } from './model.js'
import { addressFamily, canonicalAddress } from '../protocol/index.js'
import type { DiagnosticSink } from './diagnostics.js'
import type { ParseContext } from './values.js'
import { RTPROT_KEEPALIVED } from './route.js'

const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 }
const PROTOCOLS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, keepalived: 18 }
/** FR_ACT_* */
export const FR_ACT = { toTable: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const
const RULE_START_PRIORITY = 16384
const UNSUPPORTED = new Set(['realms', 'tos', 'dsfield', 'suppress_prefixlength', 'sup_pl', 'suppress_ifgroup', 'sup_group', 'tunnel-id', 'uidrange', 'l3mdev', 'ipproto', 'sport', 'dport', 'track_group'])

/** keepalived's preference counters live for one config load: one per diagnostics sink. */
const nextPriority = new WeakMap<DiagnosticSink, { 4: number; 6: number }>()

function prefix(text: string): { address: string; prefixLength: number; family: 4 | 6 } | undefined | 'all' {
  if (text === 'all' || text === 'any' || text === 'default') return 'all'
  const [addr = '', len, extra] = text.split('/')
  const family = addressFamily(addr)
  if (extra !== undefined || family === 0) return undefined
  const max = family === 4 ? 32 : 128
  const prefixLength = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN
  if (!(prefixLength >= 0 && prefixLength <= max)) return undefined
  return { address: canonicalAddress(addr)!, prefixLength, family }
}

export function parseRule(words: string[], at: SourceRef, ctx: ParseContext): RuleEntry | undefined {
  const rule: Partial<RuleEntry> & { family?: 4 | 6 } = { invert: false, track: true, at, text: words.join(' ') }
  const err = (message: string): undefined => (ctx.sink.error(at, message), undefined)
  const setAction = (action: number): boolean => {
    if (rule.action !== undefined) {
      ctx.sink.error(at, 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule')
      return false
    }
    rule.action = action
    return true
  }
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!
    const next = (): string => words[++i] ?? ''
    if (w === 'inet' || w === 'inet6') {
      const f = w === 'inet' ? 4 : 6
      if (rule.family !== undefined && rule.family !== f) return err(`${w} specified for IPv${rule.family} rule`)
      rule.family = f
    } else if (w === 'from' || w === 'to') {
      const v = next()
      const p = prefix(v)
      if (!p) return err(`Invalid rule ${w} address ${v}`)
      if (p === 'all') continue
      if (rule.family !== undefined && rule.family !== p.family) return err('rule specification has mixed IPv4 and IPv6')
      rule.family = p.family
      if (w === 'from') rule.from = { address: p.address, prefixLength: p.prefixLength }
      else rule.to = { address: p.address, prefixLength: p.prefixLength }
    } else if (w === 'table' || w === 'lookup') {
      const v = next()
      const t = Object.hasOwn(TABLES, v) ? TABLES[v] : /^\d+$/.test(v) ? Number(v) : undefined
      if (t === undefined) return err(`Routing table ${v} not found for rule`)
      if (t === 0) return err('Table 0 is not valid')
      if (!setAction(FR_ACT.toTable)) return undefined
      rule.table = t
    } else if (w === 'not') {
      rule.invert = true
    } else if (w === 'preference' || w === 'order' || w === 'priority') {
      const v = next()
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return err(`Invalid rule preference ${v} specified`)
      rule.priority = Number(v)
    } else if (w === 'fwmark') {
      const v = next()
      const m = /^(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?$/i.exec(v)
      if (!m) return err(`Invalid rule fwmark ${v} specified`)
      rule.fwmark = Number(m[1])
      if (m[2] !== undefined) rule.fwmask = Number(m[2])
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      const v = next()
      if (!ctx.interfaceExists(v)) return err(`WARNING - interface ${v} for rule doesn't exist`)
      if (w === 'oif') rule.oif = v
      else rule.iif = v
    } else if (w === 'protocol') {
      const v = next()
      const p = Object.hasOwn(PROTOCOLS, v) ? PROTOCOLS[v] : /^\d+$/.test(v) && Number(v) <= 255 ? Number(v) : undefined
      if (p === undefined) return err(`Invalid protocol ${v}`)
      rule.protocol = p
    } else if (w === 'no_track') {
      rule.track = false
    } else if (UNSUPPORTED.has(w)) {
      return err(`rule option '${w}' is not supported by vrrpd; rule ignored`)
    } else {
      if (w === 'type') w = next()
      if (w === 'goto') {
        const v = next()
        if (!/^\d+$/.test(v)) return err(`Invalid target ${v} specified`)
        if (!setAction(FR_ACT.goto)) return undefined
        rule.gotoTarget = Number(v)
      } else if (w === 'nop' || w === 'blackhole' || w === 'unreachable' || w === 'prohibit') {
        if (!setAction(FR_ACT[w])) return undefined
      } else {
        return err(`Unknown rule option ${w}`)
      }
    }
  }
  if (rule.action === FR_ACT.goto) {
    if (rule.priority === undefined) return err(`Invalid rule - goto target ${rule.gotoTarget} specified without preference`)
    if (rule.priority >= rule.gotoTarget!) return err(`Invalid rule - preference ${rule.priority} >= goto target ${rule.gotoTarget}`)
  }
  if (rule.action === undefined) return err('No action specified for rule - ignoring')
  if (rule.track) {
    if (rule.protocol !== undefined && rule.protocol !== RTPROT_KEEPALIVED) {
      ctx.sink.error(at, `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`)
    }
    rule.protocol = RTPROT_KEEPALIVED
  }
  rule.family ??= 4
  if (rule.priority === undefined) {
    let counters = nextPriority.get(ctx.sink)
    if (!counters) nextPriority.set(ctx.sink, (counters = { 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY }))
    rule.priority = counters[rule.family]--
    ctx.sink.error(at, `Rule has no preference specified - setting to ${rule.priority}. This is probably not what you want.`)
  }
  return rule as RuleEntry
}
