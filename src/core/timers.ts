/**
 * RFC timer formulas, all in milliseconds.
 */

/**
 * Skew_Time in ms.
 * - VRRPv2 (RFC 3768 6.1): `(256 - Priority) / 256` seconds.
 * - VRRPv3 (RFC 9568 6.1): `((256 - Priority) * Master_Adver_Interval) / 256`.
 */
export function skewTimeMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  return version === 2 ? ((256 - priority) * 1000) / 256 : ((256 - priority) * masterAdverIntervalMs) / 256
}

/**
 * Master_Down_Interval in ms: `3 * Master_Adver_Interval + Skew_Time`
 * (RFC 3768 6.1, RFC 9568 6.1). For v2 Master_Adver_Interval is our own
 * Advertisement_Interval (adverts with another interval are dropped).
 */
export function masterDownIntervalMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  return 3 * masterAdverIntervalMs + skewTimeMs(version, priority, masterAdverIntervalMs)
}

/** The earliest defined deadline, or undefined (keepalived's `sands`). */
export function earliest(...deadlines: Array<number | undefined>): number | undefined {
  let min: number | undefined
  for (const d of deadlines) if (d !== undefined && (min === undefined || d < min)) min = d
  return min
}
