// vrrpd beside FRR 8.4's vrrpd on one LAN, VRRPv3 over IPv4, VRID 51, advert
// interval 1 s: vrrpd (100) is master and FRR (90) backs it up, FRR takes over
// when vrrpd stops, vrrpd preempts when it comes back; once settled, adverts
// come from one source only. FRR sends from the virtual MAC (a macvlan), vrrpd
// from its interface's own MAC, so the wire tells the two apart.
import t from 'tap'
import type { Test } from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { renderKeepalivedConf } from '../helpers/keepalived.js'
import { startCapture, type Capture, type VrrpPacket } from '../helpers/capture.js'
import { frrInstalled, startFrr } from '../helpers/frr.js'

const VRID = 51
const MASTER = /\(VI_1\) Entering MASTER STATE/
const FRR_TO_MASTER = /\[VRID 51\] \[IPv4\] Backup -> Master/
const FRR_TO_BACKUP = /\[VRID 51\] \[IPv4\] Master -> Backup/
/** FRR's Master_Down_Interval at priority 90, advert interval 1 s (RFC 5798 6.1): 3 s + 640 ms skew. */
const FRR_MASTER_DOWN_MS = 3640
/** How long "settled" must hold: longer than FRR's Master_Down_Interval, so a backup that ignored our adverts would show. */
const HOLD_MS = 4500

async function hasVip(lab: Lab, host: string, vip: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return r.stdout.includes(` ${vip}/`)
}

/** Time of day (ms) of a packet as tcpdump stamped it (local time, like `tcpdump -r`). */
function stampMs(p: VrrpPacket): number | undefined {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d{6})/.exec(p.text)
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000 : undefined
}

const DAY_MS = 86_400_000
const timeOfDay = (d: Date): number => ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds()

/**
 * Let `ms` of traffic accumulate, then return the VRID 51 adverts stamped
 * (by the kernel, at capture) after the window opened: a packet sent before it
 * but written to the pcap late does not count. A sampling window, not a timing claim.
 */
async function sample(cap: Capture, ms: number): Promise<VrrpPacket[]> {
  const opened = timeOfDay(new Date())
  await new Promise((r) => setTimeout(r, ms))
  return (await cap.vrrp()).filter((p) => {
    const at = stampMs(p)
    // Modulo a day, so a window across midnight still works.
    return p.vrid === VRID && at !== undefined && (at - opened + DAY_MS) % DAY_MS < DAY_MS / 2
  })
}

/** Sources (IP/MAC/priority) of adverts, for messages. */
const sources = (ps: VrrpPacket[]): string[] => [...new Set(ps.map((p) => `${p.src} ${p.srcMac} prio ${p.prio}`))]

/** The client resolves the VIP (curl to a closed port: ARP, then RST) and returns its neighbour entry. */
async function clientResolves(lab: Lab, vip: string): Promise<string | undefined> {
  await lab.exec('client', 'curl', ['-s', '-m', '1', `http://${vip}:9/`], { allowFail: true })
  return lab.neighbour('client', vip)
}

