/**
 * The VMAC interface of a `use_vmac` instance: a macvlan in private mode on
 * the instance's interface, carrying 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID
 * for IPv6), made over rtnetlink as keepalived's vrrp_vmac.c makes it:
 * RTM_NEWLINK with IFLA_LINKINFO {kind macvlan, IFLA_MACVLAN_MODE private},
 * IFLA_LINK, IFLA_IFNAME and IFLA_ADDRESS; then IPv6 address generation off
 * (IFLA_INET6_ADDR_GEN_MODE none: no EUI-64 link-local from the shared MAC)
 * and the link up. A macvlan left by an earlier run is reused when it already
 * is what we want, updated in place when its MAC or mode is wrong, and
 * deleted first when it sits on another interface. Builders are pure; the
 * manager talks through src/io/netlink-channel.ts. Inspection (what an
 * existing interface is) reads `ip -j -d link show`, off the failover path.
 */
import { runIp, type IpRunner } from './ip-command.js'
import { createNetlinkChannel, type NetlinkChannel, type NetlinkOutcome } from './netlink-channel.js'
import { NLMSG_HDRLEN, putI32, putU16, putU32, rtattr, u32attr } from './netlink-encode.js'

const RTM_NEWLINK = 16
const RTM_DELLINK = 17
const NLM_F_REQUEST = 0x1
const NLM_F_ACK = 0x4
const NLM_F_EXCL = 0x200
const NLM_F_CREATE = 0x400
const AF_UNSPEC = 0
const AF_INET6 = 10
const IFF_UP = 0x1
const IFLA_ADDRESS = 1
const IFLA_IFNAME = 3
const IFLA_LINK = 5
const IFLA_LINKINFO = 18
const IFLA_AF_SPEC = 26
const IFLA_INFO_KIND = 1
const IFLA_INFO_DATA = 2
const IFLA_MACVLAN_MODE = 1
const IFLA_INET6_ADDR_GEN_MODE = 8
const IN6_ADDR_GEN_MODE_NONE = 1
/** linux/if_link.h MACVLAN_MODE_PRIVATE */
export const MACVLAN_MODE_PRIVATE = 1
const IFINFOMSG_LEN = 16
const ENODEV = 19

/** nlmsghdr + ifinfomsg (index, flags, change) + attributes. */
function linkMessage(type: number, flags: number, seq: number, ifi: { index?: number; flags?: number; change?: number }, attrs: Buffer[]): Buffer {
  const body = Buffer.concat(attrs)
  const msg = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN + body.length)
  putU32(msg, msg.length, 0)
  putU16(msg, type, 4)
  putU16(msg, flags, 6)
  putU32(msg, seq, 8)
  msg[NLMSG_HDRLEN] = AF_UNSPEC
  putI32(msg, ifi.index ?? 0, NLMSG_HDRLEN + 4)
  putU32(msg, ifi.flags ?? 0, NLMSG_HDRLEN + 8)
  putU32(msg, ifi.change ?? 0, NLMSG_HDRLEN + 12)
  body.copy(msg, NLMSG_HDRLEN + IFINFOMSG_LEN)
  return msg
}

/** `aa:bb:cc:dd:ee:ff` as 6 bytes. */
export function macBytes(mac: string): Buffer {
  const parts = mac.split(':')
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) throw new TypeError(`not a MAC address: ${mac}`)
  return Buffer.from(parts.map((p) => parseInt(p, 16)))
}

/**
 * RTM_NEWLINK creating the macvlan `name` on ifindex `link` with `mac` in
 * private mode (NLM_F_CREATE | NLM_F_EXCL), or, with `update`, changing the
 * MAC and mode of the existing macvlan of that index in place.
 */
export function buildMacvlanRequest(o: { name: string; link: number; mac: string; update?: number }, seq: number): Buffer {
  const data = rtattr(IFLA_INFO_DATA, u32attr(IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE))
  const linkinfo = rtattr(IFLA_LINKINFO, Buffer.concat([rtattr(IFLA_INFO_KIND, Buffer.from('macvlan')), data]))
  const attrs = [linkinfo]
  if (o.update === undefined) {
    attrs.push(u32attr(IFLA_LINK, o.link))
    attrs.push(rtattr(IFLA_IFNAME, Buffer.from(`${o.name}\0`)))
  }
  attrs.push(rtattr(IFLA_ADDRESS, macBytes(o.mac)))
  const flags = NLM_F_REQUEST | NLM_F_ACK | (o.update === undefined ? NLM_F_CREATE | NLM_F_EXCL : 0)
  return linkMessage(RTM_NEWLINK, flags, seq, { index: o.update ?? 0 }, attrs)
}

/** RTM_NEWLINK setting IFLA_INET6_ADDR_GEN_MODE none (before the link goes up, so no EUI-64 address appears). */
export function buildAddrGenModeNoneRequest(index: number, seq: number): Buffer {
  const inet6 = rtattr(AF_INET6, rtattr(IFLA_INET6_ADDR_GEN_MODE, Buffer.from([IN6_ADDR_GEN_MODE_NONE])))
  return linkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, { index }, [rtattr(IFLA_AF_SPEC, inet6)])
}

/** RTM_NEWLINK setting IFF_UP. */
export function buildLinkUpRequest(index: number, seq: number): Buffer {
  return linkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, { index, flags: IFF_UP, change: IFF_UP }, [])
}

