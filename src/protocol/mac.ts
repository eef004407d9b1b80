/**
 * Ethernet MAC address text <-> bytes, and the VRRP virtual MAC (RFC 9568 7.3).
 */

const MAC_TEXT = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/

/** Parses "aa:bb:cc:dd:ee:ff" (case-insensitive, one-digit parts allowed) into 6 bytes. */
export function parseMac(text: string): Buffer | undefined {
  if (!MAC_TEXT.test(text)) return undefined
  return Buffer.from(text.split(':').map((part) => parseInt(part, 16)))
}

/** Formats 6 bytes at `offset` as lower-case colon-separated text, as `ip link` prints it. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = []
  for (let i = 0; i < 6; i++) parts.push(bytes[offset + i]!.toString(16).padStart(2, '0'))
  return parts.join(':')
}

/**
 * RFC 9568 7.3: the virtual router MAC address, 00:00:5e:00:01:{VRID} for IPv4
 * and 00:00:5e:00:02:{VRID} for IPv6. Throws a RangeError for a VRID outside
 * 1..255 (a configuration bug, not wire input).
 */
export function virtualMac(vrid: number, family: 4 | 6): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new RangeError(`VRID must be 1..255, got ${vrid}`)
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`
}