async function scenario(t: Test): Promise<void> {
  const lab = await createLab(t, { hosts: ['v', 'f', 'client'] })
  const vip = lab.address(151)
  const vIp = lab.ip('v')
  const fIp = lab.ip('f')
  const conf = renderKeepalivedConf({ iface: lab.iface('v'), priority: 100, vips: [vip], vrid: VRID, advertInt: 1, version: 3, authPass: null })
  const daemons: { stop(): Promise<unknown> }[] = []
  t.teardown(() => Promise.all(daemons.map((d) => d.stop())))
  const cap = await startCapture(lab, 'client', 'vrrp or arp')
  t.teardown(() => cap.stop())

  // vrrpd 100 first, so FRR (90) joins a running master.
  let v = startVrrpd(lab, 'v', { config: conf })
  daemons.push(v)
  await v.waitForLog(MASTER, 15_000)
  const f = await startFrr(lab, 'f', { vrid: VRID, priority: 90, vips: [vip] })
  daemons.push(f)
  const fStarted = performance.now()
  // Resolved now, so that the gratuitous ARP after the failover below comes
  // well after Linux's 1 s locktime, in which it would ignore one for this entry.
  t.equal(await clientResolves(lab, vip), lab.mac('v'), "the client resolves the VIP to vrrpd's MAC")
  // RFC 5798 6.4.2: a backup receiving adverts of a higher priority stays backup.
  const held = await sample(cap, HOLD_MS)
  t.notOk(f.vrrpd.find(FRR_TO_MASTER), 'FRR (90) never became master while vrrpd (100) advertised')
  const st1 = await f.status()
  t.equal(st1.status, 'Backup', 'FRR reports Backup (show vrrp)')
  t.ok(st1.adverRx >= 3, `FRR counted vrrpd's adverts as received (${st1.adverRx}): it accepts them`)
  t.equal(st1.adverTx, 0, 'FRR sent no adverts')
  t.same(sources(held), [`${vIp} ${lab.mac('v')} prio 100`], `settled: adverts only from vrrpd (${HOLD_MS} ms window, FRR Master_Down_Interval ${FRR_MASTER_DOWN_MS} ms)`)
  t.ok(held.length >= 3, `vrrpd advertised throughout (${held.length} adverts)`)
  t.same(held.filter((p) => p.version !== 3 || p.intvlMs !== 1000 || p.badChecksum || p.ttl !== 255), [], 'vrrpd adverts are VRRPv3, 1 s, TTL 255, good checksum')
  t.ok(await hasVip(lab, 'v', vip), 'the VIP is on vrrpd\'s host')
  t.comment(`FRR backup for ${Math.round(performance.now() - fStarted)} ms with no takeover`)

  // RFC 5798 6.4.3 / 6.4.2: vrrpd sends priority 0 on the way out; FRR takes over after Skew_Time.
  const term = performance.now()
  t.equal(await v.stop('SIGTERM'), 0, 'vrrpd exits 0 on SIGTERM')
  const fMaster = await f.waitForLog(FRR_TO_MASTER, 8000, term)
  t.ok(fMaster.at - term < FRR_MASTER_DOWN_MS, `FRR took over before its Master_Down_Interval (${Math.round(fMaster.at - term)} ms < ${FRR_MASTER_DOWN_MS} ms): it honoured vrrpd's priority 0`)
  const prio0 = (await cap.vrrp()).find((p) => p.src === vIp && p.prio === 0)
  t.ok(prio0, 'vrrpd sent a priority 0 advert on SIGTERM (seen by the client)')
  t.notOk(await hasVip(lab, 'v', vip), 'vrrpd removed the VIP')
  const fAdvert = await waitFor('an FRR advert at the client', async () => (await cap.vrrp()).find((p) => p.src === fIp && p.vrid === VRID), 5000, 100)
  t.equal(fAdvert.srcMac, f.vmac, 'FRR advertises from the virtual MAC 00:00:5e:00:01:33')
  t.equal(fAdvert.prio, 90, 'FRR advertises priority 90')
  t.notOk(fAdvert.badChecksum, 'FRR advert checksum is good as tcpdump sees it')
  // On failure, the ARP traffic and neighbour table say who pointed the client where.
  const moved = await waitFor("the client's neighbour entry for the VIP to be the VMAC", async () => ((await clientResolves(lab, vip)) === f.vmac ? true : undefined), 8000, 200).catch(async (e: unknown) => {
    t.comment((await cap.packets()).filter((p) => p.kind === 'arp').map((p) => p.text).join('\n'))
    t.comment((await lab.exec('client', 'ip', ['neigh'])).stdout)
    throw e
  })
  t.ok((await cap.packets()).some((p) => p.kind === 'arp' && p.sender === vip && p.target === vip && p.srcMac === f.vmac), 'FRR sent a gratuitous ARP for the VIP from the VMAC')
  t.comment(`wire, vrrpd: ${held[0]?.text.split('\n')[0] ?? '-'}`)
  t.comment(`wire, FRR:   ${fAdvert.text.split('\n')[0]}`)
  t.ok(moved, `the client's neighbour entry for the VIP is FRR's VMAC ${f.vmac}`)
  t.equal((await f.status()).status, 'Master', 'FRR reports Master (show vrrp)')

  // RFC 5798 6.4.2: vrrpd comes back with the higher priority and preempts.
  const vGarps = async (): Promise<number> => (await cap.packets()).filter((p) => p.kind === 'arp' && p.sender === vip && p.target === vip && p.srcMac === lab.mac('v')).length
  const garpsBefore = await vGarps()
  const restart = performance.now()
  v = startVrrpd(lab, 'v', { config: conf })
  daemons.push(v)
  const vBack = await v.waitForLog(MASTER, 15_000, restart)
  const fYield = await f.waitForLog(FRR_TO_BACKUP, 8000, restart)
  t.pass('vrrpd MASTER again, FRR Master -> Backup')
  t.comment(`vrrpd MASTER ${Math.round(vBack.at - restart)} ms after restart, FRR Backup ${Math.round(fYield.at - restart)} ms after restart`)
  t.ok(fYield.at >= vBack.at - 100, 'FRR yielded once vrrpd advertised as master (not before)')
  const after = await sample(cap, HOLD_MS)
  t.same(sources(after), [`${vIp} ${lab.mac('v')} prio 100`], `after preemption: adverts only from vrrpd (${HOLD_MS} ms window): never two masters`)
  t.equal((await f.status()).status, 'Backup', 'FRR reports Backup again')
  t.ok(await hasVip(lab, 'v', vip), 'the VIP is back on vrrpd\'s host')
  const back = await waitFor("the client's neighbour entry for the VIP to be vrrpd's MAC again", async () => ((await clientResolves(lab, vip)) === lab.mac('v') ? true : undefined), 8000, 200)
  t.ok(back, "the client's neighbour entry for the VIP is vrrpd's MAC again")
  t.ok((await vGarps()) > garpsBefore, 'vrrpd sent gratuitous ARP for the VIP on taking the master role back')
}

t.test('VRRPv3 IPv4: vrrpd and FRR vrrpd elect, fail over and preempt', async (t) => {
  if (!requireRoot(t)) return
  if (!frrInstalled()) {
    if (process.env.CI === 'true') t.fail('FRR (/usr/lib/frr/vrrpd) missing: scripts/setup.sh installs it')
    else t.plan(0, 'skipped: FRR not installed (apt-get install frr)')
    return
  }
  await scenario(t)
})
