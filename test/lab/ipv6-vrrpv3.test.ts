// VRRPv3 over IPv6 (issue #10 "Must show"): vrrpd with vrrpd, and vrrpd with
// keepalived 2.2.7 in both roles, in one lab: election, failover on a cut link,
// failback on heal, the SIGTERM handover, and the client's `ip -6 neigh` entry
// for the VIP following the master (unsolicited Neighbor Advertisements). A
// third host's advert with hop limit 254 is dropped and counted by vrrpd, and
// keepalived, beside it, rejects the same packet.
import t, { type Test } from 'tap'
import type { Daemon } from '../../src/lab/daemon.js'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'
import { encodeAdvert, VRRP_MULTICAST_IPV6 } from '../../src/protocol/index.js'
import { captureIpv6, type Ipv6Advert, type Ipv6Na } from '../helpers/ipv6-wire.js'

const MASTER = /\(VI_1\) Entering MASTER STATE/
const BACKUP = /\(VI_1\) Entering BACKUP STATE/
const BACKUP_INIT = /\(VI_1\) Entering BACKUP STATE \(init\)/
const FAULT = /\(VI_1\) Entering FAULT STATE/
const ELECTION_MS = 12_000
/** Master_Down_Interval for priority 90 at 1 s (RFC 9568 6.1): 3 s + skew (256-90)/256 s. */
const MASTER_DOWN_90_MS = 3000 + Math.round(((256 - 90) / 256) * 1000)
const INJECTOR = new URL('../helpers/ipv6-injector.ts', import.meta.url).pathname

type Kind = 'vrrpd' | 'keepalived'

/** fd00:X:Y::100 in the lab's IPv6 /64. */
function vipOf(lab: Lab): string {
  return lab.ip6('a').replace(/::[0-9a-f]+$/, '::100')
}

function conf(lab: Lab, host: string, priority: number, vip: string, unicastPeer?: string): string {
  const extra = unicastPeer ? [`unicast_src_ip ${lab.ip6(host)}`, 'unicast_peer {', `  ${lab.ip6(unicastPeer)}`, '}'] : []
  return renderKeepalivedConf({ iface: lab.iface(host), priority, vips: [`${vip}/64`], version: 3, extra })
}

async function hasVip6(lab: Lab, host: string, vip: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-6', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return r.stdout.includes(` ${vip}/`)
}

async function holders(lab: Lab, vip: string): Promise<string[]> {
  const out: string[] = []
  for (const h of ['a', 'b']) if (await hasVip6(lab, h, vip)) out.push(h)
  return out
}

function start(t: Test, lab: Lab, kind: Kind, host: string, priority: number, vip: string, unicastPeer?: string): Daemon {
  const config = conf(lab, host, priority, vip, unicastPeer)
  const d = kind === 'vrrpd' ? startVrrpd(lab, host, { config }) : startKeepalived(lab, host, { config })
  t.teardown(() => d.stop('SIGTERM', 3000))
  return d
}

/** Waits for `master` MASTER with the VIP and `backup` in `backupState` without it. */
async function settled(t: Test, lab: Lab, vip: string, master: Daemon, backup: Daemon | undefined, label: string, backupState = 'BACKUP'): Promise<void> {
  await waitFor(
    label,
    async () => master.state() === 'MASTER' && (!backup?.proc.running || backup.state() === backupState) && (await holders(lab, vip)).join() === master.host,
    ELECTION_MS,
    50,
  )
  t.pass(`${label}: ${master.kind}@${master.host} MASTER with the VIP${backup?.proc.running ? `, ${backup.kind}@${backup.host} ${backupState} without it` : ''}`)
}

/** The client's entry for the VIP must come to show `host`'s MAC (unsolicited NA, RFC 9568 8.1.2). */
async function neighbourMoves(t: Test, lab: Lab, vip: string, host: string, label: string): Promise<void> {
  await waitFor(`${label}: client neighbour entry -> ${host}`, async () => (await lab.neighbour('client', vip)) === lab.mac(host), 5000, 50)
  t.pass(`${label}: the client's ip -6 neigh entry for the VIP is ${host}'s MAC`)
}

