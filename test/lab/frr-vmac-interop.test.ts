// use_vmac beside FRR 8.4's vrrpd, a virtual MAC on both sides, VRRPv3 over
// IPv4 and IPv6 at once (VRID 51 in both families, as FRR configures one
// virtual router with both): vrrpd's instances speak from their macvlans
// vrrp.51 (00:00:5e:00:01:33) and vrrp6.51 (00:00:5e:00:02:33). In one lab:
// vrrpd (100) master with FRR (90) backing it up; SIGTERM hands over to FRR
// and vrrpd's macvlans go; vrrpd back at 80 stays backup under FRR; FRR stops
// and vrrpd takes over; a reload renames the IPv4 VMAC. Each step in both families.
import t from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { startCapture } from '../helpers/capture.js'
import { captureIpv6 } from '../helpers/ipv6-wire.js'
import { frrInstalled, startFrr, vmacV4, vmacV6, type Frr } from '../helpers/frr.js'

const VRID = 51
const ELECTION_MS = 20_000
const master = (i: string): RegExp => new RegExp(`\\(${i}\\) Entering MASTER STATE`)
const backup = (i: string): RegExp => new RegExp(`\\(${i}\\) Entering BACKUP STATE`)
const FRR_MASTER = (f: 4 | 6): RegExp => new RegExp(`\\[VRID 51\\] \\[IPv${f}\\] Backup -> Master`)

function vrrpdConf(lab: Lab, priority: number, vip4: string, vip6: string, vmac4 = ''): string {
  const iface = lab.iface('v')
  const instance = (name: string, vip: string, vmacName = ''): string => `vrrp_instance ${name} {
  state BACKUP
  interface ${iface}
  virtual_router_id ${VRID}
  priority ${priority}
  advert_int 1
  version 3
  use_vmac ${vmacName}
  virtual_ipaddress {
    ${vip}
  }
}
`
  return `global_defs {\n  vrrp_version 3\n}\n${instance('VI_4', `${vip4}/24`, vmac4)}${instance('VI_6', `${vip6}/64`)}`
}

async function linkExists(lab: Lab, host: string, name: string): Promise<boolean> {
  return (await lab.exec(host, 'ip', ['link', 'show', 'dev', name], { allowFail: true })).code === 0
}

async function addressOn(lab: Lab, host: string, dev: string, address: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-o', 'addr', 'show', 'dev', dev], { allowFail: true })
  return r.stdout.includes(` ${address}/`)
}

