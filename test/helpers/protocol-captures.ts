/**
 * Golden vectors for the protocol tests: Ethernet frames captured from
 * keepalived 2.2.7 and FRR 8.4.4 (test/fixtures/protocol/captures.json, where
 * each frame's origin and tcpdump decode are noted), split into their layers.
 * IPv4 frames carry a 20-byte header (no options), IPv6 ones a 40-byte header
 * (no extension headers).
 */
import { readFileSync } from 'node:fs'

export interface CapturedIp {
  source: string
  destination: string
  /** TTL, or the IPv6 hop limit. */
  ttl: number
  /** TOS, or the IPv6 traffic class. */
  tos: number
  /** IPv4 only. */
  id?: number
  /** IPv4 only. */
  dontFragment?: boolean
}

export interface CapturedAdvertExpect {
  version: 2 | 3
  virtualRouterId: number
  priority: number
  adverIntervalMs: number
  authType: number
  password: string
  ipAddresses: string[]
  family: 4 | 6
  ip: CapturedIp
}

export interface CapturedGarpExpect {
  mac: string
  address: string
}

export interface CapturedNaExpect {
  mac: string
  address: string
  router: boolean
}

interface RawFrame {
  name: string
  kind: 'advert' | 'garp' | 'na'
  note: string
  tcpdump: string
  frameHex: string
  expect: CapturedAdvertExpect | CapturedGarpExpect | CapturedNaExpect
}

export interface CapturedAdvert {
  name: string
  tcpdump: string
  frame: Buffer
  /** The IP packet: the frame after its 14-byte Ethernet header. */
  ipPacket: Buffer
  /** The IPv4 (20-byte) or IPv6 (40-byte) header. */
  ipHeader: Buffer
  /** The VRRP message. */
  payload: Buffer
  expect: CapturedAdvertExpect
}

export interface CapturedFrame<E> {
  name: string
  tcpdump: string
  frame: Buffer
  expect: E
}

const ETHERNET_HEADER = 14

function load(): RawFrame[] {
  const url = new URL('../fixtures/protocol/captures.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { frames: RawFrame[] }).frames
}

/** Every captured advert frame, each split into its layers. */
export function capturedAdverts(): CapturedAdvert[] {
  return load()
    .filter((f) => f.kind === 'advert')
    .map((f) => {
      const frame = Buffer.from(f.frameHex, 'hex')
      const ipPacket = frame.subarray(ETHERNET_HEADER)
      const expect = f.expect as CapturedAdvertExpect
      const headerLength = expect.family === 4 ? 20 : 40
      return {
        name: f.name,
        tcpdump: f.tcpdump,
        frame,
        ipPacket,
        ipHeader: ipPacket.subarray(0, headerLength),
        payload: ipPacket.subarray(headerLength),
        expect,
      }
    })
}

function framesOf<E>(kind: RawFrame['kind']): Array<CapturedFrame<E>> {
  return load()
    .filter((f) => f.kind === kind)
    .map((f) => ({ name: f.name, tcpdump: f.tcpdump, frame: Buffer.from(f.frameHex, 'hex'), expect: f.expect as E }))
}

/** Every captured gratuitous ARP frame. */
export function capturedGarps(): Array<CapturedFrame<CapturedGarpExpect>> {
  return framesOf('garp')
}

/** Every captured unsolicited Neighbour Advertisement frame. */
export function capturedNas(): Array<CapturedFrame<CapturedNaExpect>> {
  return framesOf('na')
}
