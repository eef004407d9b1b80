/**
 * The interop scenario every mode runs (issue #4 "Must show"): vrrpd and real
 * keepalived 2.2.7 elect the right master both ways round and fail over both
 * ways, with never two masters once settled.
 *
 *     t.test('v3', (t) => failoverScenario(t, 'v3'))
 */
import type { Test } from 'tap'
import type { Daemon } from '../../src/lab/daemon.js'
import { waitFor, type Lab } from './netns.js'
import { startVrrpd } from './vrrpd.js'
import { startKeepalived } from './keepalived.js'
import { startCapture, type VrrpPacket } from './capture.js'
import { createInteropLab, expectedAdvert, hasVip, holdsSettled, interopConf, interopVip, KEEPALIVED_HOST, settle, VRRPD_HOST, waitSettled, type InteropMode } from './interop-lab.js'

const MASTER = /\(VI_1\) Entering MASTER STATE/
const BACKUP_INIT = /\(VI_1\) Entering BACKUP STATE \(init\)/

/** Master_Down_Interval for priority 90 at advert_int 1 (RFC 3768 6.1): 3 s + skew (256-90)/256 s. */
const MASTER_DOWN_90_MS = 3000 + Math.round(((256 - 90) / 256) * 1000)

/** Starts daemons in the interop lab; all are stopped at teardown. */
export function interopDaemons(t: Test, lab: Lab, mode: InteropMode): {
  vrrpd(priority: number, authPass?: string): ReturnType<typeof startVrrpd>
  keepalived(priority: number, authPass?: string): ReturnType<typeof startKeepalived>
} {
  const all: Daemon[] = []
  t.teardown(() => Promise.all(all.map((d) => d.stop('SIGTERM', 3000))))
  return {
    vrrpd(priority, authPass) {
      const d = startVrrpd(lab, VRRPD_HOST, { config: interopConf(lab, VRRPD_HOST, mode, priority, { authPass }) })
      all.push(d)
      return d
    },
    keepalived(priority, authPass) {
      const d = startKeepalived(lab, KEEPALIVED_HOST, { config: interopConf(lab, KEEPALIVED_HOST, mode, priority, { authPass }) })
      all.push(d)
      return d
    },
  }
}

/**
 * Election and failover both ways between vrrpd (host v) and keepalived (host k)
 * in `mode`. Timings observed go to comments (for the bench), not assertions,
 * except takeover bounds that tell priority 0 apart from Master_Down_Interval.
 */
