/**
 * Address comparison and the constant-time password compare used by the
 * receive checks.
 */

function ipv4ToNumber(a: string): bigint | undefined {
  const parts = a.split('.')
  if (parts.length !== 4) return undefined
  let n = 0n
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = (n << 8n) | BigInt(Number(p))
  }
  return n
}

function ipv6ToNumber(a: string): bigint | undefined {
  let text = a.toLowerCase()
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = ipv4ToNumber(tail)
    if (v4 === undefined) return undefined
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : halves[0]!.split(':')
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  let n = 0n
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined
    n = (n << 16n) | BigInt(parseInt(g, 16))
  }
  return n
}

/** The address as an unsigned number, or undefined when it is not an address of that family. */
export function addressToNumber(address: string, family: 4 | 6): bigint | undefined {
  return family === 4 ? ipv4ToNumber(address) : ipv6ToNumber(address)
}

/**
 * Compare two addresses as unsigned numbers (RFC 3768 6.4.3 "primary IP address
 * of the sender greater than the local primary IP address"). Unparsable text
 * sorts lowest so a malformed address never wins an election.
 */
export function compareAddresses(a: string, b: string, family: 4 | 6): number {
  const x = addressToNumber(a, family) ?? -1n
  const y = addressToNumber(b, family) ?? -1n
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Compare two VRRPv2 simple-password fields over exactly 8 bytes (NUL padded),
 * in time independent of where they differ (keepalived uses a constant-time compare).
 */
export function authDataEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0
  for (let i = 0; i < 8; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

/** The 8-byte authentication field for a password (truncated / NUL padded). */
export function authDataFor(password: string): Buffer {
  const out = Buffer.alloc(8)
  Buffer.from(password, 'utf8').copy(out, 0, 0, 8)
  return out
}
