/**
 * The bytes every rtnetlink request is made of, in host byte order as the kernel
 * reads them: 16- and 32-bit fields and struct rtattr (type, length, payload padded
 * to 4 bytes). Shared by the address, route/rule and VMAC link requests.
 */
import { endianness } from 'node:os'

const LE = endianness() === 'LE'

/** sizeof(struct nlmsghdr). */
export const NLMSG_HDRLEN = 16

export function align4(n: number): number {
  return (n + 3) & ~3
}

export function putU16(b: Buffer, v: number, at: number): void {
  if (LE) b.writeUInt16LE(v, at)
  else b.writeUInt16BE(v, at)
}

export function putU32(b: Buffer, v: number, at: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, at)
  else b.writeUInt32BE(v >>> 0, at)
}

export function putI32(b: Buffer, v: number, at: number): void {
  if (LE) b.writeInt32LE(v, at)
  else b.writeInt32BE(v, at)
}

/** struct rtattr { u16 rta_len; u16 rta_type; } + payload, padded to 4 bytes. */
export function rtattr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + payload.length))
  putU16(b, 4 + payload.length, 0)
  putU16(b, type, 2)
  payload.copy(b, 4)
  return b
}

/** An attribute holding one u32. */
export function u32attr(type: number, v: number): Buffer {
  const p = Buffer.alloc(4)
  putU32(p, v, 0)
  return rtattr(type, p)
}
