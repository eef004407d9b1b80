// Issue 8 item 1 "Must show": a SIGHUP with an unchanged config and failing
// checks moves nothing, in vrrpd and in keepalived 2.2.7 side by side in one lab.
// On each of v (vrrpd) and k (keepalived):
// - VI_1 tracks a failing weight -20 check: 100 -> 80, BACKUP to a peer at 90.
//   Were the check reset to OK by the reload, it would go back to 100 and take
//   the VIP from the peer;
// - VI_2 tracks a failing weight-0 check: FAULT. Reset, it would go BACKUP and
//   run its notify.
// After the reload: no state line, no priority change, no address event in the
// namespace (`ip monitor address`), no notify, on both daemons and both peers
// (keepalived vrrp.c clear_diff_script: "considered unsuccessful on reload").
import t from 'tap'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { addressesOn, fileLines, renderConf, scratchDir, startAddressMonitor, startRuntimeVrrpd, writeScript, type InstanceSpec } from '../helpers/runtime-vrrpd.js'
import type { Daemon } from '../../src/lab/daemon.js'
import type { LogLine } from '../../src/lab/proc.js'

const STATE = /\((VI_\d)\) Entering (MASTER|BACKUP|FAULT) STATE/
// keepalived's reloaded instance starts from its base priority and logs "Changing
// effective priority from 100 to 80" as it applies the kept result: no change on
// the wire (docs/operations.md). A priority going anywhere else is a move.
const MOVES = /Entering (MASTER|BACKUP|FAULT) STATE|Changing effective priority from \d+ to (?!80$)\d+|setting VIPs|removing VIPs/

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['v', 'vp', 'k', 'kp'] })
  const dir = scratchDir(t, 'reload-tracks')
  // The flag never exists: both checks fail from their first run on.
  const check = `/usr/bin/test -f ${dir}/healthy`
  const blocks = [
    `vrrp_script chk {\n  script "${check}"\n  interval 1\n  weight -20\n}\n`,
    `vrrp_script chk0 {\n  script "${check}"\n  interval 1\n  weight 0\n}\n`,
  ]
  const notify = (who: string) => writeScript(`${dir}/notify-${who}.sh`, `echo "$*" >> ${dir}/notify-${who}.log`)
  const tracked = (who: string, vrid: number, vipBase: number): InstanceSpec[] => [
    { name: 'VI_1', iface: 'eth0', vrid, priority: 100, vips: [`${lab.address(vipBase)}/24`], extra: ['track_script {', '  chk', '}', `notify "${notify(who)}"`] },
    { name: 'VI_2', iface: 'eth0', vrid: vrid + 1, priority: 100, vips: [`${lab.address(vipBase + 1)}/24`], extra: ['track_script {', '  chk0', '}', `notify "${notify(who)}"`] },
  ]
  const peer = (who: string, vrid: number, vipBase: number): InstanceSpec =>
    ({ name: 'VI_1', iface: 'eth0', vrid, priority: 90, vips: [`${lab.address(vipBase)}/24`], extra: [`notify "${notify(who)}"`] })
  const vipsOn = async (host: string) => (await addressesOn(lab, host)).filter((a) => a.startsWith(`${lab.subnet}.17`))
  const vConf = renderConf({ blocks, instances: tracked('v', 71, 171) })
  const kConf = renderConf({ blocks, instances: tracked('k', 73, 173) })

  // The peers first: MASTER at 90 before the tracked nodes start.
  const vp = startRuntimeVrrpd(t, lab, 'vp', { config: renderConf({ instances: [peer('vp', 71, 171)] }) })
  t.teardown(() => vp.stop())
  const kp = startKeepalived(lab, 'kp', { config: renderConf({ instances: [peer('kp', 73, 173)] }) })
  t.teardown(() => kp.stop())
  await vp.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await kp.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  const v = startRuntimeVrrpd(t, lab, 'v', { config: vConf })
  t.teardown(() => v.stop())
  const k = startKeepalived(lab, 'k', { config: kConf })
  t.teardown(() => k.stop())

  const routers: Array<[string, Daemon]> = [['vrrpd', v], ['keepalived', k]]
  for (const [name, d] of routers) {
    await d.waitForLog(/\(VI_1\) Changing effective priority from 100 to 80/, 10_000)
    await waitFor(`${name}: VI_1 BACKUP`, () => d.state('VI_1') === 'BACKUP', 10_000)
  }
  // keepalived logs no state line for an instance that goes from INIT to FAULT: its notify tells.
  for (const w of ['v', 'k']) {
    await waitFor(`${w}: notify for VI_1 BACKUP and VI_2 FAULT`, () => {
      const lines = fileLines(`${dir}/notify-${w}.log`)
      return lines.includes('INSTANCE VI_1 BACKUP 80') || lines.includes('INSTANCE VI_1 BACKUP 100') ? lines.some((l) => l.startsWith('INSTANCE VI_2 FAULT')) : false
    }, 10_000)
  }
  // Let the start settle: notify scripts and first runs done.
  await new Promise((r) => setTimeout(r, 1500))

  t.test('SIGHUP with the same config: nothing moves, in vrrpd as in keepalived', async (t) => {
    const notifiesBefore = Object.fromEntries(['v', 'vp', 'k', 'kp'].map((w) => [w, fileLines(`${dir}/notify-${w}.log`)]))
    const monitors = { v: startAddressMonitor(lab, 'v'), k: startAddressMonitor(lab, 'k'), vp: startAddressMonitor(lab, 'vp'), kp: startAddressMonitor(lab, 'kp') }
    await new Promise((r) => setTimeout(r, 300)) // the monitors are listening
    const sent = performance.now()
    v.writeConfig(vConf)
    v.signal('SIGHUP')
    k.proc.child.kill('SIGHUP')
    await v.waitForLog(/Reload finished/, 10_000, sent)
    for (const [name, d] of routers) {
      await d.waitForLog(/VRRP_Script\(chk\) considered unsuccessful on reload/, 10_000, sent)
      await d.waitForLog(/VRRP_Script\(chk0\) considered unsuccessful on reload/, 10_000, sent)
      t.pass(`${name}: both checks considered unsuccessful on reload`)
    }
    // Longer than Master_Down_Interval (3 x 1 s + skew): a priority back at 100 would have preempted the peer by now.
    await new Promise((r) => setTimeout(r, 5000))
    for (const m of Object.values(monitors)) await m.stop('SIGTERM', 2000)

    const since = (d: Daemon): LogLine[] => d.proc.lines.filter((l) => l.at >= sent)
    for (const [name, d, p] of [['vrrpd', v, vp], ['keepalived', k, kp]] as const) {
      t.same(since(d).filter((l) => MOVES.test(l.text)).map((l) => l.text), [], `${name}: no state change, no priority change, no VIP work`)
      t.same(since(p).filter((l) => STATE.test(l.text)).map((l) => l.text), [], `${name}'s peer: no state change`)
      t.equal(d.state('VI_1'), 'BACKUP')
    }
    for (const h of ['v', 'k']) t.same(await vipsOn(h), [], `${h} holds neither VIP`)
    for (const [host, m] of Object.entries(monitors)) {
      t.same(m.lines.filter((l) => l.stream === 'stdout').map((l) => l.text), [], `${host}: ip monitor address saw no event`)
    }
    for (const w of ['v', 'vp', 'k', 'kp']) t.same(fileLines(`${dir}/notify-${w}.log`), notifiesBefore[w], `${w}: no notify ran`)
    t.match((await v.status()).instances.map((i) => [i.name, i.state, i.effectivePriority]), [['VI_1', 'BACKUP', 80], ['VI_2', 'FAULT', 100]], 'vrrpd status: 80 and FAULT')
  })
}
