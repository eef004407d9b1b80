/**
 * Hand-built VRRPv2 messages for io tests, independent of src/protocol's
 * encoder: the transport must carry any bytes, and tests of it should not move
 * when the encoder does.
 */
import { isIPv4 } from 'node:net'

function checksum(buf: Buffer): number {
  let sum = 0
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i]! << 8) + (buf[i + 1] ?? 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** RFC 3768 5.1: version 2, type 1, no authentication, advert interval 1 s. */
export function vrrpV2Message(vrid: number, priority: number, addresses: string[]): Buffer {
  if (!addresses.every((a) => isIPv4(a))) throw new TypeError(`IPv4 addresses only: ${addresses.join(', ')}`)
  const buf = Buffer.alloc(8 + 4 * addresses.length + 8)
  buf[0] = 0x21
  buf[1] = vrid
  buf[2] = priority
  buf[3] = addresses.length
  buf[4] = 0
  buf[5] = 1
  addresses.forEach((a, i) => Buffer.from(a.split('.').map(Number)).copy(buf, 8 + 4 * i))
  buf.writeUInt16BE(checksum(buf), 6)
  return buf
}
