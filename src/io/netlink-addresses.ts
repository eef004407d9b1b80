/**
 * Virtual addresses over rtnetlink in-process, as keepalived does: one
 * RTM_NEWADDR / RTM_DELADDR message per VIP on one NETLINK_ROUTE socket opened
 * with libc via koffi, instead of a `ip addr` child process per VIP. The
 * kernel handles the request inside sendto(2), so the ack is read at once and
 * the GARP that follows a VIP add is no longer behind a process spawn.
 * Same contract as src/io/address-manager.ts (which stays the fallback when
 * koffi or netlink is unavailable): idempotent, errors returned, never thrown.
 */
import type { Libc } from './libc.js'
import type { VipEntry } from '../config/model.js'
import { addressToBytes } from '../protocol/index.js'
import { createAddressManager } from './address-manager.js'
import { silentLog, type IoLog } from './io-log.js'
import type { AddressManager } from './ports.js'
import { NLMSG_HDRLEN, putU16, putU32, rtattr } from './netlink-encode.js'
import { createNetlinkChannel, type NetlinkChannel } from './netlink-channel.js'

type Outcome = { ok: true } | { ok: false; error: string }

const AF_INET = 2
const AF_INET6 = 10

const RTM_NEWADDR = 20
const RTM_DELADDR = 21
const NLM_F_REQUEST = 0x1
const NLM_F_ACK = 0x4
const NLM_F_EXCL = 0x200
const NLM_F_CREATE = 0x400

const IFA_ADDRESS = 1
const IFA_LOCAL = 2
const IFA_LABEL = 3
const IFA_BROADCAST = 4
const IFA_F_NODAD = 0x02

const EEXIST = 17
const ENODEV = 19
const EADDRNOTAVAIL = 99

/** sizeof(struct nlmsghdr), sizeof(struct ifaddrmsg) */
const IFADDRMSG_LEN = 8

/** rt_scope names as iproute2 knows them (lib/rt_names.c). */
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 }

/** A request ready to send, or why it cannot be built. */
export type BuiltRequest = { ok: true; bytes: Buffer } | { ok: false; error: string }

/** `scope X` as its number (RT_SCOPE_*), or undefined if it is neither a known name nor 0..255. */
export function scopeNumber(scope: string): number | undefined {
  if (scope in SCOPES) return SCOPES[scope]
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(scope)) return undefined
  const n = Number(scope)
  return n <= 255 ? n : undefined
}

/**
 * `brd X`, `brd +` or `brd -` as the IFA_BROADCAST bytes. As keepalived
 * (vrrp_ipaddress.c) and iproute2: `+` sets the host bits of the address, `-`
 * clears them, and only for prefixes up to /30 (a /31 or /32 has no broadcast:
 * null, no attribute). undefined: not an address.
 */
export function broadcastBytes(brd: string, local: Buffer, prefixLength: number): Buffer | null | undefined {
  if (brd !== '+' && brd !== '-') return addressToBytes(brd, 4) ?? undefined
  if (prefixLength > 30) return null
  const host = prefixLength === 0 ? 0xffffffff : (0xffffffff >>> prefixLength) >>> 0
  const addr = local.readUInt32BE(0)
  const out = Buffer.alloc(4)
  out.writeUInt32BE((brd === '+' ? addr | host : addr & ~host) >>> 0)
  return out
}

/**
 * The RTM_NEWADDR (`add`) or RTM_DELADDR (`remove`) message for a VIP, byte
 * for byte what iproute2 sends for the `ip addr add/del` of
 * src/io/address-manager.ts: struct nlmsghdr, struct ifaddrmsg, then IFA_LOCAL,
 * IFA_BROADCAST, IFA_LABEL, IFA_ADDRESS. Like iproute2, `brd` and `label` are
 * IPv4-only, IPv6 adds get IFA_F_NODAD, and an IPv4 add in 127/8 without
 * `scope` gets scope host. Header fields are in host byte order.
 */
