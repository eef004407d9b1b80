/**
 * rtnetlink link and address messages (RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR)
 * read into a table of interfaces, and the dump requests that fill it. Pure: the
 * socket is src/io/rtnetlink-monitor.ts. Never throws on odd input: a message
 * that cannot be read is skipped.
 */
import { endianness } from 'node:os'
import { bytesToAddress } from '../protocol/index.js'
import type { InterfaceAddress, InterfaceInfo } from './ports.js'

const LE = endianness() === 'LE'

export const NLMSG_ERROR = 2
export const NLMSG_DONE = 3
export const RTM_NEWLINK = 16
export const RTM_DELLINK = 17
export const RTM_GETLINK = 18
export const RTM_NEWADDR = 20
export const RTM_DELADDR = 21
export const RTM_GETADDR = 22
const NLM_F_REQUEST = 0x1
const NLM_F_DUMP = 0x300

/** Multicast groups as bind(2) bits (linux/rtnetlink.h RTMGRP_*). */
export const RTMGRP_LINK = 0x1
export const RTMGRP_IPV4_IFADDR = 0x10
export const RTMGRP_IPV6_IFADDR = 0x100

const AF_INET = 2
const AF_INET6 = 10
const NLMSG_HDRLEN = 16
const IFINFOMSG_LEN = 16
const IFADDRMSG_LEN = 8

const IFLA_ADDRESS = 1
const IFLA_IFNAME = 3
const IFLA_OPERSTATE = 16
const IFA_ADDRESS = 1
const IFA_LOCAL = 2
const IFA_FLAGS = 8
/** IPv4 only: for IPv6 the same bit means temporary (`ip` shows no secondary there). */
const IFA_F_SECONDARY = 0x01

const IFF_UP = 0x1
const IFF_RUNNING = 0x40
/** IF_OPER_UNKNOWN, IF_OPER_UP: what `ip` shows as UNKNOWN and UP. */
const OPER_UP = new Set([0, 6])

function u16(b: Buffer, at: number): number {
  return LE ? b.readUInt16LE(at) : b.readUInt16BE(at)
}
function u32(b: Buffer, at: number): number {
  return LE ? b.readUInt32LE(at) : b.readUInt32BE(at)
}
function align4(n: number): number {
  return (n + 3) & ~3
}

/** One link as the kernel last described it. */
export interface LinkRecord {
  index: number
  name: string
  mac: string
  flags: number
  operstate: number
}

/** An address keyed by ifindex, as the kernel last described it. */
interface AddressRecord extends InterfaceAddress {
  index: number
}

/** What a batch of messages changed, by interface name (old and new names both). */
export interface TableChange {
  names: Set<string>
  /** An RTM_DELADDR seen for one of these addresses, per interface name. */
  removed: Array<{ name: string; address: string }>
}

/** Attributes of one message: type -> payload (the last one wins, as the kernel sends each once). */
function attributes(b: Buffer, from: number, to: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  let at = from
  while (at + 4 <= to) {
    const len = u16(b, at)
    if (len < 4 || at + len > to) break
    out.set(u16(b, at + 2) & 0x3fff, b.subarray(at + 4, at + len))
    at += align4(len)
  }
  return out
}

function macOf(raw: Buffer | undefined): string {
  if (!raw || raw.length !== 6) return '00:00:00:00:00:00'
  return [...raw].map((x) => x.toString(16).padStart(2, '0')).join(':')
}

/**
 * The interfaces of the host, kept from a dump and then from events. `apply`
 * reads one datagram and says which interface names it touched.
 */
export class LinkTable {
  readonly #links = new Map<number, LinkRecord>()
  #addresses: AddressRecord[] = []

  clear(): void {
    this.#links.clear()
    this.#addresses = []
  }

  /** The interface called `name` now, with its addresses, as the port describes it. */
  get(name: string): InterfaceInfo | undefined {
    for (const link of this.#links.values()) {
      if (link.name !== name) continue
      return {
        name,
        index: link.index,
        mac: link.mac,
        up: (link.flags & IFF_UP) !== 0 && (link.flags & IFF_RUNNING) !== 0 && OPER_UP.has(link.operstate),
        addresses: this.#addresses.filter((a) => a.index === link.index).map(({ index: _i, ...a }) => a),
      }
    }
    return undefined
  }

