/**
 * virtual_routes / static_routes and virtual_rules / static_rules over rtnetlink (RTM_NEWROUTE / RTM_DELROUTE), built as
 * keepalived's vrrp_iproute.c builds them: NLM_F_CREATE without NLM_F_EXCL (an
 * existing identical route is success), protocol keepalived (18) unless the
 * config says otherwise, scope universe unless given, RTA_TABLE for tables
 * above 255. Delete: scope nowhere and the same keys. Rules (RTM_NEWRULE) as
 * vrrp_iprule.c: NLM_F_CREATE | NLM_F_EXCL (an existing one is success here),
 * FRA_* attributes for what is set. Requests go through
 * src/io/netlink-channel.ts (netlink-addresses.ts's socket and ack parser).
 */
import type { RouteEntry, RuleEntry } from '../config/model.js'
import { addressToBytes } from '../protocol/index.js'
import { silentLog, type IoLog } from './io-log.js'
import { loadLibc, type Libc } from './libc.js'
import { createNetlinkChannel } from './netlink-channel.js'
import { NLMSG_HDRLEN, putU16, putU32, rtattr, u32attr } from './netlink-encode.js'

const AF_INET = 2
const AF_INET6 = 10
const ESRCH = 3
const ENODEV = 19
const RTM_NEWROUTE = 24
const RTM_DELROUTE = 25
const RTM_NEWRULE = 32
const RTM_DELRULE = 33
const NLM_F_EXCL = 0x200
const EEXIST = 17
const ENOENT = 2
const FRA_DST = 1
const FRA_SRC = 2
const FRA_IIFNAME = 3
const FRA_GOTO = 4
const FRA_PRIORITY = 6
const FRA_FWMARK = 10
const FRA_TABLE = 15
const FRA_FWMASK = 16
const FRA_OIFNAME = 17
const FRA_PROTOCOL = 21
const FIB_RULE_INVERT = 2
const FR_ACT_TO_TBL = 1
const FR_ACT_GOTO = 2
const FIB_RULE_HDR_LEN = 12
const NLM_F_REQUEST = 0x1
const NLM_F_ACK = 0x4
const NLM_F_CREATE = 0x400
const RTA_DST = 1
const RTA_OIF = 4
const RTA_GATEWAY = 5
const RTA_PRIORITY = 6
const RTA_PREFSRC = 7
const RTA_TABLE = 15
const RT_TABLE_UNSPEC = 0
const RT_SCOPE_UNIVERSE = 0
const RT_SCOPE_NOWHERE = 255
const RTNH_F_ONLINK = 4
const RTPROT_KEEPALIVED = 18
const RTMSG_LEN = 12

type Outcome = { ok: true } | { ok: false; error: string }

/** The RTM_NEWROUTE / RTM_DELROUTE message for `route`; `oif` is the index of its `dev` (0: none). */
export function buildRouteRequest(op: 'add' | 'remove', route: RouteEntry, oif: number, seq: number): Buffer {
  const family = route.family
  const attrs: Buffer[] = []
  const addr = (text: string): Buffer => {
    const bytes = addressToBytes(text, family)
    if (!bytes) throw new TypeError(`not an IPv${family} address: ${text}`)
    return bytes
  }
  if (route.prefixLength > 0 || route.destination !== (family === 4 ? '0.0.0.0' : '::')) attrs.push(rtattr(RTA_DST, addr(route.destination)))
  if (route.preferredSource) attrs.push(rtattr(RTA_PREFSRC, addr(route.preferredSource)))
  if (route.via) attrs.push(rtattr(RTA_GATEWAY, addr(route.via)))
  if (oif) attrs.push(u32attr(RTA_OIF, oif))
  if (route.metric !== undefined) attrs.push(u32attr(RTA_PRIORITY, route.metric))
  if (route.table > 255) attrs.push(u32attr(RTA_TABLE, route.table))
  const body = Buffer.concat(attrs)
  const msg = Buffer.alloc(NLMSG_HDRLEN + RTMSG_LEN + body.length)
  putU32(msg, msg.length, 0)
  putU16(msg, op === 'add' ? RTM_NEWROUTE : RTM_DELROUTE, 4)
  putU16(msg, NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE : 0), 6)
  putU32(msg, seq, 8)
  const r = NLMSG_HDRLEN
  msg[r] = family === 4 ? AF_INET : AF_INET6
  msg[r + 1] = route.prefixLength // rtm_dst_len
  msg[r + 2] = 0 // rtm_src_len
  msg[r + 3] = 0 // rtm_tos
  msg[r + 4] = route.table > 255 ? RT_TABLE_UNSPEC : route.table
  msg[r + 5] = route.protocol ?? RTPROT_KEEPALIVED
  msg[r + 6] = route.scope ?? (op === 'add' ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE)
  msg[r + 7] = route.type
  putU32(msg, route.onlink ? RTNH_F_ONLINK : 0, r + 8)
  body.copy(msg, NLMSG_HDRLEN + RTMSG_LEN)
  return msg
}

