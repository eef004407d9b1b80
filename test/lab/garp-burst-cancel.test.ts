// Issue 8 item 8: a gratuitous ARP burst stops when the instance lets the VIP go.
// a becomes MASTER with a slow burst (garp_master_repeat 10, garp_interval 1 s);
// b (priority 200) preempts it a few seconds in. From the moment a leaves MASTER,
// no GARP for the VIP may leave a: it would pull the clients back to a node that
// no longer holds the address. Seen on the wire by a capture on the client.
import t from 'tap'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startCapture, type ArpPacket } from '../helpers/capture.js'
import { addressesOn, renderConf, startRuntimeVrrpd, type InstanceSpec } from '../helpers/runtime-vrrpd.js'

if (requireRoot(t)) {
  t.test('no GARP leaves the old master after it released the VIP', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
    const vip = lab.address(150)
    const cap = await startCapture(lab, 'client', 'arp')
    t.teardown(() => cap.stop())
    const inst = (priority: number): InstanceSpec => ({
      name: 'VI_1', iface: 'eth0', vrid: 95, priority, vips: [`${vip}/24`],
      extra: ['garp_master_repeat 10', 'garp_interval 1', 'garp_master_delay 0'],
    })
    const a = startRuntimeVrrpd(t, lab, 'a', { config: renderConf({ instances: [inst(100)] }) })
    t.teardown(() => a.stop())
    await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
    const garpsFromA = async (): Promise<ArpPacket[]> =>
      (await cap.packets()).filter((p): p is ArpPacket => p.kind === 'arp' && p.srcMac === lab.mac('a') && p.sender === vip && p.target === vip)
    await waitFor('the burst started', async () => (await garpsFromA()).length >= 1, 5000)

    const preempt = performance.now()
    const b = startRuntimeVrrpd(t, lab, 'b', { config: renderConf({ instances: [inst(200)] }) })
    t.teardown(() => b.stop())
    await a.waitForLog(/\(VI_1\) Entering BACKUP STATE$/, 15_000, preempt)
    await waitFor('VIP gone from a', async () => !(await addressesOn(lab, 'a')).includes(vip), 3000)
    // Whatever was in flight when a let go has reached the client by now.
    await new Promise((r) => setTimeout(r, 300))
    const atRelease = (await garpsFromA()).length
    t.ok(atRelease < 10, `the burst was cut short: ${atRelease} of 10 GARPs went out before a released the VIP`)
    // Two more garp_interval periods: a running burst would have sent two more.
    await new Promise((r) => setTimeout(r, 2500))
    t.equal((await garpsFromA()).length, atRelease, 'no GARP from a after it released the VIP')
    await waitFor('b holds the VIP', async () => (await addressesOn(lab, 'b')).includes(vip), 5000)
    t.pass('b holds the VIP')
  })
}
