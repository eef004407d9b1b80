/**
 * tcpdump as an independent judge of what goes on the wire: capture in a lab
 * host to a pcap file, read it back with `tcpdump -r -n -e -vv`, and parse the
 * VRRP and ARP lines. tcpdump 4.99 marks a wrong VRRP checksum with
 * "(bad vrrp cksum XXXX)", a wrong IPv4 header checksum with
 * "bad cksum XXXX (->YYYY)!", and a short packet with "[|vrrp]".
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoggedProcess } from '../../src/lab/proc.js'
import type { Lab } from './netns.js'

/** One VRRP packet as tcpdump decoded it. */
export interface VrrpPacket {
  kind: 'vrrp'
  srcMac: string
  dstMac: string
  ttl: number
  /** The IPv4 TOS byte ("tos 0xc0" in the first line; 0 if tcpdump printed none). */
  tos: number
  src: string
  dst: string
  version: number
  /** "Advertisement" for a valid type 1. */
  type: string
  vrid: number
  prio: number
  /** v2 only: "none", "simple" or a number. */
  authtype?: string
  /** v2 only: the simple password as tcpdump printed it. */
  auth?: string
  /** Advertisement interval in ms (v2 "1s", v3 "100cs"). */
  intvlMs: number
  addrs: string[]
  /** tcpdump printed "(bad vrrp cksum ...)". */
  badChecksum: boolean
  /** tcpdump printed "bad cksum ...!" for the IPv4 header. */
  badIpChecksum: boolean
  /** tcpdump printed "[|vrrp]" (truncated) or other "[|...]"/"[bad ...]" marks. */
  malformed: boolean
  /** The packet's tcpdump lines. */
  text: string
}

/** One ARP packet (gratuitous ARP: sender === target). */
export interface ArpPacket {
  kind: 'arp'
  srcMac: string
  dstMac: string
  op: 'request' | 'reply'
  target: string
  sender: string
  text: string
}

export type CapturedPacket = VrrpPacket | ArpPacket

// Without --immediate-mode, libpcap's TPACKET_V3 hands packets over in blocks
// (up to 1 s late) and those still in a block are lost when tcpdump stops.
const HEAD = /^\S+ ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (\w+)/
const VRRP = /^\s*(\S+) > (\S+): VRRPv(\d+), (\w+), vrid (\d+), prio (\d+)(?:, authtype (\w+))?, intvl (\d+)(s|cs)/

/** Parse `tcpdump -n -e -vv` output; packets other than VRRP and ARP are skipped. */
export function parseTcpdump(text: string): CapturedPacket[] {
  // A packet starts at a line beginning with a timestamp; continuation lines are indented.
  const blocks: string[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    if (/^\s/.test(line) && blocks.length) blocks[blocks.length - 1] += `\n${line}`
    else blocks.push(line)
  }
  const out: CapturedPacket[] = []
  for (const block of blocks) {
    const [first = '', ...rest] = block.split('\n')
    const head = HEAD.exec(first)
    if (!head) continue
    const [, srcMac = '', dstMac = '', ethertype] = head
    if (ethertype === 'ARP') {
      const m = /(Request|Reply) (?:who-has )?(\S+)(?: \([^)]*\))? (?:tell|is-at) (\S+)/.exec(first)
      if (!m) continue
      const op = m[1] === 'Request' ? 'request' : 'reply'
      // A reply reads "Reply SENDER is-at MAC": the sender is the first address.
      out.push({ kind: 'arp', srcMac, dstMac, op, target: m[2]!, sender: op === 'request' ? m[3]!.replace(/,$/, '') : m[2]!, text: block })
      continue
    }
    const body = rest.join(' ')
    const v = VRRP.exec(body)
    if (!v) continue
    const addrs = /addrs(?:\(\d+\))?: ([0-9.,a-f:]+)/.exec(body)?.[1]?.split(',') ?? []
    out.push({
      kind: 'vrrp',
      srcMac,
      dstMac,
      ttl: Number(/ttl (\d+)/.exec(first)?.[1] ?? -1),
      tos: Number.parseInt(/\(tos (0x[0-9a-f]+)/.exec(first)?.[1] ?? '0x0', 16),
      src: v[1]!,
      dst: v[2]!.replace(/:$/, ''),
      version: Number(v[3]),
      type: v[4]!,
      vrid: Number(v[5]),
      prio: Number(v[6]),
      authtype: v[7],
      auth: /auth "([^"]*)"/.exec(body)?.[1],
      intvlMs: Number(v[8]) * (v[9] === 's' ? 1000 : 10),
      addrs,
      badChecksum: /\(bad vrrp cksum [0-9a-f]+\)/.test(body),
      badIpChecksum: /bad cksum [0-9a-f]+ \(->[0-9a-f]+\)!/.test(first),
      malformed: /\[\|\w+\]|\[bad /.test(block),
      text: block,
    })
  }
  return out
}

function tcpdumpRead(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tcpdump', ['-r', file, '-n', '-e', '-vv'], { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tcpdump -r ${file}: ${stderr.trim() || err.message}`))
      else resolve(stdout)
    })
  })
}

/** Decode a pcap file with tcpdump and parse it. */
export async function readPcap(file: string): Promise<CapturedPacket[]> {
  return parseTcpdump(await tcpdumpRead(file))
}

/** A running capture. */
export interface Capture {
  readonly file: string
  /** Everything captured so far (packets are written as they come: -U). */
  packets(): Promise<CapturedPacket[]>
  /** The VRRP packets captured so far. */
  vrrp(): Promise<VrrpPacket[]>
  /** Stop tcpdump and return everything it captured; removes the file. */
  stop(): Promise<CapturedPacket[]>
}

/**
 * Start tcpdump on `host`'s lab interface with a pcap filter (default
 * "vrrp or arp") and wait until it is listening.
 */
export async function startCapture(lab: Pick<Lab, 'spawn' | 'iface'>, host: string, filter = 'vrrp or arp'): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), `vrt-capture-${host}-`))
  const file = join(dir, 'capture.pcap')
  const proc = new LoggedProcess(`tcpdump@${host}`, lab.spawn(host, 'tcpdump', ['-i', lab.iface(host), '-n', '-U', '--immediate-mode', '-s', '512', '-w', file, ...filter.split(' ')]))
  try {
    await proc.waitForLog(/listening on/, 5000)
  } catch (err) {
    await proc.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  let final: Promise<CapturedPacket[]> | undefined
  const packets = (): Promise<CapturedPacket[]> => readPcap(file)
  return {
    file,
    packets,
    vrrp: async () => (await packets()).filter((p): p is VrrpPacket => p.kind === 'vrrp'),
    stop: () =>
      (final ??= (async () => {
        await proc.stop('SIGINT', 3000)
        try {
          return await packets()
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      })()),
  }
}