/** RTM_DELLINK of ifindex `index`. */
export function buildDelLinkRequest(index: number, seq: number): Buffer {
  return linkMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, { index }, [])
}

/** What an existing interface is, as far as a VMAC cares. */
export interface LinkFacts {
  name: string
  index: number
  mac: string
  /** `ether`, `loopback`, `none`... (iproute2's link_type). */
  linkType: string
  /** linkinfo's kind: `macvlan`, `bond`, `vlan`, `dummy`...; undefined for a plain NIC. */
  kind?: string
  /** macvlan: `private`, `bridge`...; bond: `balance-alb`, `active-backup`... */
  mode?: string
  /** The lower interface's name (a macvlan's parent), when in this namespace. */
  lower?: string
}

/** Reads `ip -j -d link show` output into {@link LinkFacts}; undefined when there is no such link. */
export function parseLinkFacts(text: string): LinkFacts | undefined {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  const l = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined
  if (!l || typeof l.ifname !== 'string' || typeof l.ifindex !== 'number') return undefined
  const info = (l.linkinfo ?? {}) as { info_kind?: unknown; info_data?: { mode?: unknown } }
  const facts: LinkFacts = {
    name: l.ifname,
    index: l.ifindex,
    mac: typeof l.address === 'string' ? l.address.toLowerCase() : '',
    linkType: typeof l.link_type === 'string' ? l.link_type : 'ether',
  }
  if (typeof info.info_kind === 'string') facts.kind = info.info_kind
  if (typeof info.info_data?.mode === 'string') facts.mode = info.info_data.mode
  if (typeof l.link === 'string') facts.lower = l.link
  return facts
}

/** The outcome of {@link VmacLinks.ensure}. */
export type EnsureOutcome =
  | { ok: true; index: number; how: 'created' | 'reused' | 'updated' | 'recreated' }
  | { ok: false; error: string }

export interface VmacLinks {
  /** What `name` is now, or undefined if there is no such interface. */
  inspect(name: string): Promise<LinkFacts | undefined>
  /** Makes `name` a private macvlan on `base` with `mac`, up and without IPv6 address generation. */
  ensure(o: { name: string; base: string; mac: string }): Promise<EnsureOutcome>
  /** Deletes the interface `name`; already gone is success. */
  remove(name: string): Promise<{ ok: true } | { ok: false; error: string }>
  close(): void
}

export function createVmacLinks(opts: { channel?: NetlinkChannel; ip?: IpRunner } = {}): VmacLinks {
  const channel = opts.channel ?? createNetlinkChannel()
  const ip = opts.ip ?? ((args: string[]) => runIp(args))

  async function inspect(name: string): Promise<LinkFacts | undefined> {
    const r = await ip(['-j', '-d', 'link', 'show', 'dev', name])
    return r.ok ? parseLinkFacts(r.stdout) : undefined
  }

  const fail = (o: NetlinkOutcome, what: string): { ok: false; error: string } => ({ ok: false, error: `${what}: ${o.ok ? '' : o.error}` })

  async function ensure(o: { name: string; base: string; mac: string }): Promise<EnsureOutcome> {
    const base = await inspect(o.base)
    if (!base) return { ok: false, error: `Cannot find device "${o.base}"` }
    // A macvlan on a macvlan lands on the parent (the kernel's rule), so that is where ours must be.
    const parent = base.kind === 'macvlan' || base.kind === 'macvtap' ? (base.lower ?? base.name) : base.name
    let existing = await inspect(o.name)
    let how: 'created' | 'reused' | 'updated' | 'recreated' = 'created'
    if (existing) {
      if (existing.kind !== 'macvlan') return { ok: false, error: `${o.name} exists and is not a macvlan` }
      if (existing.lower !== parent) {
        const del = await channel.request((seq) => buildDelLinkRequest(existing!.index, seq))
        if (!del.ok && del.errno !== ENODEV) return fail(del, `cannot remove ${o.name}`)
        existing = undefined
        how = 'recreated'
      } else if (existing.mac !== o.mac.toLowerCase() || existing.mode !== 'private') {
        const upd = await channel.request((seq) => buildMacvlanRequest({ name: o.name, link: base.index, mac: o.mac, update: existing!.index }, seq))
        if (!upd.ok) return fail(upd, `cannot update ${o.name}`)
        how = 'updated'
      } else how = 'reused'
    }
    if (!existing) {
      const made = await channel.request((seq) => buildMacvlanRequest({ name: o.name, link: base.index, mac: o.mac }, seq))
      if (!made.ok) return fail(made, `cannot create ${o.name}`)
    }
    const now = await inspect(o.name)
    if (!now) return { ok: false, error: `${o.name} vanished after it was made` }
    const gen = await channel.request((seq) => buildAddrGenModeNoneRequest(now.index, seq))
    if (!gen.ok) return fail(gen, `cannot set addrgenmode none on ${o.name}`)
    const up = await channel.request((seq) => buildLinkUpRequest(now.index, seq))
    if (!up.ok) return fail(up, `cannot set ${o.name} up`)
    return { ok: true, index: now.index, how }
  }

  async function remove(name: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const facts = await inspect(name)
    if (!facts) return { ok: true }
    const del = await channel.request((seq) => buildDelLinkRequest(facts.index, seq))
    if (del.ok || del.errno === ENODEV) return { ok: true }
    return { ok: false, error: del.error }
  }

  return { inspect, ensure, remove, close: () => channel.close() }
}