export function buildAddressRequest(op: 'add' | 'remove', vip: VipEntry, ifindex: number, seq: number): BuiltRequest {
  const family = vip.family === 6 ? 6 : 4
  const local = addressToBytes(vip.address, family)
  if (!local) return { ok: false, error: `"${vip.address}" is not an IPv${family} address` }
  const maxPrefix = family === 4 ? 32 : 128
  if (!Number.isInteger(vip.prefixLength) || vip.prefixLength < 0 || vip.prefixLength > maxPrefix) {
    return { ok: false, error: `invalid prefix length ${vip.prefixLength} for ${vip.address}` }
  }
  let scope = 0
  if (vip.scope !== undefined) {
    const n = scopeNumber(vip.scope)
    if (n === undefined) return { ok: false, error: `unknown scope "${vip.scope}"` }
    scope = n
  } else if (op === 'add' && family === 4 && local[0] === 127) {
    scope = SCOPES.host!
  }

  const attrs: Buffer[] = [rtattr(IFA_LOCAL, local)]
  if (op === 'add' && family === 4 && vip.broadcast) {
    const brd = broadcastBytes(vip.broadcast, local, vip.prefixLength)
    if (brd === undefined) return { ok: false, error: `"${vip.broadcast}" is not an IPv4 broadcast address` }
    if (brd) attrs.push(rtattr(IFA_BROADCAST, brd))
  }
  if (op === 'add' && family === 4 && vip.label) {
    // IFNAMSIZ 16 including the NUL; the kernel refuses longer labels.
    if (Buffer.byteLength(vip.label) > 15) return { ok: false, error: `label "${vip.label}" is longer than 15 bytes` }
    attrs.push(rtattr(IFA_LABEL, Buffer.concat([Buffer.from(vip.label), Buffer.alloc(1)])))
  }
  attrs.push(rtattr(IFA_ADDRESS, local))

  const head = Buffer.alloc(NLMSG_HDRLEN + IFADDRMSG_LEN)
  const len = head.length + attrs.reduce((n, a) => n + a.length, 0)
  putU32(head, len, 0)
  putU16(head, op === 'add' ? RTM_NEWADDR : RTM_DELADDR, 4)
  putU16(head, op === 'add' ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE : NLM_F_REQUEST | NLM_F_ACK, 6)
  putU32(head, seq >>> 0, 8)
  putU32(head, 0, 12) // nlmsg_pid: 0, the kernel fills in the sender's port id
  head.writeUInt8(family === 4 ? AF_INET : AF_INET6, 16)
  head.writeUInt8(vip.prefixLength, 17)
  head.writeUInt8(op === 'add' && family === 6 ? IFA_F_NODAD : 0, 18)
  head.writeUInt8(scope, 19)
  putU32(head, ifindex, 20)
  return { ok: true, bytes: Buffer.concat([head, ...attrs]) }
}

/** An {@link AddressManager} that can also release its socket. */
export interface NetlinkAddressManager extends AddressManager {
  close(): void
}

/**
 * Creates the rtnetlink address manager. The socket is opened on first use,
 * or at once with `eager` (the daemon: loading koffi takes ~10 ms, which
 * would otherwise land on the first failover, between MASTER and its GARPs).
 * If koffi or the socket is unavailable, every call goes to `fallback` (the
 * `ip` version by default) and the reason is logged once. `has()` always uses
 * the fallback: it is not on the failover path.
 */
export function createNetlinkAddressManager(opts: { fallback?: AddressManager; log?: IoLog; eager?: boolean; channel?: NetlinkChannel } = {}): NetlinkAddressManager {
  const fallback = opts.fallback ?? createAddressManager()
  const log = opts.log ?? silentLog
  const channel = opts.channel ?? createNetlinkChannel()
  let broken: string | undefined

  /** The socket's libc, or undefined after logging (once) why the fallback takes over. */
  function open(): Libc | undefined {
    if (broken) return undefined
    const c = channel.open()
    if (typeof c !== 'string') return c
    broken = c
    log.warn({ error: broken }, `rtnetlink unavailable, using ip for VIPs: ${broken}`)
    return undefined
  }

  async function change(op: 'add' | 'remove', vip: VipEntry): Promise<Outcome> {
    const c = open()
    if (!c) return op === 'add' ? fallback.add(vip) : fallback.remove(vip)
    const ifindex = c.if_nametoindex(vip.dev)
    if (!ifindex) return op === 'remove' ? { ok: true } : { ok: false, error: `Cannot find device "${vip.dev}"` }
    const out = await channel.request((seq) => {
      const req = buildAddressRequest(op, vip, ifindex, seq)
      return req.ok ? req.bytes : req.error
    }, op === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR')
    if (out.ok) return out
    if (op === 'add' && out.errno === EEXIST) return { ok: true }
    if (op === 'remove' && (out.errno === EADDRNOTAVAIL || out.errno === ENODEV)) return { ok: true }
    // iproute2's wording, so the daemon logs what `ip` would have printed
    if (out.message) return { ok: false, error: `Error: ${out.message}${out.message.endsWith('.') ? '' : '.'}` }
    return { ok: false, error: out.error }
  }

  if (opts.eager) {
    try {
      open()
    } catch {
      // open() reports through `broken`; nothing here may throw
    }
  }

  const guarded = (op: 'add' | 'remove') => async (vip: VipEntry): Promise<Outcome> => {
    try {
      return await change(op, vip)
    } catch (error) {
      return { ok: false, error: `${op} ${vip.address}/${vip.prefixLength} dev ${vip.dev}: ${(error as Error).message}` }
    }
  }

  return {
    add: guarded('add'),
    remove: guarded('remove'),
    has: (vip) => fallback.has(vip),
    close: () => channel.close(),
  }
}