/** The RTM_NEWRULE / RTM_DELRULE message for `rule` (struct fib_rule_hdr + FRA_*). */
export function buildRuleRequest(op: 'add' | 'remove', rule: RuleEntry, seq: number): Buffer {
  const family = rule.family
  const attrs: Buffer[] = []
  const addr = (text: string): Buffer => {
    const bytes = addressToBytes(text, family)
    if (!bytes) throw new TypeError(`not an IPv${family} address: ${text}`)
    return bytes
  }
  const name = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8')
  const u8attr = (type: number, v: number): Buffer => rtattr(type, Buffer.from([v]))
  if (rule.from) attrs.push(rtattr(FRA_SRC, addr(rule.from.address)))
  if (rule.to) attrs.push(rtattr(FRA_DST, addr(rule.to.address)))
  attrs.push(u32attr(FRA_PRIORITY, rule.priority))
  if (rule.fwmark !== undefined) attrs.push(u32attr(FRA_FWMARK, rule.fwmark))
  if (rule.fwmask !== undefined) attrs.push(u32attr(FRA_FWMASK, rule.fwmask))
  if (rule.iif) attrs.push(rtattr(FRA_IIFNAME, name(rule.iif)))
  if (rule.oif) attrs.push(rtattr(FRA_OIFNAME, name(rule.oif)))
  if (rule.protocol !== undefined) attrs.push(u8attr(FRA_PROTOCOL, rule.protocol))
  if (rule.action === FR_ACT_TO_TBL && rule.table !== undefined && rule.table > 255) attrs.push(u32attr(FRA_TABLE, rule.table))
  if (rule.action === FR_ACT_GOTO && rule.gotoTarget !== undefined) attrs.push(u32attr(FRA_GOTO, rule.gotoTarget))
  const body = Buffer.concat(attrs)
  const msg = Buffer.alloc(NLMSG_HDRLEN + FIB_RULE_HDR_LEN + body.length)
  putU32(msg, msg.length, 0)
  putU16(msg, op === 'add' ? RTM_NEWRULE : RTM_DELRULE, 4)
  putU16(msg, NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0), 6)
  putU32(msg, seq, 8)
  const h = NLMSG_HDRLEN
  msg[h] = family === 4 ? AF_INET : AF_INET6
  msg[h + 1] = rule.to?.prefixLength ?? 0 // dst_len
  msg[h + 2] = rule.from?.prefixLength ?? 0 // src_len
  msg[h + 3] = 0 // tos
  msg[h + 4] = rule.action === FR_ACT_TO_TBL && rule.table !== undefined && rule.table <= 255 ? rule.table : RT_TABLE_UNSPEC
  msg[h + 7] = rule.action
  putU32(msg, rule.invert ? FIB_RULE_INVERT : 0, h + 8)
  body.copy(msg, NLMSG_HDRLEN + FIB_RULE_HDR_LEN)
  return msg
}

export interface RouteManager {
  add(route: RouteEntry): Promise<Outcome>
  remove(route: RouteEntry): Promise<Outcome>
  addRule(rule: RuleEntry): Promise<Outcome>
  removeRule(rule: RuleEntry): Promise<Outcome>
  close(): void
}

/** Creates the route manager; the netlink socket (src/io/netlink-channel.ts) is opened on first use. */
export function createRouteManager(opts: { log?: IoLog; libc?: Libc | Error } = {}): RouteManager {
  const log = opts.log ?? silentLog
  const channel = createNetlinkChannel(opts.libc ? { libc: opts.libc } : {})
  let ifindex: ((name: string) => number) | undefined

  /** if_nametoindex, or the reason libc is not there. */
  function indexer(): ((name: string) => number) | string {
    if (ifindex) return ifindex
    const c = opts.libc ?? loadLibc()
    if (c instanceof Error) return c.message
    ifindex = (name) => c.if_nametoindex(name)
    return ifindex
  }

  /** The kernel's answer, with the errnos that mean "already so" counted as success. */
  async function talk(build: (seq: number) => Buffer, fine: number[], what: string): Promise<Outcome> {
    const out = await channel.request(build)
    if (out.ok || fine.includes(out.errno)) return { ok: true }
    if (out.errno === 0) log.error({ error: out.error }, `cannot change ${what}: ${out.error}`)
    return { ok: false, error: out.error }
  }

  async function change(op: 'add' | 'remove', route: RouteEntry): Promise<Outcome> {
    const index = indexer()
    if (typeof index === 'string') {
      log.error({ error: index }, `cannot change routes: ${index}`)
      return { ok: false, error: index }
    }
    const oif = route.dev ? index(route.dev) : 0
    if (route.dev && !oif) return op === 'remove' ? { ok: true } : { ok: false, error: `Cannot find device "${route.dev}"` }
    // Already gone is success for a removal (the link went down and took it, or someone else did).
    return talk((seq) => buildRouteRequest(op, route, oif, seq), op === 'remove' ? [ESRCH, ENODEV] : [], 'routes')
  }

  async function changeRule(op: 'add' | 'remove', rule: RuleEntry): Promise<Outcome> {
    // An identical rule already there (a crash left it) is what we want; one already gone too.
    return talk((seq) => buildRuleRequest(op, rule, seq), op === 'add' ? [EEXIST] : [ENOENT], 'rules')
  }

  const guarded = <T>(fn: (op: 'add' | 'remove', entry: T) => Promise<Outcome>, op: 'add' | 'remove') => async (entry: T): Promise<Outcome> => {
    try {
      return await fn(op, entry)
    } catch (error) {
      return { ok: false, error: (error as Error).message }
    }
  }
  return {
    add: guarded(change, 'add'),
    remove: guarded(change, 'remove'),
    addRule: guarded(changeRule, 'add'),
    removeRule: guarded(changeRule, 'remove'),
    close: () => channel.close(),
  }
}