/** Election, cut, heal, SIGTERM handover between `hiKind` on a (priority 100) and `loKind` on b (90). */
async function scenario(t: Test, lab: Lab, hiKind: Kind, loKind: Kind, extra?: (hi: Daemon, lo: Daemon) => Promise<void>): Promise<Record<Kind, { adverts: Set<string>; nas: Set<string> }>> {
  const vip = vipOf(lab)
  const tag = `${hiKind} 100 / ${loKind} 90`
  t.teardown(() => lab.heal('a')) // a failed step must not leave the next scenario cut off
  const wire = await captureIpv6(lab, 'client')
  const hi = start(t, lab, hiKind, 'a', 100, vip)
  await hi.waitForLog(BACKUP_INIT, 15_000)
  const lo = start(t, lab, loKind, 'b', 90, vip)
  // RFC 9568 6.4.2: the higher priority is master once Master_Down_Interval runs out.
  await settled(t, lab, vip, hi, lo, `${tag}: election`)
  t.notOk(lo.proc.find(MASTER), `${tag}: ${loKind} never became MASTER`)
  // A neighbour entry to move: the client talks to the VIP (a refused TCP connect resolves it).
  await waitFor(`${tag}: client resolves the VIP`, async () => {
    await lab.exec('client', 'curl', ['-s', '-6', '--connect-timeout', '1', `http://[${vip}]:9/`], { allowFail: true })
    return (await lab.neighbour('client', vip)) === lab.mac('a')
  }, 5000, 100)
  t.pass(`${tag}: the client resolves the VIP to a's MAC`)
  if (extra) await extra(hi, lo)

  // RFC 9568 6.4.2: no adverts from the master -> the backup takes over after Master_Down_Interval.
  const cut = performance.now()
  await lab.cut('a')
  await hi.waitForLog(FAULT, 5000, cut)
  await settled(t, lab, vip, lo, hi, `${tag}: a's link cut`, 'FAULT')
  t.ok(lo.proc.find(MASTER, { since: cut })!.at - cut > MASTER_DOWN_90_MS - 1000 - 300, `${tag}: b waited out Master_Down_Interval (no priority 0 came)`)
  await neighbourMoves(t, lab, vip, 'b', `${tag}: a's link cut`)

  // Healed, a (preempt) takes the role back.
  const heal = performance.now()
  await lab.heal('a')
  await hi.waitForLog(MASTER, ELECTION_MS, heal)
  await settled(t, lab, vip, hi, lo, `${tag}: a's link healed`)
  await neighbourMoves(t, lab, vip, 'a', `${tag}: a's link healed`)

  // RFC 9568 6.4.3 (shutdown): priority 0, the backup takes over after Skew_Time.
  const term = performance.now()
  t.equal(await hi.stop('SIGTERM'), 0, `${tag}: ${hiKind} exits 0 on SIGTERM`)
  const takeover = await lo.waitForLog(MASTER, 8000, term)
  t.ok(takeover.at - term < MASTER_DOWN_90_MS, `${tag}: b took over before Master_Down_Interval (${Math.round(takeover.at - term)} ms): priority 0 honoured`)
  await settled(t, lab, vip, lo, undefined, `${tag}: after SIGTERM to a`)
  await neighbourMoves(t, lab, vip, 'b', `${tag}: after SIGTERM to a`)
  t.equal(await lo.stop('SIGTERM'), 0, `${tag}: ${loKind} exits 0 on SIGTERM`)
  t.same(await holders(lab, vip), [], `${tag}: no VIP left behind`)
  return checkWire(t, lab, await wire.stop(), { a: hiKind, b: loKind }, vip, tag)
}

async function linkLocal(lab: Lab, host: string): Promise<string> {
  const r = await lab.exec(host, 'ip', ['-6', '-o', 'addr', 'show', 'dev', lab.iface(host), 'scope', 'link'])
  return /inet6 (fe80::\S+)\//.exec(r.stdout)![1]!
}

