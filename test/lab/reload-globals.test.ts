// Issue 8 items 2 and 7: a reload applies global_defs, and a unicast instance's
// socket joins no multicast group. vrrpd (host v) and keepalived 2.2.7 (host k)
// go through the same three configs side by side:
// 1. multicast on the default group, notify FIFO A;
// 2. vrrp_mcast_group4 224.0.0.19, FIFO B, a second instance: the membership
//    follows the new group (`ip maddr` in the namespace), and the new instance's
//    transitions reach FIFO B, not A;
// 3. both instances unicast: the socket leaves the group.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { fileLines, renderConf, scratchDir, startRuntimeVrrpd, writeScript, type InstanceSpec } from '../helpers/runtime-vrrpd.js'
import type { Daemon } from '../../src/lab/daemon.js'

/** The IPv4 multicast groups eth0 is a member of, besides all-hosts (224.0.0.1). */
async function groups(lab: Lab, host: string): Promise<string[]> {
  const r = await lab.exec(host, 'ip', ['-4', 'maddr', 'show', 'dev', 'eth0'])
  return [...r.stdout.matchAll(/inet\s+(\S+)/g)].map((m) => m[1]!).filter((g) => g !== '224.0.0.1').sort()
}

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['v', 'k'] })
  const dir = scratchDir(t, 'reload-globals')
  const reader = writeScript(`${dir}/fifo-reader.sh`, `exec cat "$1" >> "$1.out"`)
  const conf = (host: string, vrid: number, step: 1 | 2 | 3): string => {
    const fifo = `${dir}/${host}-${step === 1 ? 'A' : 'B'}.fifo`
    const unicast = step === 3 ? [`unicast_src_ip ${lab.ip(host)}`, 'unicast_peer {', `  ${lab.address(250)}`, '}'] : []
    const inst = (name: string, id: number, vip: number): InstanceSpec => ({ name, iface: 'eth0', vrid: id, priority: 100, vips: [`${lab.address(vip)}/24`], extra: unicast })
    return renderConf({
      global: [...(step >= 2 ? ['vrrp_mcast_group4 224.0.0.19'] : []), `vrrp_notify_fifo ${fifo}`, `vrrp_notify_fifo_script ${reader}`],
      instances: step === 1 ? [inst('VI_1', vrid, vrid + 100)] : [inst('VI_1', vrid, vrid + 100), inst('VI_2', vrid + 1, vrid + 101)],
    })
  }
  const out = (host: string, f: 'A' | 'B') => fileLines(`${dir}/${host}-${f}.fifo.out`)

  const v = startRuntimeVrrpd(t, lab, 'v', { config: conf('v', 91, 1) })
  t.teardown(() => v.stop())
  const k = startKeepalived(lab, 'k', { config: conf('k', 93, 1) })
  t.teardown(() => k.stop())
  const routers: Array<[string, Daemon, number]> = [['v', v, 91], ['k', k, 93]]
  const reload = (host: string, d: Daemon, vrid: number, step: 2 | 3) => {
    if (d === v) {
      v.writeConfig(conf(host, vrid, step))
      v.signal('SIGHUP')
    } else {
      writeFileSync(k.configPath, conf(host, vrid, step))
      k.proc.child.kill('SIGHUP')
    }
  }

  t.test('start: multicast on 224.0.0.18, transitions on FIFO A', async (t) => {
    for (const [host, d] of routers) {
      await d.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
      await waitFor(`${host}: FIFO A has VI_1 MASTER`, () => out(host, 'A').includes('INSTANCE "VI_1" MASTER 100'), 5000)
    }
    t.same(await groups(lab, 'v'), ['224.0.0.18'], 'vrrpd joined 224.0.0.18')
    t.same(await groups(lab, 'v'), await groups(lab, 'k'), 'as keepalived')
  })

  t.test('reload to vrrp_mcast_group4 224.0.0.19 and FIFO B: membership and FIFO follow', async (t) => {
    const sent = performance.now()
    for (const [host, d, vrid] of routers) reload(host, d, vrid, 2)
    for (const [host, d] of routers) {
      await d.waitForLog(/\(VI_2\) Entering MASTER STATE/, 10_000, sent)
      await waitFor(`${host}: FIFO B has VI_2 MASTER`, () => out(host, 'B').includes('INSTANCE "VI_2" MASTER 100'), 5000)
      t.same(out(host, 'A').filter((l) => l.includes('VI_2')), [], `${host}: nothing about VI_2 on FIFO A`)
    }
    // A child process holding an inherited copy of the old socket would keep 224.0.0.18 (the VRRP socket is close-on-exec: SOCK_CLOEXEC in src/io/advert-transport.ts).
    await waitFor('vrrpd left 224.0.0.18', async () => (await groups(lab, 'v')).join() === '224.0.0.19', 3000)
    t.same(await groups(lab, 'v'), ['224.0.0.19'], 'vrrpd: member of 224.0.0.19 only')
    t.same(await groups(lab, 'v'), await groups(lab, 'k'), 'as keepalived')
  })

  t.test('reload to unicast: the socket joins no group, as keepalived', async (t) => {
    const sent = performance.now()
    for (const [host, d, vrid] of routers) reload(host, d, vrid, 3)
    await v.waitForLog(/Reload finished/, 10_000, sent)
    await waitFor('keepalived reloaded', () => k.proc.find(/Reloading/, { since: sent }), 10_000)
    await waitFor('both left every VRRP group', async () => (await groups(lab, 'v')).length === 0 && (await groups(lab, 'k')).length === 0, 5000)
    t.same(await groups(lab, 'v'), [], 'vrrpd: no multicast group')
    t.same(await groups(lab, 'k'), [], 'keepalived: no multicast group')
  })
}
