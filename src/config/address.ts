/**
 * IP addresses and `virtual_ipaddress` entries:
 * `addr[/len] [brd X] [dev X] [scope X] [label X]`.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { IpFamily, VipEntry } from './model.js'
import type { Node } from './tree.js'
import type { ParseContext } from './values.js'

/** A parsed address in canonical text form, or undefined when malformed. */
export function parseIp(text: string): { address: string; family: IpFamily } | undefined {
  if (isIPv4(text)) return { address: text, family: 4 }
  if (isIPv6(text)) {
    // URL gives RFC 5952 compressed lower-case form.
    const canonical = new URL(`http://[${text.split('%')[0]}]/`).hostname.slice(1, -1)
    return { address: canonical, family: 6 }
  }
  return undefined
}

const SCOPES = new Set(['host', 'link', 'global', 'site', 'nowhere'])
/** Options keepalived accepts on an address that vrrpd does not act on. */
const IGNORED_FLAGS = new Set(['no_track', 'home', 'nodad', 'noprefixroute', 'autojoin', 'mngtmpaddr'])
const IGNORED_WITH_VALUE = new Set(['preferred_lft', 'track_group', 'peer'])

/**
 * One address entry (the node's keyword is the address). `dev` is '' when not
 * given: the instance's interface fills it in later.
 */
export function parseVipEntry(node: Node, ctx: ParseContext): VipEntry | undefined {
  const [addrText, lenText, ...more] = node.keyword.split('/')
  const ip = parseIp(addrText as string)
  const maxLen = ip?.family === 6 ? 128 : 32
  const len = lenText === undefined ? maxLen : /^\d+$/.test(lenText) ? Number(lenText) : NaN
  if (!ip || more.length > 0 || Number.isNaN(len) || len > maxLen) {
    ctx.sink.error(node.at, `malformed address '${node.keyword}'`)
    return undefined
  }
  const entry: VipEntry = { address: ip.address, family: ip.family, prefixLength: len, dev: '', at: node.at }
  for (let i = 0; i < node.args.length; i++) {
    const opt = node.args[i]?.text as string
    const value = node.args[i + 1]?.text
    if (IGNORED_FLAGS.has(opt)) {
      ctx.sink.warning(node.at, `address option '${opt}' is not supported by vrrpd and is ignored`)
      continue
    }
    if (value === undefined) {
      ctx.sink.fatal(node.at, `address option '${opt}' of ${node.keyword} needs a value (keepalived stops reading the config here)`)
      break
    }
    i++
    switch (opt) {
      case 'brd':
      case 'broadcast':
        if (value !== '+' && value !== '-' && !parseIp(value)) ctx.sink.error(node.at, `malformed broadcast address '${value}'`)
        else entry.broadcast = value
        break
      case 'dev':
        entry.dev = value
        break
      case 'scope':
        if (!SCOPES.has(value) && !/^\d+$/.test(value)) ctx.sink.error(node.at, `unknown scope '${value}'`)
        else entry.scope = value
        break
      case 'label':
        entry.label = value
        break
      default:
        if (IGNORED_WITH_VALUE.has(opt)) ctx.sink.warning(node.at, `address option '${opt}' is not supported by vrrpd and is ignored`)
        else ctx.sink.warning(node.at, `unknown address option '${opt}' ignored`)
    }
  }
  return entry
}

/** Parses each line of an address block. */
export function parseVipBlock(node: Node, ctx: ParseContext): VipEntry[] {
  const out: VipEntry[] = []
  for (const child of node.children ?? []) {
    const e = parseVipEntry(child, ctx)
    if (e) out.push(e)
  }
  // keepalived also takes a single address on the keyword's own line.
  if (!node.children && node.args.length > 0) ctx.sink.error(node.at, `${node.keyword} needs a { ... } block`)
  return out
}
