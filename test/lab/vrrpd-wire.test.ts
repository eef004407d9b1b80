// What a vrrpd pair puts on the wire, judged by tcpdump on a third host
// (issue #4 "Must show"): VRRPv2 with PASS auth and VRRPv3 adverts that decode
// cleanly, gratuitous ARP bursts on becoming master, priority 0 on SIGTERM.
import t from 'tap'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { startCapture, type ArpPacket, type CapturedPacket, type VrrpPacket } from '../helpers/capture.js'
import { pairConf } from '../helpers/pair-lab.js'

/** Seconds since midnight from the timestamp that starts tcpdump's first line. */
function stamp(p: CapturedPacket): number {
  const m = /^(\d+):(\d+):(\d+\.\d+)/.exec(p.text)
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN
}

/** Gratuitous ARP requests ("who-has VIP tell VIP", broadcast) from `mac`. */
function garpsFrom(packets: CapturedPacket[], mac: string, vip: string): ArpPacket[] {
  return packets.filter((p): p is ArpPacket => p.kind === 'arp' && p.srcMac === mac && p.op === 'request' && p.sender === vip && p.target === vip)
}

/** Split packets into bursts: a gap of more than 1 s starts a new one. */
function bursts(packets: CapturedPacket[]): number[] {
  const sizes: number[] = []
  let last = -Infinity
  for (const p of packets) {
    const at = stamp(p)
    if (at - last > 1) sizes.push(0)
    sizes[sizes.length - 1]!++
    last = at
  }
  return sizes
}

for (const version of [2, 3] as const) {
  t.test(`VRRPv${version}${version === 2 ? ' PASS auth' : ''}: adverts, GARP bursts and priority 0 as tcpdump sees them`, async (t) => {
    if (!requireRoot(t)) return
    const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
    const vip = lab.address(100)
    const cap = await startCapture(lab, 'client')
    t.teardown(() => cap.stop())
    const conf = (host: string, priority: number): string => pairConf(lab, host, priority, vip, version === 3 ? { version: 3, authPass: null } : {})
    // a first: started together, b may win the first election by a few ms (its
    // skew is only 40 ms longer) before a preempts it, and muddle who sent what.
    const a = startVrrpd(lab, 'a', { config: conf('a', 100) })
    t.teardown(() => a.stop())
    await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
    const b = startVrrpd(lab, 'b', { config: conf('b', 90) })
    t.teardown(() => b.stop())
    await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000)
    await waitFor("a's first GARP burst and 3 adverts on the client", async () => {
      const packets = await cap.packets()
      const adverts = packets.filter((p) => p.kind === 'vrrp' && p.src === lab.ip('a'))
      return garpsFrom(packets, lab.mac('a'), vip).length >= 5 && adverts.length >= 3
    }, 6000, 100)

    const sigterm = performance.now()
    t.equal(await a.stop('SIGTERM'), 0, 'a exits 0 on SIGTERM')
    await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 5000, sigterm)
    await waitFor("b's GARP burst and first advert on the client", async () => {
      const packets = await cap.packets()
      return garpsFrom(packets, lab.mac('b'), vip).length >= 5 && packets.some((p) => p.kind === 'vrrp' && p.src === lab.ip('b'))
    }, 3000, 100)
    const packets = await cap.stop()

    const vrrp = packets.filter((p): p is VrrpPacket => p.kind === 'vrrp')
    t.same(vrrp.filter((p) => p.badChecksum || p.badIpChecksum || p.malformed).map((p) => p.text), [], 'tcpdump flags no VRRP packet (checksums, length)')
    const fromA = vrrp.filter((p) => p.src === lab.ip('a'))
    const fromB = vrrp.filter((p) => p.src === lab.ip('b'))
    t.same([...new Set(vrrp.map((p) => p.src))].sort(), [lab.ip('a'), lab.ip('b')].sort(), 'only a and b advertise')
    // RFC 3768 5.1 / RFC 9568 5.1.1: TTL 255 to 224.0.0.18, from the interface's own MAC
    // (no use_vmac); TOS 0xc0 as keepalived. RFC 3768 5.3 / RFC 9568 5.2: the fields.
    const auth = version === 2 ? { authtype: 'simple', auth: 's3cret' } : {}
    const common = { version, type: 'Advertisement', vrid: 51, intvlMs: 1000, addrs: [vip], ttl: 255, tos: 0xc0, dst: '224.0.0.18', dstMac: '01:00:5e:00:00:12' }
    t.match(fromA[0], { ...common, ...auth, src: lab.ip('a'), srcMac: lab.mac('a'), prio: 100 }, "a's advert, field by field")
    t.match(fromB[0], { ...common, ...auth, src: lab.ip('b'), srcMac: lab.mac('b'), prio: 90 }, "b's advert once master")
    if (version === 3) t.equal(fromA[0]?.authtype, undefined, 'VRRPv3 has no auth fields')
    const odd = [...fromA, ...fromB].filter((p) => p.version !== version || p.ttl !== 255 || p.tos !== 0xc0 || p.vrid !== 51 || p.dst !== '224.0.0.18' || p.srcMac !== (p.src === lab.ip('a') ? lab.mac('a') : lab.mac('b')) || (version === 2 && p.auth !== 's3cret'))
    t.same(odd.map((p) => p.text), [], 'every advert carries the same envelope and fields')

    // RFC 3768 6.4.3 / RFC 9568 6.4.3 (Shutdown): the master's last advert has priority 0.
    t.same(fromA.map((p) => p.prio).filter((p) => p !== 100), [0], 'a sent exactly one priority-0 advert, every other one at 100')
    t.equal(fromA[fromA.length - 1]?.prio, 0, 'and it was its last')
    t.ok(stamp(fromA[fromA.length - 1]!) <= stamp(fromB[0]!), "b's first advert came after a's priority 0")

    // RFC 3768 6.4.1 / keepalived garp_master_repeat 5: a broadcast burst of "who-has VIP tell VIP".
    const arpA = garpsFrom(packets, lab.mac('a'), vip)
    const arpB = garpsFrom(packets, lab.mac('b'), vip)
    t.ok(arpA.every((p) => p.dstMac === 'ff:ff:ff:ff:ff:ff') && arpB.every((p) => p.dstMac === 'ff:ff:ff:ff:ff:ff'), 'GARPs are broadcast')
    t.same(bursts(arpA), bursts(arpA).map(() => 5), `a's GARPs come in bursts of 5 (${bursts(arpA).join(', ')})`)
    t.same(bursts(arpB), [5], "b's takeover burst has 5 GARPs")
    const other = packets.filter((p): p is ArpPacket => p.kind === 'arp' && (p.sender === vip || p.target === vip) && ![...arpA, ...arpB].includes(p) && p.srcMac !== lab.mac('client'))
    t.same(other.map((p) => p.text), [], 'no other ARP for the VIP from a or b')
    t.ok(stamp(arpA[0]!) >= stamp(fromA[0]!), "a's first GARP follows its first advert (advert, then VIPs, then GARP)")
  })
}