/**
 * Every advert from a and b: VRRPv3 to ff02::12 from the sender's link-local
 * address (RFC 9568 5.1.2.1), hop limit 255 (5.1.2.3), traffic class 0xc0; every
 * NA: from the VIP to ff02::1, hop limit 255, Override, the sender's MAC as
 * target link-layer address (RFC 9568 8.1.2, RFC 4861 7.2.6). Returns each
 * daemon's packets as role-free shapes, for comparing vrrpd with keepalived.
 */
async function checkWire(t: Test, lab: Lab, seen: { adverts: Ipv6Advert[]; nas: Ipv6Na[] }, kinds: Record<'a' | 'b', Kind>, vip: string, tag: string): Promise<Record<Kind, { adverts: Set<string>; nas: Set<string> }>> {
  const shapes: Record<Kind, { adverts: Set<string>; nas: Set<string> }> = { vrrpd: { adverts: new Set(), nas: new Set() }, keepalived: { adverts: new Set(), nas: new Set() } }
  for (const host of ['a', 'b'] as const) {
    const mac = lab.mac(host)
    const ll = await linkLocal(lab, host)
    const adverts = seen.adverts.filter((p) => p.srcMac === mac)
    // The kernel's own answers to the client's solicitations are not the daemon's.
    const nas = seen.nas.filter((p) => p.srcMac === mac && !p.flags.includes('solicited'))
    t.ok(adverts.length >= 2 && nas.length >= 1, `${tag}: ${kinds[host]}@${host}'s adverts (${adverts.length}) and NAs (${nas.length}) captured at the client`)
    const badAdverts = adverts.filter((p) => p.hlim !== 255 || p.src !== ll || p.dst !== VRRP_MULTICAST_IPV6 || p.version !== 3 || p.vrid !== 51 || p.addrs.join() !== vip || p.tclass !== 0xc0)
    t.same(badAdverts.map((p) => p.text), [], `${tag}: ${kinds[host]}@${host}: every advert VRRPv3 from its link-local ${ll} to ff02::12, hop limit 255, class 0xc0`)
    const badNas = nas.filter((p) => p.hlim !== 255 || p.src !== vip || p.dst !== 'ff02::1' || p.dstMac !== '33:33:00:00:00:01' || p.target !== vip || p.flags !== 'override' || p.lladdr !== mac || !p.checksumOk)
    t.same(badNas.map((p) => p.text), [], `${tag}: ${kinds[host]}@${host}: every NA from the VIP to ff02::1, hop limit 255, Override, its own MAC`)
    for (const p of adverts) shapes[kinds[host]].adverts.add(JSON.stringify({ hlim: p.hlim, tclass: p.tclass, dst: p.dst, version: p.version, intvlCs: p.intvlCs, addrs: p.addrs }))
    for (const p of nas) shapes[kinds[host]].nas.add(JSON.stringify({ hlim: p.hlim, src: p.src, dst: p.dst, dstMac: p.dstMac, target: p.target, flags: p.flags, checksumOk: p.checksumOk }))
  }
  return shapes
}

/** Sends one VRRPv3 advert (VRID 51, priority 255) from the client with `hopLimit`. */
async function inject(lab: Lab, hopLimit: number, vip: string): Promise<void> {
  const payload = encodeAdvert(
    { version: 3, type: 1, virtualRouterId: 51, priority: 255, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(0), ipAddresses: [vip], family: 6 },
    { source: '::', destination: VRRP_MULTICAST_IPV6 },
  )
  const child = lab.node('client', INJECTOR, [lab.iface('client'), String(lab.ifindex('client')), String(hopLimit), payload.toString('hex')])
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  await new Promise((resolve) => child.on('exit', resolve))
  if (!out.includes('"ok":true')) throw new Error(`injector failed: ${out}`)
}

