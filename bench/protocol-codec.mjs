#!/usr/bin/env node
/**
 * How many VRRP adverts per second the codec encodes and decodes (one core).
 * A router sends one advert a second per instance, so this is headroom, not a
 * target; a regression of 10x would still show here.
 *
 * Build first: `npx tsc -p .` (this reads ../dist/protocol).
 * Run: `node bench/protocol-codec.mjs [seconds per case, default 1]`
 * Prints one line per case and a JSON summary on the last line.
 */
import { decodeAdvert, encodeAdvert, authDataFromPassword } from '../dist/protocol/index.js'

const seconds = Number(process.argv[2] ?? 1)

const cases = [
  {
    name: 'v2 IPv4, PASS auth, 1 address',
    advert: { version: 2, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 1, authData: authDataFromPassword('s3cret'), ipAddresses: ['10.77.0.100'], family: 4 },
    ctx: { source: '10.77.0.11', destination: '224.0.0.18' },
  },
  {
    name: 'v3 IPv4, pseudo-header checksum, 1 address',
    advert: { version: 3, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: ['10.77.0.100'], family: 4 },
    ctx: { source: '10.77.0.11', destination: '224.0.0.18' },
  },
  {
    name: 'v3 IPv4, 20 addresses',
    advert: { version: 3, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: Array.from({ length: 20 }, (_, i) => `10.77.1.${i + 1}`), family: 4 },
    ctx: { source: '10.77.0.11', destination: '224.0.0.18' },
  },
  {
    name: 'v3 IPv6, 2 addresses',
    advert: { version: 3, type: 1, virtualRouterId: 10, priority: 200, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: ['fe80::1', '2001:db8::64'], family: 6 },
    ctx: { source: 'fe80::11', destination: 'ff02::12' },
  },
]

/** Runs `fn` in batches until `seconds` have passed; returns operations per second. */
function measure(fn) {
  const batch = 1000
  // warm up the JIT before timing
  for (let i = 0; i < 20 * batch; i++) fn()
  const start = process.hrtime.bigint()
  const end = start + BigInt(Math.round(seconds * 1e9))
  let ops = 0
  let now = start
  while (now < end) {
    for (let i = 0; i < batch; i++) fn()
    ops += batch
    now = process.hrtime.bigint()
  }
  return ops / (Number(now - start) / 1e9)
}

const results = []
for (const c of cases) {
  const family = c.advert.family
  const decodeCtx = { family, ...c.ctx, ttl: 255, checkTtl: true }
  const wire = encodeAdvert(c.advert, c.ctx)
  if (!decodeAdvert(wire, decodeCtx).ok) throw new Error(`${c.name}: the encoded advert does not decode`)
  const encode = measure(() => encodeAdvert(c.advert, c.ctx))
  const decode = measure(() => decodeAdvert(wire, decodeCtx))
  const roundTrip = measure(() => decodeAdvert(encodeAdvert(c.advert, c.ctx), decodeCtx))
  const row = { case: c.name, bytes: wire.length, encodePerSec: Math.round(encode), decodePerSec: Math.round(decode), encodeDecodePerSec: Math.round(roundTrip) }
  results.push(row)
  console.log(`${c.name.padEnd(44)} ${String(row.bytes).padStart(3)} B  encode ${fmt(encode)}/s  decode ${fmt(decode)}/s  encode+decode ${fmt(roundTrip)}/s`)
}
console.log(JSON.stringify({ bench: 'protocol-codec', node: process.version, secondsPerCase: seconds, results }))

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`
}
