/**
 * The bytes of each instance's adverts, built once and sent again while nothing
 * in them changes. A master sends the same advert every advert_int: with 1,000
 * instances, encoding it anew (IP header, checksum, address list) each time was
 * a good part of the daemon's CPU. The core still emits a `sendAdvert` action
 * per advert; only the encoding is shared.
 */
import type { Advert } from '../protocol/types.js'
import { encodeAdvert, type EncodeContext } from '../protocol/index.js'

interface Built {
  advert: Advert
  source: string
  pseudoHeaderChecksum: boolean | undefined
  payload: Buffer
}

/** Field by field: the core spreads a new object per advert, so identity says nothing. */
function sameAdvert(a: Advert, b: Advert): boolean {
  return (
    a.version === b.version &&
    a.type === b.type &&
    a.virtualRouterId === b.virtualRouterId &&
    a.priority === b.priority &&
    a.adverIntervalMs === b.adverIntervalMs &&
    a.authType === b.authType &&
    a.family === b.family &&
    a.authData.equals(b.authData) &&
    a.ipAddresses.length === b.ipAddresses.length &&
    a.ipAddresses.every((x, i) => x === b.ipAddresses[i])
  )
}

export class AdvertPayloads {
  /** Per instance, per destination: the last payload built. */
  readonly #built = new Map<string, Map<string, Built>>()

  /** The payload of `advert` from `ctx.source` to `ctx.destination`, reused when unchanged. */
  payload(instance: string, advert: Advert, ctx: EncodeContext): Buffer {
    let perDestination = this.#built.get(instance)
    if (!perDestination) this.#built.set(instance, (perDestination = new Map()))
    const last = perDestination.get(ctx.destination)
    if (last && last.source === ctx.source && last.pseudoHeaderChecksum === ctx.pseudoHeaderChecksum && sameAdvert(last.advert, advert)) return last.payload
    const payload = encodeAdvert(advert, ctx)
    perDestination.set(ctx.destination, { advert, source: ctx.source, pseudoHeaderChecksum: ctx.pseudoHeaderChecksum, payload })
    return payload
  }

  /** After a reload: instances may be gone or changed. */
  clear(): void {
    this.#built.clear()
  }
}