t.test('VRRPv3 over IPv6: vrrpd/vrrpd and vrrpd/keepalived both ways', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'], ipv6: true })

  await t.test('vrrpd with vrrpd', async (t) => void (await scenario(t, lab, 'vrrpd', 'vrrpd')))

  let shapes: Record<Kind, { adverts: Set<string>; nas: Set<string> }> | undefined
  await t.test('vrrpd master, keepalived backup; hop limit 254 dropped and counted', async (t) => {
    shapes = await scenario(t, lab, 'vrrpd', 'keepalived', async (hi, lo) => {
      const before = await (hi as Vrrpd).status()
      const ttlBefore = before.instances[0]!.stats.dropped.ttl ?? 0
      const sent = performance.now()
      // RFC 9568 7.1: a received advert whose hop limit is not 255 MUST be discarded.
      await inject(lab, 254, vipOf(lab))
      await lo.waitForLog(/\(VI_1\) invalid TTL\/HL\. Received 254 and expect 255/, 5000, sent)
      t.pass('keepalived, beside vrrpd, got the packet and rejected its hop limit')
      const counted = await waitFor('vrrpd to count the drop', async () => {
        const n = (await (hi as Vrrpd).status()).instances[0]!.stats.dropped.ttl ?? 0
        return n > ttlBefore && n
      }, 5000, 50)
      t.equal(counted, ttlBefore + 1, 'vrrpd counted one hop-limit drop (dropped.ttl)')
      t.notOk(hi.proc.find(BACKUP, { since: sent }), 'vrrpd stayed MASTER: the priority-255 advert was not acted on')
      t.equal(hi.state(), 'MASTER', 'vrrpd is still MASTER')
    })
  })

  await t.test('keepalived master, vrrpd backup', async (t) => {
    const swapped = await scenario(t, lab, 'keepalived', 'vrrpd')
    // Same packets from both daemons, in both roles: adverts and NAs alike field by field.
    for (const kind of ['vrrpd', 'keepalived'] as const) {
      for (const what of ['adverts', 'nas'] as const) {
        const all = [...(shapes?.[kind][what] ?? []), ...swapped[kind][what]]
        shapes![kind][what] = new Set(all)
      }
    }
    t.same([...shapes!.vrrpd.adverts].sort(), [...shapes!.keepalived.adverts].sort(), "vrrpd's adverts look like keepalived's (hop limit, class, destination, version, interval, addresses)")
    t.same([...shapes!.vrrpd.nas].sort(), [...shapes!.keepalived.nas].sort(), "vrrpd's NAs look like keepalived's (hop limit, source, destination, target, flags)")
  })

  // unicast_peer over IPv6: adverts go to the peer's global address from unicast_src_ip.
  await t.test('unicast_peer: vrrpd and keepalived over IPv6 unicast', async (t) => {
    const vip = vipOf(lab)
    const capture = await captureIpv6(lab, 'b')
    let v = start(t, lab, 'vrrpd', 'a', 100, vip, 'b')
    await v.waitForLog(BACKUP_INIT, 15_000)
    const k = start(t, lab, 'keepalived', 'b', 90, vip, 'a')
    await settled(t, lab, vip, v, k, 'unicast: vrrpd 100 / keepalived 90')
    const term = performance.now()
    t.equal(await v.stop('SIGTERM'), 0, 'unicast: vrrpd exits 0 on SIGTERM')
    const takeover = await k.waitForLog(MASTER, 8000, term)
    t.ok(takeover.at - term < MASTER_DOWN_90_MS, `unicast: keepalived took over on vrrpd's priority 0 (${Math.round(takeover.at - term)} ms)`)
    await settled(t, lab, vip, k, undefined, 'unicast: after SIGTERM to vrrpd')
    v = start(t, lab, 'vrrpd', 'a', 100, vip, 'b')
    await settled(t, lab, vip, v, k, 'unicast: vrrpd restarted (preempt)')
    t.match(k.proc.text(), /\(VI_1\) Master received advert from \S+ with higher priority 100, ours 90/, "keepalived yielded to vrrpd's unicast advert")
    const seen = (await capture.stop()).adverts.filter((p) => p.srcMac === lab.mac('a'))
    t.ok(seen.length >= 2, `unicast: vrrpd's adverts captured at b (${seen.length})`)
    t.same(seen.filter((p) => p.src !== lab.ip6('a') || p.dst !== lab.ip6('b')).map((p) => p.text), [], 'unicast: every advert from unicast_src_ip to the peer')
    await Promise.all([v.stop('SIGTERM'), k.stop('SIGTERM')])
  })
})
