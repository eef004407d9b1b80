/**
 * One `virtual_routes` line in keepalived's syntax (keepalived.conf(5),
 * vrrp_iproute.c alloc_route), to a typed route, with keepalived's words for
 * what is wrong. A line with an error is dropped (keepalived does the same).
 *
 *     [src IP] [to] [TYPE] DEST[/LEN] [via|gw IP] [dev|oif IF] [table T] [metric N]
 *     [scope S] [protocol P] [onlink] [no_track] [inet|inet6]
 *
 * The rarer options (nexthop, or, mtu and the other metrics, encap, realms, vrf,
 * tos, from, pref, ...) are errors naming the option: vrrpd does not install them.
 */
import type { RouteEntry, SourceRef } from './model.js'
import { addressFamily, canonicalAddress } from '../protocol/index.js'
import type { ParseContext } from './values.js'

/** /etc/iproute2/rt_tables' fixed names. */
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 }
/** /etc/iproute2/rt_protos (keepalived's own is 18). */
const PROTOCOLS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192 }
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 }
/** Route types (RTN_*) that may lead the destination. */
const TYPES: Record<string, number> = { unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10 }
export const RTPROT_KEEPALIVED = 18
const UNSUPPORTED = new Set([
  'nexthop', 'or', 'mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'realms', 'rto_min',
  'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'ttl-propagate', 'fastopen_no_cookie', 'encap', 'as', 'vrf',
  'tos', 'dsfield', 'from', 'expires', 'track_group', 'add', 'append', 'prepend', 'lock',
])

function numberOrName(text: string, names: Record<string, number>, max: number): number | undefined {
  if (Object.hasOwn(names, text)) return names[text]
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined
  const n = Number(text)
  return n <= max ? n : undefined
}

/** `addr[/len]` or `default`, canonical, with the family. */
function parseDestination(text: string): { address: string; prefixLength: number; family: 4 | 6 } | undefined {
  if (text === 'default') return { address: '0.0.0.0', prefixLength: 0, family: 4 }
  const [addr = '', len, extra] = text.split('/')
  if (extra !== undefined) return undefined
  const family = addressFamily(addr)
  if (family === 0) return undefined
  const max = family === 4 ? 32 : 128
  const prefixLength = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN
  if (!(prefixLength >= 0 && prefixLength <= max)) return undefined
  return { address: canonicalAddress(addr)!, prefixLength, family }
}

/** Parses one route line (already split in words). Errors and warnings go to `ctx.sink`. */
export function parseRoute(words: string[], at: SourceRef, ctx: ParseContext): RouteEntry | undefined {
  const route: Partial<RouteEntry> & { family?: 4 | 6 } = { table: TABLES.main!, type: TYPES.unicast!, track: true, onlink: false, at, text: words.join(' ') }
  const err = (message: string): undefined => (ctx.sink.error(at, message), undefined)
  let written = ''
  const setFamily = (family: 4 | 6, what?: string): boolean => {
    if (route.family === undefined || route.family === family) {
      route.family = family
      return true
    }
    ctx.sink.error(at, `Cannot mix IPv4 and IPv6 addresses for route${what ? ` (${what})` : ''}`)
    return false
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    const next = (): string => words[++i] ?? ''
    if (w === 'inet' || w === 'inet6') {
      const f = w === 'inet' ? 4 : 6
      if (route.family !== undefined && route.family !== f) return err(`${w} specified for IPv${route.family} route`)
      route.family = f
    } else if (w === 'src') {
      const v = next()
      const f = addressFamily(v)
      if (f === 0) return err(`invalid route src address ${v}`)
      if (!setFamily(f)) return undefined
      route.preferredSource = canonicalAddress(v)!
    } else if (w === 'via' || w === 'gw') {
      if (w === 'gw') ctx.sink.error(at, '"gw" for routes is deprecated. Please use "via"')
      const v = next()
      const f = addressFamily(v)
      if (f === 0) return err(`invalid route via address ${v}`)
      if (!setFamily(f)) return undefined
      route.via = canonicalAddress(v)!
    } else if (w === 'dev' || w === 'oif') {
      const v = next()
      if (!ctx.interfaceExists(v)) return err(`WARNING - interface ${v} for VROUTE nexthop doesn't exist`)
      route.dev = v
    } else if (w === 'table') {
      const v = next()
      const t = numberOrName(v, TABLES, 0xffffffff)
      if (t === undefined) return err(`Routing table ${v} not found for route`)
      route.table = t
    } else if (w === 'protocol') {
      const v = next()
      const p = numberOrName(v, PROTOCOLS, 255)
      if (p === undefined) return err(`Protocol ${v} not found or invalid for route`)
      route.protocol = p
    } else if (w === 'scope') {
      const v = next()
      const s = numberOrName(v, SCOPES, 255)
      if (s === undefined) return err(`Scope ${v} not found or invalid for route`)
      route.scope = s
    } else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const v = next()
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return err(`Invalid metric ${v} specified for route`)
      route.metric = Number(v)
    } else if (w === 'onlink') {
      route.onlink = true
    } else if (w === 'no_track') {
      route.track = false
    } else if (UNSUPPORTED.has(w)) {
      return err(`route option '${w}' is not supported by vrrpd; route ignored`)
    } else {
      let word = w
      if (word === 'to') word = next()
      if (Object.hasOwn(TYPES, word)) {
        route.type = TYPES[word]
        word = next()
      }
      const dest = parseDestination(word)
      if (!dest) return err(`unknown route keyword ${word}`)
      if (!setFamily(dest.family, word)) return undefined
      written = word
      route.destination = dest.address
      route.prefixLength = dest.prefixLength
    }
  }
  if (route.destination === undefined) return err('Route must have a destination')
  if (route.track) {
    if (route.protocol !== undefined && route.protocol !== RTPROT_KEEPALIVED) {
      ctx.sink.error(at, `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`)
    }
    route.protocol = RTPROT_KEEPALIVED
    if (!route.dev) {
      ctx.sink.error(at, `Warning - cannot track route ${written} with no interface specified, not tracking`)
      route.track = false
    }
  }
  route.family ??= 4
  return route as RouteEntry
}
