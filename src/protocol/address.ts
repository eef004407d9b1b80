/**
 * IP address text <-> bytes, without a dependency. Parsing is strict (what
 * inet_pton accepts: no leading zeros in IPv4, no zone index); formatting is
 * canonical the way Node prints socket addresses (libuv's inet_ntop: RFC 5952
 * lower case and longest zero run compressed, dotted quad for ::a.b.c.d and
 * ::ffff:a.b.c.d). Parsers return undefined on bad input instead of throwing,
 * so they are safe on anything.
 */

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/

/** Parses dotted-quad IPv4 text into 4 bytes; undefined if it is not one. */
export function parseIpv4(text: string): Buffer | undefined {
  // a hand loop rather than split + regex: this runs for every address of every advert
  const out = Buffer.allocUnsafe(4)
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e
    if (c >= 0x30 && c <= 0x39) {
      // a leading zero ("01") is refused, as inet_pton does: it reads as octal elsewhere
      if (digits === 1 && value === 0) return undefined
      value = value * 10 + (c - 0x30)
      if (++digits > 3 || value > 255) return undefined
    } else if (c === 0x2e && digits > 0 && part < 4) {
      out[part++] = value
      value = 0
      digits = 0
    } else {
      return undefined
    }
  }
  return part === 4 ? out : undefined
}

function parseGroups(text: string, out: number[]): boolean {
  if (text === '') return true
  for (const group of text.split(':')) {
    if (!HEX_GROUP.test(group)) return false
    out.push(parseInt(group, 16))
  }
  return true
}

/** Parses IPv6 text (RFC 4291 2.2, with an optional trailing dotted quad) into 16 bytes. */
export function parseIpv6(text: string): Buffer | undefined {
  let body = text
  let tail: Buffer | undefined
  const lastColon = body.lastIndexOf(':')
  if (lastColon >= 0 && body.includes('.', lastColon)) {
    tail = parseIpv4(body.slice(lastColon + 1))
    if (!tail) return undefined
    body = body.slice(0, lastColon)
    // in "::a.b.c.d" the dropped colon was half of the "::"
    if (body.endsWith(':')) body += ':'
  }
  const wanted = tail ? 6 : 8
  const head: number[] = []
  const rest: number[] = []
  const gap = body.indexOf('::')
  if (gap >= 0) {
    if (body.indexOf('::', gap + 1) >= 0) return undefined
    if (!parseGroups(body.slice(0, gap), head) || !parseGroups(body.slice(gap + 2), rest)) return undefined
    // "::" stands for at least one zero group
    if (head.length + rest.length > wanted - 1) return undefined
  } else {
    if (!parseGroups(body, head) || head.length !== wanted) return undefined
  }
  const out = Buffer.alloc(16)
  head.forEach((g, i) => out.writeUInt16BE(g, i * 2))
  const restStart = wanted - rest.length
  rest.forEach((g, i) => out.writeUInt16BE(g, (restStart + i) * 2))
  if (tail) tail.copy(out, 12)
  return out
}

/** Family of an address text: 4, 6, or 0 when it is neither. */
export function addressFamily(text: string): 4 | 6 | 0 {
  if (parseIpv4(text)) return 4
  if (parseIpv6(text)) return 6
  return 0
}

/**
 * Parses an address of the given family (or of either family when none is
 * given) into its bytes; undefined if it is not one.
 */
export function addressToBytes(text: string, family?: 4 | 6): Buffer | undefined {
  if (family === 4) return parseIpv4(text)
  if (family === 6) return parseIpv6(text)
  return parseIpv4(text) ?? parseIpv6(text)
}

/** Formats 4 bytes at `offset` as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`
}

/** Formats 16 bytes at `offset` as canonical IPv6 text (as Node prints socket addresses). */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = []
  for (let i = 0; i < 8; i++) words.push((bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!)
  // longest run of zero words, the first one on a tie; a single zero is not compressed
  let bestBase = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) {
      bestBase = i
      bestLen = j - i
    }
    i = j
  }
  if (bestLen < 2) bestBase = -1
  // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) print the dotted quad
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return (bestLen === 6 ? '::' : '::ffff:') + formatIpv4(bytes, offset + 12)
  }
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      text += '::'
      i += bestLen - 1
      continue
    }
    if (text !== '' && !text.endsWith(':')) text += ':'
    text += words[i]!.toString(16)
  }
  return text
}

/** Formats 4 or 16 address bytes as canonical text. */
export function bytesToAddress(bytes: Uint8Array, family: 4 | 6, offset = 0): string {
  return family === 4 ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset)
}

/** Canonical text of an address of either family; undefined if it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const v4 = parseIpv4(text)
  if (v4) return formatIpv4(v4)
  const v6 = parseIpv6(text)
  return v6 ? formatIpv6(v6) : undefined
}
