// A hostile VRRP flood from inside a lab namespace: IPv4 protocol 112 packets with
// spoofed sources, on one raw socket (IP_HDRINCL) through libc sendto (koffi), so a
// single node process reaches ~100k packets/s. Used by bench/flood.mjs and by
// test/lab/vrrpd-flood.test.ts. No packet it sends is a valid advert for the pair.
//
//   node bench/flood-sender.mjs '{"iface":"eth0","count":1000000,"pps":25000,"kinds":["vrid","auth",...],"vrid":51,"pass":"s3cret"}'
//
// Kinds: vrid (a VRID with no instance), auth (wrong auth_pass), ttl (TTL 64),
// version (version 1), checksum (bad checksum), random (random bytes), mutated
// (captured adverts with 1-3 bytes changed; set "captures" to a directory of pcaps).
// Prints one JSON line at the end: { sent, failed, byKind, seconds, pps }.
import { createRequire } from 'node:module'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

const spec = JSON.parse(process.argv[2] ?? '{}')
const { iface = 'eth0', count = 1000, pps = 0, vrid = 51, pass = 's3cret', captures } = spec
const kinds = spec.kinds ?? ['vrid', 'auth', 'ttl', 'version', 'checksum', 'random', 'mutated']
/** Sources are drawn from this many addresses of 172.16.0.0/12. */
const sources = spec.sources ?? 65_000

const koffi = createRequire(import.meta.url)('koffi')
const lib = koffi.load('libc.so.6')
const socket = lib.func('int socket(int, int, int)')
const setsockopt = lib.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)')
const sendto = lib.func('intptr_t sendto(int, const uint8_t *, size_t, int, const uint8_t *, uint32_t)')

const fd = socket(2, 3, 112)
if (fd < 0) throw new Error(`socket: errno ${koffi.errno()}`)
const int1 = Buffer.alloc(4)
int1.writeInt32LE(1)
setsockopt(fd, 0, 3, int1, 4) // IP_HDRINCL
const dev = Buffer.from(`${iface}\0`)
setsockopt(fd, 1, 25, dev, dev.length) // SO_BINDTODEVICE
const group = [224, 0, 0, 18]
const to = Buffer.alloc(16)
to.writeUInt16LE(2, 0) // AF_INET
Buffer.from(group).copy(to, 4)

function checksum(buf) {
  let sum = 0
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i)
  if (buf.length & 1) sum += buf[buf.length - 1] << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** A VRRPv2 advert: priority 200 (it would win if it were accepted), one VIP. */
function advert({ vridOf = vrid, passOf = pass, version = 2 } = {}) {
  const b = Buffer.alloc(8 + 4 + 8)
  b[0] = (version << 4) | 1
  b[1] = vridOf
  b[2] = 200
  b[3] = 1
  b[4] = 1 // auth type PASS
  b[5] = 1 // advert_int
  Buffer.from([10, 77, 0, 199]).copy(b, 8)
  Buffer.from(passOf.slice(0, 8)).copy(b, 12)
  b.writeUInt16BE(checksum(b), 6)
  return b
}

function capturedAdverts(dir) {
  const out = []
  if (!dir || !existsSync(dir)) return out
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pcap'))) {
    const d = readFileSync(join(dir, name))
    if (d.readUInt32LE(0) !== 0xa1b2c3d4 || d.readUInt32LE(20) !== 1) continue // little-endian pcap, Ethernet
    for (let off = 24; off + 16 <= d.length; ) {
      const len = d.readUInt32LE(off + 8)
      const frame = d.subarray(off + 16, off + 16 + len)
      off += 16 + len
      if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 112) continue
      const ihl = (frame[14] & 15) * 4
      out.push(Buffer.from(frame.subarray(14 + ihl)))
    }
  }
  return out
}
const captured = capturedAdverts(captures)

const ip = Buffer.alloc(20)
ip[0] = 0x45
ip[8] = 255
ip[9] = 112
Buffer.from(group).copy(ip, 16)

function payload(kind) {
  switch (kind) {
    case 'vrid': {
      const other = 1 + Math.floor(Math.random() * 254) // 1..254, then skip ours: 1..255 without vrid
      return { vrrp: advert({ vridOf: other >= vrid ? other + 1 : other }) }
    }
    case 'auth': return { vrrp: advert({ passOf: 'wr0ng' }) }
    case 'ttl': return { vrrp: advert(), ttl: 64 }
    case 'version': return { vrrp: advert({ version: 1 }) }
    case 'checksum': {
      const v = advert()
      v[7] ^= 0x5a
      return { vrrp: v }
    }
    case 'random': return { vrrp: randomBytes(1 + Math.floor(Math.random() * 60)) }
    case 'mutated': {
      if (captured.length === 0) return payload('random')
      const v = Buffer.from(captured[Math.floor(Math.random() * captured.length)])
      for (let i = 0, n = 1 + Math.floor(Math.random() * 3); i < n; i++) v[Math.floor(Math.random() * v.length)] = Math.floor(Math.random() * 256)
      // Never a valid advert: if the mutation left the checksum right, break it.
      const sum = v.readUInt16BE(6)
      v.writeUInt16BE(0, 6)
      const right = checksum(v)
      v.writeUInt16BE(sum === right ? right ^ 1 : sum, 6)
      return { vrrp: v }
    }
    default: throw new Error(`unknown kind ${kind}`)
  }
}

// A pool of packets, reused with a fresh source each send (the VRRPv2 checksum does
// not cover the IPv4 source, and the kernel fills in the header checksum).
const POOL = 4096
const pool = []
for (let i = 0; i < POOL; i++) {
  const kind = kinds[i % kinds.length]
  const { vrrp, ttl = 255 } = payload(kind)
  const pkt = Buffer.concat([ip, vrrp])
  pkt[8] = ttl
  pkt.writeUInt16BE(pkt.length, 2)
  pool.push({ kind, pkt })
}

const byKind = Object.fromEntries(kinds.map((k) => [k, 0]))
let sent = 0
let failed = 0
const started = performance.now()
const BATCH = 500
for (let i = 0; i < count; ) {
  const end = Math.min(count, i + BATCH)
  for (; i < end; i++) {
    const { kind, pkt } = pool[i % POOL]
    const s = i % sources
    pkt[12] = 172
    pkt[13] = 16 + ((s >> 16) & 15)
    pkt[14] = (s >> 8) & 255
    pkt[15] = s & 255
    if (Number(sendto(fd, pkt, pkt.length, 0, to, 16)) === pkt.length) {
      sent++
      byKind[kind]++
    } else failed++
  }
  if (pps > 0) {
    const due = started + (i / pps) * 1000
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
  } else if (i % 20_000 === 0) await new Promise((r) => setImmediate(r))
}
const seconds = (performance.now() - started) / 1000
process.stdout.write(`${JSON.stringify({ sent, failed, byKind, seconds: Math.round(seconds * 100) / 100, pps: Math.round(sent / seconds), captured: captured.length })}\n`)
