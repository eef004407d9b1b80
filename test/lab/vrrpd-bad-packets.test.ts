// A running vrrpd pair (a MASTER, b BACKUP) under crafted protocol-112 packets
// from a third host (issue #4 "Must show"). Every packet claims priority 200, so
// accepting any of them would move a to BACKUP; each must instead be dropped,
// counted under its reason (`vrrpd status`, and keepalived.stats where keepalived has a counter), and logged
// once however often it comes.
import t from 'tap'
import type { DropReason } from '../../src/protocol/types.js'
import { AUTH_TYPE, authDataFromPassword, buildIpv4Header, encodeAdvert, internetChecksum, VRRP_MULTICAST_IPV4, type Advert } from '../../src/protocol/index.js'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { holders, pairConf, startInjector } from '../helpers/pair-lab.js'

const REPEAT = 5

interface BadPacket {
  name: string
  /** Where it is counted: the instance's `stats.dropped`, or `unattributedDrops` for an unknown VRID. */
  reason: DropReason
  unattributed?: boolean
  /** The keepalived.stats line (with its section where a label repeats); undefined where keepalived has no counter (vrrpd status has it). */
  statsLine: RegExp | undefined
  /** The one log line its drops produce. */
  logLine: RegExp
  build(advert: Advert): { advert: Advert; ttl?: number; edit?: (vrrp: Buffer) => Buffer }
}

/** Recompute the VRRPv2 checksum after an edit, so only the intended field is wrong. */
function fixChecksum(vrrp: Buffer): Buffer {
  vrrp.writeUInt16BE(0, 6)
  vrrp.writeUInt16BE(internetChecksum(vrrp), 6)
  return vrrp
}

function cases(x: string): BadPacket[] {
  const dropped = (reason: string): RegExp => new RegExp(`\\(VI_1\\) dropped advert from ${x.replaceAll('.', '\\.')} on eth0: ${reason}\\b`)
  const mismatch = (detail: string): RegExp => new RegExp(`\\(VI_1\\) CONFIG MISMATCH: advert from ${x.replaceAll('.', '\\.')} has ${detail}`)
  const n = `${REPEAT}\\n`
  return [
    // RFC 3768 7.1: the TTL MUST be 255.
    { name: 'TTL 64', reason: 'ttl', statsLine: new RegExp(`\\n    TTL: ${n}`), logLine: dropped('ttl'), build: (a) => ({ advert: a, ttl: 64 }) },
    // RFC 3768 7.1: the checksum MUST be verified.
    { name: 'bad checksum', reason: 'checksum', statsLine: undefined, logLine: dropped('checksum'), build: (a) => ({ advert: a, edit: (v) => ((v[7]! ^= 0x5a), v) }) },
    // RFC 3768 7.1: the version MUST be 2 (or 3).
    { name: 'version 1', reason: 'version', statsLine: undefined, logLine: dropped('version'), build: (a) => ({ advert: a, edit: (v) => ((v[0] = 0x11), fixChecksum(v)) }) },
    // RFC 3768 7.1: the packet must hold its header, addresses and auth data.
    { name: 'truncated', reason: 'length', statsLine: new RegExp(`\\n    Length: ${n}`), logLine: dropped('length'), build: (a) => ({ advert: a, edit: (v) => v.subarray(0, v.length - 5) }) },
    // RFC 3768 5.3.6: an auth type we do not know.
    { name: 'auth type 7', reason: 'authType', statsLine: new RegExp(`Authentication Errors:\\n    Invalid Type: ${n}`), logLine: dropped('authType'), build: (a) => ({ advert: { ...a, authType: 7 } }) },
    // RFC 3768 7.1: the auth type MUST match ours.
    { name: 'auth type none', reason: 'authMismatch', statsLine: new RegExp(`\\n    Type Mismatch: ${n}`), logLine: mismatch('auth type 0, ours 1'), build: (a) => ({ advert: { ...a, authType: AUTH_TYPE.none, authData: Buffer.alloc(8) } }) },
    // RFC 3768 5.3.10: simple text password mismatch.
    { name: 'wrong password', reason: 'authData', statsLine: new RegExp(`\\n    Failure: ${n}`), logLine: mismatch('a different auth_pass'), build: (a) => ({ advert: { ...a, authData: authDataFromPassword('wrong') } }) },
    // RFC 3768 7.1: the Adver Interval MUST match ours.
    { name: 'interval 2 s', reason: 'interval', statsLine: new RegExp(`\\n    Advertisement Interval: ${n}`), logLine: mismatch('interval 2000 ms, ours 1000 ms'), build: (a) => ({ advert: { ...a, adverIntervalMs: 2000 } }) },
    // RFC 3768 7.1: a VRID we do not run is not ours to look at.
    {
      name: 'unknown VRID 52', reason: 'vrid', unattributed: true, statsLine: undefined,
      logLine: new RegExp(`dropped advert from ${x.replaceAll('.', '\\.')} on eth0: vrid \\(no instance for VRID 52`), build: (a) => ({ advert: { ...a, virtualRouterId: 52 } }),
    },
  ]
}