t.test('use_vmac: vrrpd and FRR vrrpd, VMACs on both sides, VRRPv3 over IPv4 and IPv6', async (t) => {
  if (!requireRoot(t)) return
  if (!frrInstalled()) {
    if (process.env.CI === 'true') t.fail('FRR (/usr/lib/frr/vrrpd) missing: scripts/setup.sh installs it')
    else t.plan(0, 'skipped: FRR not installed (apt-get install frr)')
    return
  }
  const lab = await createLab(t, { hosts: ['v', 'f', 'client'], ipv6: true })
  const vip4 = lab.address(151)
  const vip6 = lab.ip6('v').replace(/::[0-9a-f]+$/, '::151')
  const daemons: { stop(): Promise<unknown> }[] = []
  t.teardown(() => Promise.all(daemons.map((d) => d.stop())))
  const cap = await startCapture(lab, 'client', 'vrrp')
  t.teardown(() => cap.stop())
  const cap6 = await captureIpv6(lab, 'client')
  let cap6Stopped = false
  t.teardown(async () => void (cap6Stopped || (await cap6.stop())))

  // 1. vrrpd (100) master in both families, FRR (90) backup.
  let v: Vrrpd = startVrrpd(lab, 'v', { config: vrrpdConf(lab, 100, vip4, vip6) })
  daemons.push(v)
  await v.waitForLog(master('VI_4'), ELECTION_MS)
  await v.waitForLog(master('VI_6'), ELECTION_MS)
  t.ok(await addressOn(lab, 'v', 'vrrp.51', vip4), 'the IPv4 VIP is on vrrp.51')
  t.ok(await addressOn(lab, 'v', 'vrrp6.51', vip6), 'the IPv6 VIP is on vrrp6.51 (keepalived\'s name for the second VMAC of a VRID)')
  const f: Frr = await startFrr(lab, 'f', { vrid: VRID, priority: 90, vips: [vip4], vips6: [vip6] })
  daemons.push(f)
  // Longer than FRR's Master_Down_Interval (3.65 s): a backup that ignored our adverts would have taken over.
  await new Promise((r) => setTimeout(r, 5000))
  t.equal((await f.status()).status, 'Backup', 'FRR IPv4 stays Backup under vrrpd')
  t.equal((await f.status6()).status, 'Backup', 'FRR IPv6 stays Backup under vrrpd')
  t.ok((await f.status()).adverRx >= 2 && (await f.status6()).adverRx >= 2, 'FRR received vrrpd\'s adverts in both families')
  const ours4 = (await cap.vrrp()).filter((p) => p.vrid === VRID && p.prio === 100)
  cap6Stopped = true
  const ours6 = (await cap6.stop()).adverts.filter((p) => p.vrid === VRID && p.prio === 100)
  t.ok(ours4.length >= 2 && ours4.every((p) => p.srcMac === vmacV4(VRID) && p.src === lab.ip('v')), `IPv4 adverts leave vrrp.51 at ${vmacV4(VRID)}, from the base's address (${ours4.length})`)
  t.ok(ours6.length >= 2 && ours6.every((p) => p.srcMac === vmacV6(VRID) && p.src.startsWith('fe80:') && p.hlim === 255), `IPv6 adverts leave vrrp6.51 at ${vmacV6(VRID)}, from a link-local address, hop limit 255 (${ours6.length})`)

  // 2. SIGTERM: FRR takes over in both families; vrrpd's macvlans go.
  const term = performance.now()
  await v.stop('SIGTERM', 10_000)
  await f.waitForLog(FRR_MASTER(4), ELECTION_MS, term)
  await f.waitForLog(FRR_MASTER(6), ELECTION_MS, term)
  t.pass('FRR became master for IPv4 and IPv6 after vrrpd stopped')
  t.equal(await linkExists(lab, 'v', 'vrrp.51'), false, 'vrrp.51 is gone after stop')
  t.equal(await linkExists(lab, 'v', 'vrrp6.51'), false, 'vrrp6.51 is gone after stop')

  // 3. vrrpd back at 80: backup under FRR (90) in both families, no takeover.
  const again = performance.now()
  v = startVrrpd(lab, 'v', { config: vrrpdConf(lab, 80, vip4, vip6) })
  daemons.push(v)
  await v.waitForLog(backup('VI_4'), ELECTION_MS)
  await v.waitForLog(backup('VI_6'), ELECTION_MS)
  await new Promise((r) => setTimeout(r, 5000))
  t.notOk(v.proc.lines.some((l) => l.at >= again && /Entering MASTER STATE/.test(l.text)), 'vrrpd (80) stayed backup under FRR (90): it hears FRR on its VMACs')
  t.equal((await f.status()).status, 'Master', 'FRR IPv4 still Master')
  t.equal((await f.status6()).status, 'Master', 'FRR IPv6 still Master')
  t.notOk(await addressOn(lab, 'v', 'vrrp.51', vip4), 'the backup holds no IPv4 VIP')

  // 4. FRR stops: vrrpd takes over in both families.
  await f.stop()
  await v.waitForLog(master('VI_4'), ELECTION_MS, again)
  await v.waitForLog(master('VI_6'), ELECTION_MS, again)
  t.ok(await addressOn(lab, 'v', 'vrrp.51', vip4), 'vrrpd took the IPv4 VIP on vrrp.51 when FRR went')
  t.ok(await addressOn(lab, 'v', 'vrrp6.51', vip6), 'vrrpd took the IPv6 VIP on vrrp6.51 when FRR went')

  // 5. A reload renames the IPv4 VMAC: the old one goes, the new one carries the VIP.
  const reloaded = performance.now()
  v.writeConfig(vrrpdConf(lab, 80, vip4, vip6, 'vmac4'))
  v.reload()
  await waitFor('the VIP on vmac4 after the reload', async () => (await addressOn(lab, 'v', 'vmac4', vip4)) || undefined, ELECTION_MS, 200).catch((e: unknown) => {
    t.comment(v.proc.tail(40))
    throw e
  })
  t.equal(await linkExists(lab, 'v', 'vrrp.51'), false, 'vrrp.51 is gone after the reload renamed it')
  t.ok(await addressOn(lab, 'v', 'vrrp6.51', vip6), 'the IPv6 instance kept its VMAC and VIP')
  t.notOk(v.proc.lines.some((l) => l.at >= reloaded && /Unable to create VMAC/.test(l.text)), 'no VMAC failed to be made')
  await v.stop('SIGTERM', 10_000)
  t.equal((await linkExists(lab, 'v', 'vmac4')) || (await linkExists(lab, 'v', 'vrrp6.51')), false, 'both macvlans are gone after the last stop')
})
