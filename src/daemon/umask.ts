/**
 * The daemon's file creation mask. keepalived's `-u/--umask` value is read as
 * keepalived reads it (strtoll with base 0: 0x.. hex, 0.. octal, else decimal;
 * only permission bits), and an invalid one is reported in keepalived's words and
 * ignored. Without it vrrpd uses 022, so what it creates is never writable by
 * others whatever umask it was started with (keepalived 2.2.7 uses 0177 and
 * widens it for its pid files; see docs/operations.md).
 */
export const DEFAULT_UMASK = 0o022

/** strtoll(text, &end, 0) accepting only a whole, non-negative number of permission bits. */
export function parseUmask(text: string): number | undefined {
  const m = /^\s*\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(text)
  if (!m) return undefined
  const value = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : parseInt(m[3]!, 10)
  return value <= 0o777 ? value : undefined
}

/** keepalived's complaint for a bad value (main.c set_umask), without its missing newline. */
export function invalidUmaskMessage(text: string): string {
  return `Invalid --umask option ${text}`
}