function countOf(status: Awaited<ReturnType<Vrrpd['status']>>, c: BadPacket): number {
  const dropped = c.unattributed ? status.unattributedDrops : status.instances.find((i) => i.name === 'VI_1')?.stats.dropped
  return dropped?.[c.reason] ?? 0
}

t.test('bad adverts with a higher priority are dropped, counted and logged once', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'x'] })
  const vip = lab.address(100)
  const x = lab.ip('x')
  // a first, so b never wins a startup race and the roles are fixed.
  const a = startVrrpd(lab, 'a', { config: pairConf(lab, 'a', 100, vip) })
  t.teardown(() => a.stop())
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  const b = startVrrpd(lab, 'b', { config: pairConf(lab, 'b', 90, vip) })
  t.teardown(() => b.stop())
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000)
  // (The control socket opens a moment after the first state line.)
  await waitFor('b to hear a', async () => (await b.status().catch(() => undefined))?.instances[0]?.masterAddress === lab.ip('a'), 5000, 100)
  const injector = await startInjector(lab, 'x')
  t.teardown(() => injector.stop())

  const good: Advert = {
    version: 2, type: 1, virtualRouterId: 51, priority: 200, adverIntervalMs: 1000,
    authType: AUTH_TYPE.simple, authData: authDataFromPassword('s3cret'), ipAddresses: [vip], family: 4,
  }
  const wire = (p: ReturnType<BadPacket['build']>): Buffer => {
    const encoded = encodeAdvert(p.advert, { source: x, destination: VRRP_MULTICAST_IPV4 })
    const vrrp = p.edit ? p.edit(Buffer.from(encoded)) : encoded
    return Buffer.concat([buildIpv4Header({ source: x, destination: VRRP_MULTICAST_IPV4, payloadLength: vrrp.length, ttl: p.ttl }), vrrp])
  }

  const all = cases(x)
  const injected = performance.now()
  for (const c of all) for (let i = 0; i < REPEAT; i++) await injector.send(wire(c.build(good)))

  const daemons: [string, Vrrpd][] = [['a', a], ['b', b]]
  for (const [name, d] of daemons) {
    // Wait until the last kind of packet is counted, then read everything.
    const status = await waitFor(`${name} to count every bad packet`, async () => {
      const s = await d.status()
      return all.every((c) => countOf(s, c) >= REPEAT) ? s : undefined
    }, 5000, 100).catch(async (error: Error) => {
      t.fail(error.message, { status: JSON.stringify(await d.status()) })
      return d.status()
    })
    const stats = await d.statsFile()
    for (const c of all) {
      t.equal(countOf(status, c), REPEAT, `${name}: ${c.name} counted ${REPEAT} times as "${c.reason}" in vrrpd status`)
      if (c.statsLine) t.match(stats, c.statsLine, `${name}: keepalived.stats shows it`)
      const logged = d.proc.lines.filter((l) => l.at >= injected && c.logLine.test(l.text))
      t.equal(logged.length, 1, `${name}: ${c.name} logged once for ${REPEAT} packets`, { lines: logged.map((l) => l.text) })
    }
    // b (BACKUP) is silent, so every advert a's core accepted would have been one of ours.
    if (name === 'a') t.equal(status.instances[0]?.stats.advertRcvd, 0, 'a: no bad packet counted as a received advert')
    t.notOk(d.proc.find(/\(VI_1\) Entering \w+ STATE/, { since: injected }), `${name}: no state change`)
  }

  t.equal(a.state(), 'MASTER', 'a is still MASTER')
  t.equal(b.state(), 'BACKUP', 'b is still BACKUP')
  t.match((await b.status()).instances[0], { masterAddress: lab.ip('a'), masterPriority: 100 }, "b still follows a, not the injector's priority 200")
  t.same(await holders(lab, ['a', 'b'], vip), ['a'], 'the VIP is still on a only')

  // The control: the same advert, well formed, does take over, so the drops above were the checks' doing.
  const control = performance.now()
  await injector.send(wire({ advert: good }))
  await a.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 3000, control)
  t.pass('a well-formed priority-200 advert from x moves a to BACKUP')
})
