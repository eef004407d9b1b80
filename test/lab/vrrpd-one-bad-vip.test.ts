// issue 12 "one bad VIP is one bad VIP" and issue 8 item 5 (`brd +`), with
// keepalived 2.2.7 as the reference in the same lab: an instance whose VIPs are
// two good ones with `brd +` / `brd -` and one that the kernel refuses (an IPv6
// address on an interface with IPv6 disabled). keepalived adds the good ones,
// logs the bad one and stays MASTER; so must vrrpd.
import t from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'

/** `ip -4 addr` lines of the host's lab interface that carry `ip`, with their brd. */
async function addressLine(lab: Lab, host: string, ip: string): Promise<string | undefined> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return r.stdout.split('\n').find((l) => l.includes(` ${ip}/`))
}

t.test('one VIP the kernel refuses: the others (with brd + / brd -) are added and the instance stays MASTER, as keepalived', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['k', 'v'] })
  const conf = (host: string, vrid: number, base: number) =>
    renderKeepalivedConf({
      iface: lab.iface(host), priority: 100, vrid, state: 'MASTER',
      vips: [`${lab.address(base)}/24 brd +`, `${lab.address(base + 1)}/24 brd -`, `${lab.address(base + 2)}/24`],
      // IPv6 is disabled on lab hosts: the kernel refuses this one (EACCES).
      extra: ['virtual_ipaddress_excluded {', '  fd00:bad::1/64', '}'],
    })
  const k = startKeepalived(lab, 'k', { config: conf('k', 61, 110) })
  t.teardown(() => k.stop())
  const v = startVrrpd(lab, 'v', { config: conf('v', 62, 120) })
  t.teardown(() => v.stop())
  await k.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  await v.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
  const mastered = performance.now()

  const expectations: [string, 'k' | 'v', number][] = [['keepalived', 'k', 110], ['vrrpd', 'v', 120]]
  for (const [name, host, base] of expectations) {
    const sub = lab.subnet
    const plus = await waitFor(`${name}: ${lab.address(base)} added`, () => addressLine(lab, host, lab.address(base)), 5000, 100)
    t.match(plus, new RegExp(` brd ${sub.replaceAll('.', '\\.')}\\.255 `), `${name}: brd + is the subnet broadcast`)
    const minus = await addressLine(lab, host, lab.address(base + 1))
    t.match(minus, new RegExp(` brd ${sub.replaceAll('.', '\\.')}\\.0 `), `${name}: brd - is the network address`)
    t.ok(await addressLine(lab, host, lab.address(base + 2)), `${name}: the plain VIP is added`)
  }
  // Both stay MASTER for a few adverts after the refused add.
  await new Promise((r) => setTimeout(r, 3000))
  t.notOk(k.proc.find(/Entering (FAULT|BACKUP) STATE/, { since: mastered }), 'keepalived: no state change')
  t.notOk(v.proc.find(/Entering (FAULT|BACKUP) STATE/, { since: mastered }), 'vrrpd: no state change')
  t.ok(v.proc.find(/\(VI_1\) cannot add VIPs: fd00:bad::1\/64 dev eth0/), 'vrrpd logs the refused VIP')
  t.equal(v.state(), 'MASTER')
  t.equal(k.state(), 'MASTER')
})
