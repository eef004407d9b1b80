/**
 * Unsolicited Neighbor Advertisements for IPv6 VIPs (RFC 9568 8.1.2, RFC 4861
 * 7.2.6), the IPv6 twin of garp-sender.ts: the frame from src/protocol
 * buildUnsolicitedNa, one sendto(2) on an AF_PACKET socket, as keepalived's
 * vrrp_ndisc.c sends it (source the VIP, to ff02::1, Override set, Router set
 * when the interface forwards IPv6).
 */
import { readFileSync } from 'node:fs'
import { buildUnsolicitedNa } from '../protocol/index.js'
import { sockaddrLl } from './garp-sender.js'
import { silentLog, type IoLog } from './io-log.js'
import { loadLibc, SOCK_CLOEXEC, SOCK_RAW, type Libc } from './libc.js'
import type { GarpSender } from './ports.js'

const AF_PACKET = 17
const ETH_P_IPV6 = 0x86dd
/** keepalived re-reads the forwarding sysctl at most every 5 s per interface. */
const FORWARDING_RECHECK_MS = 5000

type Outcome = { ok: true } | { ok: false; error: string }

/** net.ipv6.conf.IF.forwarding, read from /proc (false when unreadable). */
export function ipv6Forwarding(iface: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  try {
    return read(`/proc/sys/net/ipv6/conf/${iface}/forwarding`).trim() === '1'
  } catch {
    return false
  }
}

export interface NaSenderOptions {
  log?: IoLog
  /** Whether the interface forwards IPv6 (the NA's Router flag); default reads /proc. */
  forwarding?: (iface: string) => boolean
  now?: () => number
}

/** Same port as the GARP sender: `send(iface, address)` for one IPv6 VIP. */
export function createNaSender(opts: NaSenderOptions = {}): GarpSender {
  const log = opts.log ?? silentLog
  const forwarding = opts.forwarding ?? ((name: string) => ipv6Forwarding(name))
  const now = opts.now ?? (() => performance.now())
  const router = new Map<string, { value: boolean; at: number }>()
  let libc: Libc | Error | undefined
  let fd = -1
  let reported = false

  function unavailable(reason: string): Outcome {
    if (!reported) {
      reported = true
      log.error({ error: reason }, `Cannot send unsolicited neighbour advert: ${reason}`)
    }
    return { ok: false, error: reason }
  }

  function isRouter(name: string): boolean {
    const cached = router.get(name)
    if (cached && now() - cached.at < FORWARDING_RECHECK_MS) return cached.value
    const value = forwarding(name)
    router.set(name, { value, at: now() })
    return value
  }

  return {
    send(iface, address) {
      libc ??= loadLibc()
      if (libc instanceof Error) return unavailable(libc.message)
      let frame: Buffer
      try {
        frame = buildUnsolicitedNa(iface.mac, address, { router: isRouter(iface.name) })
      } catch (error) {
        return { ok: false, error: `neighbour advert for ${address} from ${iface.mac}: ${(error as Error).message}` }
      }
      if (fd < 0) {
        fd = libc.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)
        if (fd < 0) return unavailable(`socket(AF_PACKET): ${libc.strerror(libc.errno())}`)
      }
      const addr = sockaddrLl(iface.index)
      addr.writeUInt16BE(ETH_P_IPV6, 2) // sll_protocol is in network byte order
      const sent = Number(libc.sendto(fd, frame, frame.length, 0, addr, addr.length))
      if (sent < 0) {
        const errno = libc.errno()
        return { ok: false, error: `neighbour advert for ${address} on ${iface.name}: ${libc.strerror(errno)} (errno ${errno})` }
      }
      return { ok: true }
    },
    close() {
      if (fd >= 0 && libc && !(libc instanceof Error)) libc.close(fd)
      fd = -1
    },
  }
}
