/**
 * Wire-level types shared by the codec (src/protocol), the core (src/core) and the
 * socket adapters (src/io). Pure data: no Buffers are sent from here.
 */

/** RFC 3768 5.3.6 / RFC 9568 5.2.6: Authentication Type (VRRPv2 only; v3 has none). */
export const AUTH_TYPE = { none: 0, simple: 1, ah: 2 } as const
export type AuthType = (typeof AUTH_TYPE)[keyof typeof AUTH_TYPE]

/** A decoded (or to-be-encoded) VRRP advertisement. */
export interface Advert {
  version: 2 | 3
  /** RFC 3768 5.3.2: type 1 = ADVERTISEMENT, the only type. */
  type: 1
  virtualRouterId: number
  priority: number
  /**
   * Advertisement interval in milliseconds, whatever the version:
   * v2 "Adver Int" seconds x 1000, v3 "Max Adver Int" centiseconds x 10.
   */
  adverIntervalMs: number
  /** v2 only; 0 for v3. */
  authType: number
  /** v2 only: the 8 authentication bytes (NUL padded); empty for v3. */
  authData: Buffer
  /** The IPvX addresses field, in canonical text form. */
  ipAddresses: string[]
  /** Family of the addresses (and of the packet). */
  family: 4 | 6
}

/**
 * Why a received packet was dropped. The decoder's reasons come first, in the
 * order the RFC checks them (RFC 3768 7.1, RFC 9568 7.1); the rest are the core's
 * and the receive path's. Every reason is a counter in the stats.
 */
export const DROP_REASONS = [
  // decoder (src/protocol), RFC order
  'length',
  'ttl',
  'version',
  'checksum',
  'type',
  'addressCount',
  'authType',
  // receive path (src/io): not ours to look at
  'ownAdvert',
  'unicastSource',
  'notForUs',
  // core (src/core), against our configuration
  'vrid',
  'authMismatch',
  'authData',
  'interval',
  'addressList',
  'family',
] as const
export type DropReason = (typeof DROP_REASONS)[number]

/** The decoder's answer: it never throws on wire input. */
export type DecodeResult =
  | { ok: true; advert: Advert }
  | { ok: false; reason: DropReason; detail?: string }
