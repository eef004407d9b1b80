/**
 * Reading `ip -j addr show` (iproute2 JSON output) into {@link InterfaceInfo}.
 * Pure: the caller runs the command. Never throws on odd input: what cannot be
 * read is left out.
 */
import type { InterfaceAddress, InterfaceInfo } from './ports.js'

/** Operational states that count as up: UNKNOWN is what drivers without carrier reporting (lo, tun, some NICs) say. */
const UP_OPERSTATES = new Set(['UP', 'UNKNOWN'])

/**
 * Whether a link is usable: administratively up (IFF_UP), with carrier, and an
 * operstate of UP or UNKNOWN (DOWN, LOWERLAYERDOWN, DORMANT, NOTPRESENT... are down).
 */
export function isLinkUp(flags: readonly string[], operstate: string | undefined): boolean {
  if (!flags.includes('UP')) return false
  if (flags.includes('NO-CARRIER')) return false
  return UP_OPERSTATES.has((operstate ?? 'UNKNOWN').toUpperCase())
}

function readAddress(raw: unknown): InterfaceAddress | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const a = raw as Record<string, unknown>
  const family = a.family === 'inet' ? 4 : a.family === 'inet6' ? 6 : undefined
  if (!family || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') return undefined
  return { family, address: a.local, prefixLength: a.prefixlen, primary: a.secondary !== true }
}

function readLink(raw: unknown): InterfaceInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const l = raw as Record<string, unknown>
  if (typeof l.ifname !== 'string' || typeof l.ifindex !== 'number') return undefined
  const flags = Array.isArray(l.flags) ? l.flags.filter((f): f is string => typeof f === 'string') : []
  const mac = typeof l.address === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(l.address) ? l.address.toLowerCase() : '00:00:00:00:00:00'
  const addrInfo = Array.isArray(l.addr_info) ? l.addr_info : []
  return {
    name: l.ifname,
    index: l.ifindex,
    mac,
    up: isLinkUp(flags, typeof l.operstate === 'string' ? l.operstate : undefined),
    addresses: addrInfo.map(readAddress).filter((a): a is InterfaceAddress => a !== undefined),
  }
}

/**
 * Parses the output of `ip -j addr show [dev X]` (or `ip -j link show`, which
 * has no addresses). Returns `undefined` when the text is not such JSON.
 */
export function parseIpAddrJson(text: string): InterfaceInfo[] | undefined {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Array.isArray(data)) return undefined
  return data.map(readLink).filter((l): l is InterfaceInfo => l !== undefined)
}