  /** Applies every link/address message in `buf`; other messages are ignored. */
  apply(buf: Buffer, change: TableChange = { names: new Set(), removed: [] }): TableChange {
    let at = 0
    while (at + NLMSG_HDRLEN <= buf.length) {
      const len = u32(buf, at)
      if (len < NLMSG_HDRLEN || at + len > buf.length) break
      const type = u16(buf, at + 4)
      const body = at + NLMSG_HDRLEN
      const end = at + len
      if ((type === RTM_NEWLINK || type === RTM_DELLINK) && body + IFINFOMSG_LEN <= end) this.#link(buf, type, body, end, change)
      else if ((type === RTM_NEWADDR || type === RTM_DELADDR) && body + IFADDRMSG_LEN <= end) this.#address(buf, type, body, end, change)
      at += align4(len)
    }
    return change
  }

  #link(b: Buffer, type: number, body: number, end: number, change: TableChange): void {
    const index = LE ? b.readInt32LE(body + 4) : b.readInt32BE(body + 4)
    const flags = u32(b, body + 8)
    const attrs = attributes(b, body + IFINFOMSG_LEN, end)
    const old = this.#links.get(index)
    if (old) change.names.add(old.name)
    if (type === RTM_DELLINK) {
      this.#links.delete(index)
      this.#addresses = this.#addresses.filter((a) => a.index !== index)
      return
    }
    const rawName = attrs.get(IFLA_IFNAME)
    const name = rawName ? rawName.toString('utf8').replace(/\0.*$/s, '') : old?.name
    if (!name) return
    const oper = attrs.get(IFLA_OPERSTATE)
    this.#links.set(index, {
      index,
      name,
      mac: attrs.has(IFLA_ADDRESS) ? macOf(attrs.get(IFLA_ADDRESS)) : (old?.mac ?? '00:00:00:00:00:00'),
      flags,
      operstate: oper && oper.length >= 1 ? oper[0]! : (old?.operstate ?? 0),
    })
    change.names.add(name)
  }

  #address(b: Buffer, type: number, body: number, end: number, change: TableChange): void {
    const familyCode = b[body]!
    const family = familyCode === AF_INET ? 4 : familyCode === AF_INET6 ? 6 : undefined
    if (!family) return
    const prefixLength = b[body + 1]!
    const index = u32(b, body + 4)
    const attrs = attributes(b, body + IFADDRMSG_LEN, end)
    const raw = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS)
    if (!raw || raw.length !== (family === 4 ? 4 : 16)) return
    const flagsAttr = attrs.get(IFA_FLAGS)
    const flags = flagsAttr && flagsAttr.length >= 4 ? u32(flagsAttr, 0) : b[body + 2]!
    const address = bytesToAddress(raw, family)
    const same = (a: AddressRecord) => a.index === index && a.family === family && a.address === address && a.prefixLength === prefixLength
    this.#addresses = this.#addresses.filter((a) => !same(a))
    const name = this.#links.get(index)?.name
    if (name) change.names.add(name)
    if (type === RTM_DELADDR) {
      if (name) change.removed.push({ name, address })
      return
    }
    this.#addresses.push({ index, family, address, prefixLength, primary: family === 6 || (flags & IFA_F_SECONDARY) === 0 })
  }
}

/** The sequence number of each NLMSG_DONE / NLMSG_ERROR in `buf` (the end of a dump or its refusal). */
export function dumpEnds(buf: Buffer): number[] {
  const seqs: number[] = []
  let at = 0
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = u32(buf, at)
    if (len < NLMSG_HDRLEN || at + len > buf.length) break
    const type = u16(buf, at + 4)
    if (type === NLMSG_DONE || type === NLMSG_ERROR) seqs.push(u32(buf, at + 8))
    at += align4(len)
  }
  return seqs
}

/** An RTM_GETLINK or RTM_GETADDR dump request for every family. */
export function dumpRequest(type: typeof RTM_GETLINK | typeof RTM_GETADDR, seq: number): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + (type === RTM_GETLINK ? IFINFOMSG_LEN : IFADDRMSG_LEN))
  const w16 = (v: number, at: number) => (LE ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at))
  const w32 = (v: number, at: number) => (LE ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at))
  w32(b.length, 0)
  w16(type, 4)
  w16(NLM_F_REQUEST | NLM_F_DUMP, 6)
  w32(seq >>> 0, 8)
  return b
}
