// Proves the lab harness with real keepalived 2.2.7 on both sides: election,
// VIP placement, GARP reaching the client, clean handover on SIGTERM, and adverts
// that tcpdump decodes as valid VRRP. Its timings are the reference for vrrpd.
import t from 'tap'
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startKeepalived, renderKeepalivedConf } from '../helpers/keepalived.js'
import { startCapture, readPcap, type VrrpPacket, type ArpPacket } from '../helpers/capture.js'
import { startNginx } from '../helpers/nginx.js'

const fixture = new URL('../fixtures/lab/keepalived-v2-advert.pcap', import.meta.url)

t.test('tcpdump flags what is wrong in a VRRP packet', async (t) => {
  // A pcap of one keepalived VRRPv2 advert (Ethernet, IPv4, VRRP): flip bytes to
  // learn tcpdump's markers, so a bad packet of ours cannot pass unnoticed.
  const good = readFileSync(fixture)
  const dir = mkdtempSync(join(tmpdir(), 'vrt-capture-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const variant = async (name: string, edit: (b: Buffer) => Buffer): Promise<VrrpPacket> => {
    const file = join(dir, `${name}.pcap`)
    writeFileSync(file, edit(Buffer.from(good)))
    const [p] = await readPcap(file)
    if (p?.kind !== 'vrrp') throw new Error(`${name}: no VRRP packet decoded`)
    return p
  }
  const frame = 40 // pcap global header (24) + record header (16)
  const ok = await variant('good', (b) => b)
  t.match(ok, {
    version: 2, type: 'Advertisement', vrid: 51, prio: 100, authtype: 'simple', auth: 's3cret',
    intvlMs: 1000, addrs: ['10.77.0.100'], ttl: 255, dst: '224.0.0.18', badChecksum: false, badIpChecksum: false, malformed: false,
  })
  // RFC 3768 5.3.8: the checksum covers the whole VRRP message.
  const badVrrp = await variant('bad-vrrp', (b) => ((b[frame + 14 + 20 + 6]! ^= 0xff), b))
  t.equal(badVrrp.badChecksum, true, 'a wrong VRRP checksum is flagged')
  t.equal(badVrrp.badIpChecksum, false, 'and only that')
  const badIp = await variant('bad-ip', (b) => ((b[frame + 14 + 10]! ^= 0xff), b))
  t.equal(badIp.badIpChecksum, true, 'a wrong IPv4 header checksum is flagged')
  const short = await variant('short', (b) => {
    const cut = b.subarray(0, b.length - 6)
    cut.writeUInt32LE(b.readUInt32LE(frame - 8) - 6, frame - 8)
    return cut
  })
  t.equal(short.malformed, true, 'a truncated packet is flagged')
})

t.test('two keepalived elect a master and hand over on SIGTERM', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
  const vip = lab.address(100)
  const cap = await startCapture(lab, 'client')
  const webs = await Promise.all([startNginx(lab, 'a'), startNginx(lab, 'b')])
  t.teardown(() => Promise.all(webs.map((w) => w.remove())))

  const started = performance.now()
  const conf = (host: string, priority: number): string =>
    renderKeepalivedConf({ iface: lab.iface(host), priority, vips: [`${vip}/24`], authPass: 's3cret' })
  const a = startKeepalived(lab, 'a', { config: conf('a', 100) })
  const b = startKeepalived(lab, 'b', { config: conf('b', 90) })
  t.teardown(() => Promise.all([a.stop(), b.stop()]))

  // RFC 3768 6.4.2: a backup becomes master after Master_Down_Interval with no advert.
  const master = await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000)
  t.comment(`keepalived: a MASTER ${Math.round(master.at - started)} ms after start (3 x 1 s + skew (256-100)/256 s)`)
  t.equal(a.state(), 'MASTER', 'a (priority 100) is MASTER')
  t.equal(b.state(), 'BACKUP', 'b (priority 90) is BACKUP')
  const addrs = async (h: string): Promise<string> => (await lab.exec(h, 'ip', ['-4', 'addr', 'show', 'dev', lab.iface(h)])).stdout
  t.match(await addrs('a'), `inet ${vip}/24`, 'the VIP is on the master')
  t.notMatch(await addrs('b'), `inet ${vip}/`, 'the VIP is not on the backup')

  const fetch = async (): Promise<string> => (await lab.exec('client', 'curl', ['-s', '-m', '1', `http://${vip}/`], { allowFail: true })).stdout.trim()
  t.equal(await fetch(), 'served by a', 'the client reaches the master through the VIP')
  t.equal(await lab.neighbour('client', vip), lab.mac('a'), "the client's ARP entry for the VIP is the master's MAC")

  const handover = performance.now()
  const stopped = a.stop('SIGTERM')
  const takeover = await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 5000, handover)
  t.equal(await stopped, 0, 'keepalived exits 0 on SIGTERM')
  t.comment(`keepalived: b MASTER ${Math.round(takeover.at - handover)} ms after SIGTERM to a (skew (256-90)/256 s)`)
  t.match(a.proc.text(), /\(VI_1\) removing VIPs\./, 'the stopping master removes its VIPs')
  // RFC 3768 6.4.2: the new master broadcasts gratuitous ARP; Linux updates an
  // existing neighbour entry from it (arp_accept only matters for new entries).
  await waitFor("the client's ARP entry to move to b", async () => (await lab.neighbour('client', vip)) === lab.mac('b'), 3000)
  t.match(await addrs('b'), `inet ${vip}/24`, 'the VIP moved to b')
  t.notMatch(await addrs('a'), `inet ${vip}/`, 'and left a')
  t.equal(await fetch(), 'served by b', 'the client is served by b')

  const packets = await cap.stop()
  const vrrp = packets.filter((p): p is VrrpPacket => p.kind === 'vrrp')
  const fromA = vrrp.filter((p) => p.src === lab.ip('a'))
  t.ok(fromA.length >= 2, `a's adverts captured (${fromA.length})`)
  t.same(vrrp.filter((p) => p.badChecksum || p.badIpChecksum || p.malformed).map((p) => p.text), [], 'no packet flagged by tcpdump')
  // RFC 3768 5.1: TTL 255, sent to 224.0.0.18 from the interface's own MAC.
  t.match(fromA[0], { version: 2, vrid: 51, prio: 100, ttl: 255, dst: '224.0.0.18', srcMac: lab.mac('a'), authtype: 'simple', auth: 's3cret', intvlMs: 1000, addrs: [vip] })
  // RFC 3768 6.4.3: on shutdown the master sends priority 0.
  t.ok(fromA.some((p) => p.prio === 0), 'a sent a priority-0 advert when it stopped')
  const garps = packets.filter((p): p is ArpPacket => p.kind === 'arp' && p.sender === vip && p.target === vip)
  t.ok(garps.some((g) => g.srcMac === lab.mac('a')), 'a sent gratuitous ARP for the VIP')
  t.ok(garps.some((g) => g.srcMac === lab.mac('b')), 'b sent gratuitous ARP for the VIP', { arp: packets.filter((p) => p.kind === 'arp').map((p) => p.text), b: lab.mac('b') })
})
