// vrrpd as the hardened systemd unit runs it: an unprivileged user holding only
// CAP_NET_ADMIN and CAP_NET_RAW. Everything a master does must still work:
// raw protocol-112 socket, `ip addr`, gratuitous ARP on a packet socket, scripts.
import t from 'tap'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
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
  const script = `vrrp_script chk {\n  script "${check}"\n  interval 1\n}\n`

  const b = startVrrpd(lab, 'b', { config: renderKeepalivedConf({ iface: lab.iface('b'), priority: 90, vips: [`${vip}/24`] }) })
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await lab.exec('client', 'ping', ['-c', '1', '-W', '2', vip])
  t.equal(await lab.neighbour('client', vip), lab.mac('b'), 'the client reaches the VIP at b first')

  const a = startVrrpd(lab, 'a', {
    config: script + renderKeepalivedConf({ iface: lab.iface('a'), priority: 100, vips: [`${vip}/24`], extra: ['track_script {', '  chk', '}'] }),
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
  const status = await a.status()
  t.equal(status.instances[0]?.state, 'MASTER', '`vrrpd status` answers from the unprivileged daemon')

  const stopping = performance.now()
  t.equal(await a.stop('SIGTERM'), 0, 'clean exit')
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 5_000, stopping)
  t.notOk(await hasVip('a'), 'the unprivileged daemon removed its VIP on stop')
  await b.stop()
})
