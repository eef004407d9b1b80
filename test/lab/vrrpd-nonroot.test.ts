// vrrpd as the hardened systemd drop-in runs it: an unprivileged user holding only
// CAP_NET_ADMIN and CAP_NET_RAW. Everything a master does must still work:
// raw protocol-112 socket, `ip addr`, gratuitous ARP on a packet socket, scripts;
// and what the drop-in documents as broken is broken (`killall -0` on a root process).
// Without one of the two capabilities vrrpd names it and exits.
import t from 'tap'
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { renderKeepalivedConf } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'

const NOBODY = { uid: 65534, gid: 65534 }

t.test('an unprivileged vrrpd with two capabilities takes and gives back the VIP', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
  const vip = lab.address(100)
  const hasVip = async (host: string) => (await lab.exec(host, 'ip', ['-o', 'addr', 'show', 'dev', lab.iface(host)])).stdout.includes(` ${vip}/`)

  // A check script that records who runs it, in a directory nobody can use.
  const dir = mkdtempSync(join(tmpdir(), 'vrt-nonroot-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o755)
  const out = join(dir, 'out')
  mkdirSync(out)
  chownSync(out, NOBODY.uid, NOBODY.gid)
  const uidFile = join(out, 'uid')
  const check = join(dir, 'check.sh')
  writeFileSync(check, `#!/bin/sh\nid -u > ${uidFile}\n`)
  chmodSync(check, 0o755)
  // A root process with a name of its own, as haproxy would be, and keepalived's sample check on it.
  const rootProc = `vrtroot${lab.id.replace(/[^a-z0-9]/gi, '').slice(-6)}`.slice(0, 15)
  copyFileSync('/bin/sleep', join(dir, rootProc))
  const rootSvc = lab.spawn('a', join(dir, rootProc), ['600'])
  t.teardown(() => void rootSvc.kill('SIGKILL'))
  const script = `vrrp_script chk {\n  script "${check}"\n  interval 1\n}\nvrrp_script chk_root {\n  script "killall -0 ${rootProc}"\n  interval 1\n  weight -5\n}\n`

  const b = startVrrpd(lab, 'b', { config: renderKeepalivedConf({ iface: lab.iface('b'), priority: 90, vips: [`${vip}/24`] }) })
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await lab.exec('client', 'ping', ['-c', '1', '-W', '2', vip])
  t.equal(await lab.neighbour('client', vip), lab.mac('b'), 'the client reaches the VIP at b first')

  const a = startVrrpd(lab, 'a', {
    config: script + renderKeepalivedConf({ iface: lab.iface('a'), priority: 100, vips: [`${vip}/24`], extra: ['track_script {', '  chk', '  chk_root', '}'] }),
    nonRoot: NOBODY,
  })
  await a.waitForLog(/running as uid 65534, not root/, 10_000)
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 5_000)
  await waitFor('the VIP on a', async () => (await hasVip('a')) || undefined, 3000)
  await waitFor('the VIP gone from b', async () => !(await hasVip('b')) || undefined, 3000)
  await waitFor("the client's neighbour entry at a's MAC (GARP from a packet socket)", async () => (await lab.neighbour('client', vip)) === lab.mac('a') || undefined, 3000)
  t.pass('raw socket, ip addr add and gratuitous ARP work with CAP_NET_RAW + CAP_NET_ADMIN only')

  await waitFor('the check script has run', () => existsSync(uidFile) || undefined, 5000)
  t.equal(readFileSync(uidFile, 'utf8').trim(), String(NOBODY.uid), 'scripts run as vrrpd\'s own unprivileged user')
  await a.waitForLog(/VRRP_Script\(chk_root\) failed/, 10_000)
  t.pass('documented breakage: `killall -0` on a root process fails for the unprivileged user (the root unit passes it: vrrpd-service.test.ts)')
  const status = await a.status()
  t.equal(status.instances[0]?.state, 'MASTER', '`vrrpd status` answers from the unprivileged daemon')
  t.equal(status.instances[0]?.effectivePriority, 95, 'the failing check costs its weight')

  const stopping = performance.now()
  t.equal(await a.stop('SIGTERM'), 0, 'clean exit')
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 5_000, stopping)
  t.notOk(await hasVip('a'), 'the unprivileged daemon removed its VIP on stop')
  await b.stop()

  // The same user without CAP_NET_RAW (or CAP_NET_ADMIN): the capability is named, once,
  // and vrrpd exits 1 before it opens anything (no stack trace, no idling in FAULT). In the
  // service's environment: tap's hooks in NODE_OPTIONS would write stack traces of their own.
  for (const [cap, kept] of [['CAP_NET_RAW', 'net_admin'], ['CAP_NET_ADMIN', 'net_raw']] as const) {
    const c = startVrrpd(lab, 'a', { config: renderKeepalivedConf({ iface: lab.iface('a'), priority: 100, vips: [`${vip}/24`] }), nonRoot: { ...NOBODY, caps: [kept] }, serviceEnv: true })
    t.equal(await c.proc.exited, 1, `without ${cap}: exit 1`)
    const text = c.proc.lines.map((l) => l.text)
    t.equal(text.filter((l) => l.includes(`vrrpd needs ${cap}`)).length, 1, `without ${cap}: named once`)
    t.same(text.filter((l) => /^\s+at |"stack"|Entering (MASTER|BACKUP|FAULT)/.test(l)), [], `without ${cap}: no stack trace, no instance started`)
  }
})
