/**
 * The nft scripts of the no_accept filter, pure: the same tables, chains, sets
 * and rules that keepalived 2.2.7 builds over netlink (vrrp/vrrp_nftables.c),
 * written as `nft -f -` input. Each script is one nft transaction.
 *
 *     table ip vrrpd  { set vips; chain in: ip daddr @vips drop; chain out: ip saddr @vips drop }
 *     table ip6 vrrpd { the same, Neighbour Discovery let through, link-local VIPs
 *                       matched with their interface (chains in_link_local / out_link_local) }
 */
import type { VipEntry } from '../config/model.js'

/** keepalived's default table name; vrrpd's own replaces it so the two never share a table. */
export const KEEPALIVED_TABLE = 'keepalived'
export const VRRPD_TABLE = 'vrrpd'

/** The table vrrpd uses for `nftables [NAME]` (undefined: none configured). */
export function vrrpdTableName(configured: string | undefined): string {
  return configured === undefined || configured === KEEPALIVED_TABLE ? VRRPD_TABLE : configured
}

/** A name nft takes bare (nft's identifier syntax); anything else would need quoting rules of its own. */
export function isPlainNftName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)
}

export interface FilterSettings {
  table: string
  /** Base chain hook priority (nftables_priority, keepalived's default -1). */
  priority: number
  /** nftables_counters: a counter in every rule. */
  counters: boolean
}

export type NftFamily = 'ip' | 'ip6'
/** The sets VIPs go in: global addresses, link-local ones keyed by ifindex or by interface name. */
export type VipSetName = 'vips' | 'vips_link_local' | 'vips_link_local_name'

/** Where one VIP goes: its table family, set and element text. */
export interface SetElement {
  family: NftFamily
  set: VipSetName
  element: string
}

export function isLinkLocal6(address: string): boolean {
  return /^fe[89ab][0-9a-f]?:/i.test(address)
}

/**
 * keepalived's choice of set (nft_update_ipv6_address): link-local VIPs are
 * keyed by interface name only with dont_track_primary and without
 * nftables_ifindex, else by interface index (nft resolves the quoted name).
 */
export function setElementFor(vip: VipEntry, opts: { dontTrackPrimary: boolean; ifindex: boolean }): SetElement {
  if (vip.family === 4) return { family: 'ip', set: 'vips', element: vip.address }
  if (!isLinkLocal6(vip.address)) return { family: 'ip6', set: 'vips', element: vip.address }
  const set: VipSetName = !opts.ifindex && opts.dontTrackPrimary ? 'vips_link_local_name' : 'vips_link_local'
  return { family: 'ip6', set, element: `${vip.address} . "${vip.dev}"` }
}

function chain(s: FilterSettings, family: NftFamily, name: 'in' | 'out'): string {
  const hook = name === 'in' ? 'input' : 'output'
  return `add chain ${family} ${s.table} ${name} { type filter hook ${hook} priority ${s.priority}; policy accept; }`
}

function rule(s: FilterSettings, family: NftFamily, chainName: string, match: string, verdict: string): string {
  return `add rule ${family} ${s.table} ${chainName} ${match}${s.counters ? ' counter' : ''} ${verdict}`
}

/** The table with its base chains, set `vips` and the drop rules (nft_setup_ipv4 / _ipv4_vips / _ipv6 / _ipv6_vips). */
export function tableScript(s: FilterSettings, family: NftFamily): string[] {
  const t = s.table
  if (family === 'ip') {
    return [
      `add table ip ${t}`,
      chain(s, 'ip', 'out'),
      chain(s, 'ip', 'in'),
      `add set ip ${t} vips { type ipv4_addr; }`,
      rule(s, 'ip', 'in', 'ip daddr @vips', 'drop'),
      rule(s, 'ip', 'out', 'ip saddr @vips', 'drop'),
    ]
  }
  return [
    `add table ip6 ${t}`,
    chain(s, 'ip6', 'out'),
    chain(s, 'ip6', 'in'),
    `add chain ip6 ${t} in_link_local`,
    `add chain ip6 ${t} out_link_local`,
    `add set ip6 ${t} vips { type ipv6_addr; }`,
    // A VIP must still answer Neighbour Solicitations and send Adverts without accept mode.
    `add set ip6 ${t} neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert }; }`,
    rule(s, 'ip6', 'in', 'icmpv6 type @neighbor-discovery', 'accept'),
    rule(s, 'ip6', 'in', 'ip6 daddr fe80::/10', 'goto in_link_local'),
    rule(s, 'ip6', 'out', 'icmpv6 type @neighbor-discovery', 'accept'),
    rule(s, 'ip6', 'out', 'ip6 saddr fe80::/10', 'goto out_link_local'),
    rule(s, 'ip6', 'in', 'ip6 daddr @vips', 'drop'),
    rule(s, 'ip6', 'out', 'ip6 saddr @vips', 'drop'),
  ]
}

/** A link-local set and its two rules, created on first use (setup_link_local_checks). */
export function linkLocalScript(s: FilterSettings, set: 'vips_link_local' | 'vips_link_local_name'): string[] {
  const byName = set === 'vips_link_local_name'
  return [
    `add set ip6 ${s.table} ${set} { type ipv6_addr . ${byName ? 'ifname' : 'iface_index'}; }`,
    rule(s, 'ip6', 'in_link_local', `ip6 daddr . ${byName ? 'iifname' : 'iif'} @${set}`, 'drop'),
    rule(s, 'ip6', 'out_link_local', `ip6 saddr . ${byName ? 'oifname' : 'oif'} @${set}`, 'drop'),
  ]
}

/** Adds or deletes elements, one statement per set. */
export function elementsScript(table: string, op: 'add' | 'delete', elements: SetElement[]): string[] {
  const bySet = new Map<string, string[]>()
  for (const e of elements) {
    const key = `${e.family} ${table} ${e.set}`
    bySet.set(key, [...(bySet.get(key) ?? []), e.element])
  }
  return [...bySet].map(([key, els]) => `${op} element ${key} { ${els.join(', ')} }`)
}

export function deleteTableScript(table: string, families: NftFamily[]): string[] {
  return families.map((f) => `delete table ${f} ${table}`)
}

/** The families that have a table named `table`, from `nft list tables` output. */
export function tablesNamed(listing: string, table: string): NftFamily[] {
  const out: NftFamily[] = []
  for (const line of listing.split('\n')) {
    const m = /^table (ip6?) (\S+)$/.exec(line.trim())
    if (m && m[2] === table) out.push(m[1] as NftFamily)
  }
  return out
}
