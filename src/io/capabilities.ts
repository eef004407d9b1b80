/**
 * The capabilities vrrpd cannot run without, read from /proc/self/status
 * (CapEff), so that a daemon started without them says which one is missing
 * and exits, instead of idling in FAULT with a stack trace per socket.
 */
import { readFileSync } from 'node:fs'

/** capability.h bit numbers, and what vrrpd needs each for. */
export const REQUIRED_CAPABILITIES = [
  { name: 'CAP_NET_ADMIN', bit: 12, why: 'adding and removing VIPs over rtnetlink, multicast membership' },
  { name: 'CAP_NET_RAW', bit: 13, why: 'the raw protocol-112 socket for adverts and the packet socket for gratuitous ARP' },
] as const

/** The required capabilities missing from a /proc/PID/status text; undefined when it cannot be read. */
export function missingCapabilities(procStatus: string): Array<(typeof REQUIRED_CAPABILITIES)[number]> | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(procStatus)
  if (!m) return undefined
  const effective = BigInt(`0x${m[1]}`)
  return REQUIRED_CAPABILITIES.filter((c) => ((effective >> BigInt(c.bit)) & 1n) === 0n)
}

/** The same for this process; undefined when /proc is not there to ask (then the sockets will tell). */
export function missingOwnCapabilities(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): ReturnType<typeof missingCapabilities> {
  try {
    return missingCapabilities(read('/proc/self/status'))
  } catch {
    return undefined
  }
}