export async function failoverScenario(t: Test, mode: InteropMode): Promise<void> {
  const lab = await createInteropLab(t)
  const vip = interopVip(lab)
  const start = interopDaemons(t, lab, mode)
  const ms = (from: number, to: number): string => `${Math.round(to - from)} ms`

  // The mode is on the wire as configured, each way: adverts captured on the peer.
  const wire = async (cap: Awaited<ReturnType<typeof startCapture>>, from: string, priority: number, label: string): Promise<void> => {
    const adverts = (await cap.stop()).filter((p): p is VrrpPacket => p.kind === 'vrrp' && p.src === lab.ip(from) && p.prio === priority)
    t.ok(adverts.length >= 2, `${label}: adverts captured on the peer (${adverts.length})`)
    const want = expectedAdvert(lab, mode, from, priority)
    const off = adverts.filter((p) => Object.entries(want).some(([key, value]) => JSON.stringify(p[key as keyof VrrpPacket]) !== JSON.stringify(value)))
    t.same(off.map((p) => p.text), [], `${label}: every advert is ${mode} as configured`, { want })
  }

  // vrrpd 100 / keepalived 90. vrrpd starts first so that its Master_Down_Interval
  // runs out first: keepalived then joins a running master (no start-up race).
  const capK = await startCapture(lab, KEEPALIVED_HOST, 'vrrp')
  t.teardown(() => capK.stop()) // a no-op once stopped; removes its pcap on failure
  const t0 = performance.now()
  let v = start.vrrpd(100)
  await v.waitForLog(BACKUP_INIT, 15_000)
  let k = start.keepalived(90)
  await waitSettled(t, lab, { master: v, backup: k }, 'vrrpd 100 / keepalived 90')
  t.comment(`vrrpd MASTER ${ms(t0, v.proc.find(MASTER)!.at)} after its start`)
  t.notOk(k.proc.find(MASTER), 'keepalived never became MASTER while vrrpd ran with the higher priority')
  await holdsSettled(t, lab, { master: v, backup: k }, 'vrrpd 100 / keepalived 90')
  await wire(capK, VRRPD_HOST, 100, "vrrpd's adverts at keepalived")

  // RFC 3768 6.4.3: the stopping master sends priority 0; the backup takes over
  // after Skew_Time instead of Master_Down_Interval.
  const term1 = performance.now()
  t.equal(await v.stop('SIGTERM'), 0, 'vrrpd exits 0 on SIGTERM')
  t.match(v.proc.text(), /\(VI_1\) removing VIPs\./, 'vrrpd removed its VIPs on the way out')
  const kTakeover = await k.waitForLog(MASTER, 8000, term1)
  t.comment(`keepalived MASTER ${ms(term1, kTakeover.at)} after SIGTERM to vrrpd (skew (256-90)/256 s = 648 ms)`)
  t.ok(kTakeover.at - term1 < MASTER_DOWN_90_MS, `keepalived took over before Master_Down_Interval (${MASTER_DOWN_90_MS} ms): it honoured vrrpd's priority 0`)
  await settle(t, lab, { master: k, backup: v }, 'after SIGTERM to vrrpd')

  // RFC 3768 6.4.2: a higher-priority backup with preempt takes the master role back.
  const restart = performance.now()
  v = start.vrrpd(100)
  await waitSettled(t, lab, { master: v, backup: k }, 'vrrpd restarted (preempt)')
  const vBack = v.proc.find(MASTER)!
  const kYield = k.proc.find(/\(VI_1\) Entering BACKUP STATE/, { since: restart })!
  t.ok(vBack.at <= kYield.at + 50, 'keepalived yielded after vrrpd took the master role (no gap without a master)')
  t.match(k.proc.text(), /\(VI_1\) Master received advert from \S+ with higher priority 100, ours 90/, "keepalived yielded to vrrpd's higher-priority advert")
  t.comment(`vrrpd back to MASTER ${ms(restart, vBack.at)} after its restart; keepalived BACKUP ${ms(restart, kYield.at)}`)
  await holdsSettled(t, lab, { master: v, backup: k }, 'vrrpd restarted (preempt)')

  // Cut vrrpd's link: no priority 0 this time. vrrpd loses carrier (FAULT, VIPs
  // dropped); keepalived hears nothing and takes over after Master_Down_Interval
  // (RFC 3768 6.4.2). Healed, vrrpd preempts again.
  const cut = performance.now()
  await lab.cut(VRRPD_HOST)
  await waitSettled(t, lab, { master: k, backup: v, backupState: 'FAULT' }, "vrrpd's link cut")
  const kCut = k.proc.find(MASTER, { since: cut })!
  // The timer runs from vrrpd's last advert, up to one advert_int before the cut.
  t.ok(kCut.at - cut > MASTER_DOWN_90_MS - 1000 - 300, `keepalived waited out Master_Down_Interval (${MASTER_DOWN_90_MS} ms from the last advert): no priority 0 came`)
  t.comment(`link cut: vrrpd FAULT ${ms(cut, v.proc.find(/Entering FAULT STATE/, { since: cut })!.at)}, keepalived MASTER ${ms(cut, kCut.at)} after the cut`)
  await holdsSettled(t, lab, { master: k, backup: v, backupState: 'FAULT' }, "vrrpd's link cut")
  const heal = performance.now()
  await lab.heal(VRRPD_HOST)
  await waitSettled(t, lab, { master: v, backup: k }, "vrrpd's link healed (preempt)")
  t.comment(`link healed: vrrpd MASTER ${ms(heal, v.proc.find(MASTER, { since: heal })!.at)}, keepalived BACKUP ${ms(heal, k.proc.find(/Entering BACKUP STATE/, { since: heal })!.at)} after the heal`)
  await holdsSettled(t, lab, { master: v, backup: k }, "vrrpd's link healed (preempt)")

  // Roles swapped: keepalived 100 / vrrpd 90, keepalived started first.
  await Promise.all([v.stop(), k.stop()])
  t.same([await hasVip(lab, VRRPD_HOST), await hasVip(lab, KEEPALIVED_HOST)], [false, false], 'both stopped: no VIP left behind')
  const capV = await startCapture(lab, VRRPD_HOST, 'vrrp')
  t.teardown(() => capV.stop())
  const t1 = performance.now()
  k = start.keepalived(100)
  await k.waitForLog(BACKUP_INIT, 10_000)
  v = start.vrrpd(90)
  await waitSettled(t, lab, { master: k, backup: v }, 'keepalived 100 / vrrpd 90')
  t.comment(`keepalived MASTER ${ms(t1, k.proc.find(MASTER)!.at)} after its start`)
  t.notOk(v.proc.find(MASTER), 'vrrpd never became MASTER while keepalived ran with the higher priority')
  // The client learns the VIP now, and the window below outlasts the 1 s locktime
  // in which Linux ignores a gratuitous ARP for a fresh entry.
  // (curl to a closed port: ARP resolves the VIP, the RST ends it; no ping on CI images.)
  await lab.exec('client', 'curl', ['-s', '-m', '2', `http://${vip}:9/`], { allowFail: true })
  t.equal(await lab.neighbour('client', vip), lab.mac(KEEPALIVED_HOST), "the client's neighbour entry for the VIP is keepalived's MAC")
  await holdsSettled(t, lab, { master: k, backup: v }, 'keepalived 100 / vrrpd 90')
  await wire(capV, KEEPALIVED_HOST, 100, "keepalived's adverts at vrrpd")

  const term2 = performance.now()
  t.equal(await k.stop('SIGTERM'), 0, 'keepalived exits 0 on SIGTERM')
  const vTakeover = await v.waitForLog(MASTER, 8000, term2)
  const prio0 = v.proc.find(/\(VI_1\) Backup received priority 0 advertisement/, { since: term2 })
  t.ok(prio0 && prio0.at <= vTakeover.at, "vrrpd logged keepalived's priority 0 before taking over")
  t.ok(vTakeover.at - term2 < MASTER_DOWN_90_MS, `vrrpd took over before Master_Down_Interval (${MASTER_DOWN_90_MS} ms)`)
  t.comment(`vrrpd MASTER ${ms(term2, vTakeover.at)} after SIGTERM to keepalived (skew 648 ms)`)
  // RFC 3768 6.4.2: the new master's gratuitous ARP moves the client's entry.
  const moving = waitFor("the client's neighbour entry for the VIP to move to vrrpd's MAC", async () => (await lab.neighbour('client', vip)) === lab.mac(VRRPD_HOST) && performance.now(), 8000, 20)
  moving.catch(() => undefined) // awaited below, after the settle check
  await waitSettled(t, lab, { master: v, backup: k }, 'after SIGTERM to keepalived')
  const moved = await moving
  t.pass("the client's neighbour entry for the VIP points at vrrpd's MAC")
  t.comment(`client neighbour entry seen moved ${ms(vTakeover.at, moved)} after vrrpd's MASTER line (upper bound: includes the polling of a loaded machine)`)
  await holdsSettled(t, lab, { master: v, backup: k }, 'after SIGTERM to keepalived')
}
