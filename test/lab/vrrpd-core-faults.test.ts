// A core step that throws (issue 8 item 9), in real namespaces, beside keepalived
// 2.2.7 in the same lab. Host a runs vrrpd (VRID 91) and keepalived (VRID 92) as
// masters at priority 150; b runs keepalived for both at 100.
// - vrrpd: a fault injected into the core (test/fixtures/lab/throw-in-step.mjs, a
//   module hook outside vrrpd's code) makes one step throw half-way. vrrpd must
//   send priority 0, remove its VIP and exit 70; b takes over at once.
// - keepalived: its VRRP child is killed (-9), the nearest thing to the same bug;
//   the parent respawns it, the new child clears the VIPs it finds and elects
//   again.
// - vrrpd restarted (as systemd's Restart=on-failure would) comes back the same
//   way: both VIPs end on a, none on b.
import t from 'tap'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { hasAddress, holders } from '../helpers/pair-lab.js'
import { scratchDir } from '../helpers/runtime-vrrpd.js'

const HOOK = fileURLToPath(new URL('../fixtures/lab/throw-in-step.mjs', import.meta.url))

function instance(name: string, vrid: number, priority: number, vip: string, extra = ''): string {
  return `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}/24
  }
${extra}}
`
}

/** vrrpd in `host`, with the fault-injection hook loaded when `inject`. */
function vrrpdWith(lab: Parameters<typeof startVrrpd>[0], host: string, config: string, inject: boolean): Vrrpd {
  const before = process.env.NODE_OPTIONS
  if (inject) process.env.NODE_OPTIONS = `${before ?? ''} --import=${HOOK}`.trim()
  try {
    return startVrrpd(lab, host, { config })
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS
    else process.env.NODE_OPTIONS = before
  }
}

t.test('a step that throws: vrrpd releases and exits 70, the peer takes over; restarted, it comes back as a respawned keepalived does', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const dir = scratchDir(t, 'faults')
  const flag = join(dir, 'inject')
  const vdVip = lab.address(191)
  const kaVip = lab.address(192)
  const script = `vrrp_script chk_inject_fault {\n  script "/usr/bin/test ! -e ${flag}"\n  interval 1\n}\n`
  const vdConf = script + instance('VI_1', 91, 150, vdVip, '  track_script {\n    chk_inject_fault\n  }\n')

  const vd = vrrpdWith(lab, 'a', vdConf, true)
  t.teardown(() => vd.stop('SIGKILL'))
  const ka = startKeepalived(lab, 'a', { config: instance('VI_2', 92, 150, kaVip) })
  t.teardown(() => ka.stop('SIGKILL'))
  await vd.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  await ka.waitForLog(/\(VI_2\) Entering MASTER STATE/, 15_000)
  const peer = startKeepalived(lab, 'b', { config: instance('VI_1', 91, 100, vdVip) + instance('VI_2', 92, 100, kaVip) })
  t.teardown(() => peer.stop('SIGKILL'))
  await peer.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 15_000)
  await peer.waitForLog(/\(VI_2\) Entering BACKUP STATE/, 15_000)
  t.same(await holders(lab, ['a', 'b'], vdVip), ['a'])

  // vrrpd: the script fails, its step throws.
  const injected = performance.now()
  writeFileSync(flag, '')
  t.equal(await Promise.race([vd.proc.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]), 70, 'vrrpd exits 70 (EX_SOFTWARE)')
  t.ok(vd.proc.lines.some((l) => l.at >= injected && /internal error while handling trackChanged: injected fault - releasing VIPs and exiting \(code 70\)/.test(l.text)), 'says why, once')
  t.notOk(await hasAddress(lab, 'a', vdVip), 'the VIP was released before the exit')
  t.notOk(vd.proc.lines.some((l) => l.at >= injected && /Entering (MASTER|BACKUP|FAULT) STATE/.test(l.text)), 'no notify-worthy transition is claimed from the untrusted state')
  await peer.waitForLog(/\(VI_1\) Backup received priority 0 advertisement/, 5000, injected)
  await peer.waitForLog(/\(VI_1\) Entering MASTER STATE/, 5000, injected)
  await waitFor('b to hold the vrrpd VIP', async () => (await holders(lab, ['a', 'b'], vdVip)).join() === 'b' || undefined, 5000, 50)

  // keepalived: its VRRP child dies the hard way; the parent respawns it.
  const killed = performance.now()
  const child = readFileSync(join(ka.dir, 'keepalived_vrrp.pid'), 'utf8').trim()
  await lab.exec('a', 'kill', ['-9', child])
  await ka.waitForLog(/VRRP child process\(\d+\) died: Respawning/, 10_000, killed)
  // The dead child left its VIP; the new one finds it at start and removes it
  // (vrrp.c vrrp_restore_interfaces_startup) before it enters BACKUP.
  const kaCleared = await ka.waitForLog(/\(VI_2\) removing VIPs\./, 10_000, killed)
  const kaBackup = await ka.waitForLog(/\(VI_2\) Entering BACKUP STATE/, 10_000, killed)
  t.ok(kaCleared.at <= kaBackup.at, 'keepalived: the stale VIP is removed at start, before BACKUP')

  // vrrpd restarted, as systemd would (Restart=on-failure), with the script healthy,
  // and with its VIP planted back on a, as a vrrpd killed with -9 would have left it.
  rmSync(flag)
  await lab.exec('a', 'ip', ['addr', 'add', `${vdVip}/24`, 'dev', 'eth0'])
  const restarted = vrrpdWith(lab, 'a', vdConf, false)
  t.teardown(() => restarted.stop('SIGKILL'))
  // (the wording is vrrpd's; keepalived says "(VI_1) removing VIPs.")
  const vdCleared = await restarted.waitForLog(new RegExp(`leftover VIP ${vdVip.replaceAll('.', '\\.')}\\b|\\(VI_1\\) removing VIPs\\.`), 15_000)
  const vdBackup = await restarted.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 15_000)
  t.ok(vdCleared.at <= vdBackup.at, 'vrrpd: the stale VIP is removed at start, before BACKUP, as keepalived does')
  // Both preempt b (150 > 100) after Master_Down_Interval.
  await restarted.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  await ka.waitForLog(/\(VI_2\) Entering MASTER STATE/, 15_000, killed)
  for (const vip of [vdVip, kaVip]) await waitFor(`a alone to hold ${vip}`, async () => (await holders(lab, ['a', 'b'], vip)).join() === 'a' || undefined, 5000, 50)
  t.pass('vrrpd and keepalived end the same: a holds both VIPs, b none')
})
