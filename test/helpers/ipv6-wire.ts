/**
 * What VRRP over IPv6 looks like on the wire, as tcpdump (an independent
 * decoder) prints it in a lab host: VRRP adverts and unsolicited Neighbor
 * Advertisements, one record per packet, with the fields the RFC rules are
 * about (hop limit, traffic class, addresses, NA flags).
 *
 *     const wire = await captureIpv6(lab, 'client')
 *     ...
 *     const { adverts, nas } = await wire.stop()
 */
import { createInterface } from 'node:readline'
import type { Lab } from './netns.js'
import { waitFor } from './netns.js'

export interface Ipv6Advert {
  srcMac: string
  hlim: number
  tclass: number
  src: string
  dst: string
  version: number
  vrid: number
  prio: number
  intvlCs: number
  addrs: string[]
  text: string
}

export interface Ipv6Na {
  srcMac: string
  dstMac: string
  hlim: number
  src: string
  dst: string
  target: string
  flags: string
  /** The target link-layer address option. */
  lladdr: string
  checksumOk: boolean
  text: string
}

const HEAD = /^\S+ ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype IPv6 \(0x86dd\), length \d+: \((?:class (0x[0-9a-f]+), )?(?:flowlabel \S+, )?hlim (\d+), next-header (\S+) .*?\) (\S+) > (\S+): (.*)$/
const VRRP = /VRRPv(\d), Advertisement, vrid (\d+), prio (\d+), intvl (\d+)cs, length \d+, addrs(?:\(\d+\))?: (.*)$/
const NA = /\[icmp6 sum (ok|bad[^\]]*)\] ICMP6, neighbor advertisement, length \d+, tgt is (\S+), Flags \[([^\]]*)\]/
const LLADDR = /destination link-address option \(2\), length 8 \(1\): ([0-9a-f:]{17})/

/** Parses tcpdump -n -e -vv output (continuation lines start with whitespace). */
export function parseIpv6Dump(lines: string[]): { adverts: Ipv6Advert[]; nas: Ipv6Na[] } {
  const packets: string[] = []
  for (const line of lines) {
    if (/^\s/.test(line) && packets.length > 0) packets[packets.length - 1] += `\n${line}`
    else if (line.trim()) packets.push(line)
  }
  const adverts: Ipv6Advert[] = []
  const nas: Ipv6Na[] = []
  for (const text of packets) {
    const h = HEAD.exec(text.split('\n')[0]!)
    if (!h) continue
    const [, srcMac, dstMac, tclass, hlim, , src, dst, rest] = h
    const v = VRRP.exec(text)
    if (v) {
      adverts.push({ srcMac: srcMac!, hlim: Number(hlim), tclass: Number(tclass ?? 0), src: src!, dst: dst!, version: Number(v[1]), vrid: Number(v[2]), prio: Number(v[3]), intvlCs: Number(v[4]), addrs: v[5]!.trim().split(/\s+/), text })
      continue
    }
    const n = NA.exec(rest! + text)
    if (n) nas.push({ srcMac: srcMac!, dstMac: dstMac!, hlim: Number(hlim), src: src!, dst: dst!, target: n[2]!, flags: n[3]!, lladdr: LLADDR.exec(text)?.[1] ?? '', checksumOk: n[1] === 'ok', text })
  }
  return { adverts, nas }
}

/** tcpdump running in `host` on its lab interface for VRRP and Neighbor Advertisements. */
export async function captureIpv6(lab: Lab, host: string): Promise<{ stop(): Promise<{ adverts: Ipv6Advert[]; nas: Ipv6Na[] }> }> {
  const child = lab.spawn(host, 'tcpdump', ['-l', '-n', '-e', '-vv', '-i', lab.iface(host), 'ip6 proto 112 or (icmp6 and ip6[40] == 136)'])
  const lines: string[] = []
  let listening = false
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l))
  child.stderr?.on('data', (d: Buffer) => {
    if (d.toString().includes('listening on')) listening = true
  })
  await waitFor(`tcpdump listening in ${host}`, () => listening, 10_000)
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300)) // let the last packets be printed
      child.kill('SIGINT')
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.on('exit', r)))
      return parseIpv6Dump(lines)
    },
  }
}
