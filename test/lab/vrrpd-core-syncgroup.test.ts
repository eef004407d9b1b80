// A sync group under a partial partition, vrrpd beside keepalived 2.2.7 in the
// same lab (issue 12). h1 and h2 share two LANs: eth0 (the lab bridge, with a
// client) and eth1 (a second bridge). Each host runs a keepalived sync group
// (VRIDs 71 on eth0, 72 on eth1) and a vrrpd one (81, 82); h1 at priority 100, h2
// at 90. Then h1's eth1 port on the switch is disabled: h1 keeps its carrier but
// hears and reaches nobody on eth1. keepalived keeps h2 BACKUP (vrrp_sync.c
// vrrp_sync_can_goto_master: a group goes MASTER only when every member wants
// to); vrrpd used to flap h2 every Master_Down_Interval and lose 56 % of the
// client's pings to the eth0 VIP.
import t from 'tap'
import { createLab, requireRoot } from '../helpers/netns.js'
import { secondLan, setPort } from '../helpers/switch-port.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import type { Daemon } from '../../src/lab/daemon.js'

const LAN1 = '192.168.77'
const CUT_PINGS = 60
const PING_INTERVAL_S = 0.25

function conf(vrids: [number, number], vips: [string, string], priority: number): string {
  const inst = (name: string, iface: string, vrid: number, vip: string) => `vrrp_instance ${name} {
  state BACKUP
  interface ${iface}
  virtual_router_id ${vrid}
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}
  }
}
`
  return `vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
}
${inst('VI_1', 'eth0', vrids[0], `${vips[0]}/24 dev eth0`)}${inst('VI_2', 'eth1', vrids[1], `${vips[1]}/24 dev eth1`)}`
}

const entering = (d: Daemon, since: number) => d.proc.lines.filter((l) => l.at >= since && /\(VI_\d\) Entering \w+ STATE/.test(l.text)).map((l) => l.text)

t.test('sync group, h1 cut off one LAN with carrier: h2 makes no transition and the client loses no ping, as with keepalived', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['h1', 'h2', 'c'] })
  await secondLan(lab, ['h1', 'h2'], LAN1)
  const kaVips: [string, string] = [lab.address(171), `${LAN1}.172`]
  const vdVips: [string, string] = [lab.address(181), `${LAN1}.182`]
  const start = (host: string, priority: number) => {
    const ka = startKeepalived(lab, host, { config: conf([71, 72], kaVips, priority) })
    const vd = startVrrpd(lab, host, { config: conf([81, 82], vdVips, priority) })
    t.teardown(() => ka.stop('SIGKILL'))
    t.teardown(() => vd.stop('SIGKILL'))
    return { ka, vd }
  }
  // h1 first, so that it is MASTER before h2 exists and no start-up race muddies the count.
  const h1 = start('h1', 100)
  for (const d of [h1.ka, h1.vd]) for (const i of ['VI_1', 'VI_2']) await d.waitForLog(new RegExp(`\\(${i}\\) Entering MASTER STATE`), 15_000)
  const h2 = start('h2', 90)
  for (const d of [h2.ka, h2.vd]) for (const i of ['VI_1', 'VI_2']) await d.waitForLog(new RegExp(`\\(${i}\\) Entering BACKUP STATE`), 15_000)
  await new Promise((r) => setTimeout(r, 2000))

  const cut = performance.now()
  await setPort(lab, 'h1', 'eth1', false)
  // The client pings both eth0 VIPs for the whole cut (CUT_PINGS x 0.25 s = 15 s: four Master_Down_Intervals).
  const ping = (vip: string) => lab.exec('c', 'ping', ['-n', '-q', '-c', String(CUT_PINGS), '-i', String(PING_INTERVAL_S), '-W', '2', vip], { allowFail: true, timeoutMs: 60_000 })
  const [kaPing, vdPing] = await Promise.all([ping(kaVips[0]), ping(vdVips[0])])
  const received = (r: { stdout: string }) => Number(/(\d+) received/.exec(r.stdout)?.[1] ?? -1)
  t.comment(`keepalived VIP: ${received(kaPing)}/${CUT_PINGS} replies; vrrpd VIP: ${received(vdPing)}/${CUT_PINGS}`)
  t.same(entering(h2.ka, cut), [], 'keepalived h2: no transition during the cut (the reference)')
  t.same(entering(h2.vd, cut), [], 'vrrpd h2: no transition during the cut')
  t.same(entering(h1.vd, cut), [], 'vrrpd h1: none either (its eth1 member hears nobody and stays MASTER)')
  t.equal(received(kaPing), CUT_PINGS, 'keepalived: the client lost no ping')
  t.equal(received(vdPing), CUT_PINGS, 'vrrpd: the client lost no ping')

  const healed = performance.now()
  await setPort(lab, 'h1', 'eth1', true)
  await new Promise((r) => setTimeout(r, 5000))
  t.same(entering(h2.vd, healed), [], 'vrrpd h2: nothing moves when the port comes back')
  t.same(entering(h2.ka, healed), [], 'keepalived h2: nothing either')
  for (const d of [h1.vd, h1.ka]) t.same([d.state('VI_1'), d.state('VI_2')], ['MASTER', 'MASTER'], `${d.kind} h1 still MASTER of both`)
})
