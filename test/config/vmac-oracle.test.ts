// `-t` on use_vmac configs, keepalived 2.2.7 beside vrrpd in one namespace:
// the same exit code and keepalived's words for each problem (a bad or second
// VMAC name, a name another instance has, unicast peers without
// vmac_xmit_base, a non-Ethernet interface).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireRoot } from '../helpers/netns.js'
import { createOracleNamespace } from '../helpers/config-oracle.js'

const instance = (iface: string, lines: string[]): string => `vrrp_instance VI_1 {
  state BACKUP
  interface ${iface}
  virtual_router_id 51
  priority 100
${lines.map((l) => `  ${l}`).join('\n')}
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`

/** name -> config, and the message both must print (undefined: none). */
const CASES: Record<string, { conf: string; says?: string }> = {
  plain: { conf: instance('eth0', ['use_vmac']) },
  named: { conf: instance('eth0', ['use_vmac vip51']) },
  'xmit-base': { conf: instance('eth0', ['use_vmac', 'vmac_xmit_base']) },
  'bad-name': { conf: instance('eth0', ['use_vmac bad/name']), says: "VMAC interface name 'bad/name' too long or invalid characters - ignoring" },
  'two-names': { conf: instance('eth0', ['use_vmac aa bb']), says: 'VMAC interface name already specified' },
  unicast: { conf: instance('eth0', ['use_vmac', 'unicast_peer {', '  10.0.0.2', '}']), says: '(VI_1) unicast with use_vmac requires vmac_xmit_base - setting' },
  'name-taken': {
    conf: instance('eth0', ['use_vmac vip51']) + instance('eth0', ['use_vmac vip51']).replace('VI_1', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52'),
    says: '(VI_2) VRRP instance VI_1 is already using vip51 - ignoring name',
  },
  'not-ethernet': { conf: instance('tun0', ['use_vmac']), says: '(VI_1): vmacs are only supported on Ethernet type interfaces' },
}

t.test('use_vmac: vrrpd -t says what keepalived -t says', async (t) => {
  if (!requireRoot(t)) return
  const dir = t.testdir()
  const files = Object.entries(CASES).map(([name, c]) => {
    const file = join(dir, `${name}.conf`)
    writeFileSync(file, c.conf)
    return file
  })
  const ns = await createOracleNamespace(files.filter((f) => !f.endsWith('not-ethernet.conf')))
  t.teardown(() => ns.remove())
  // A tun device: ARPHRD_NONE, no MAC, no macvlan on it.
  const tun = await ns.exec('ip', ['tuntap', 'add', 'mode', 'tun', 'tun0'])
  t.equal(tun.code, 0, `tun0 created ${tun.stderr}`)
  for (const [name, c] of Object.entries(CASES)) {
    const r = await ns.configTest(join(dir, `${name}.conf`))
    t.equal(r.vrrpd.code, r.keepalived.code, `${name}: vrrpd -t exits ${r.vrrpd.code}, keepalived -t ${r.keepalived.code}\n${r.vrrpd.stderr}${r.vrrpd.stdout}`)
    if (c.says) {
      t.ok(`${r.keepalived.stdout}${r.keepalived.stderr}`.includes(c.says), `${name}: keepalived says "${c.says}"`)
      t.ok(`${r.vrrpd.stdout}${r.vrrpd.stderr}`.includes(c.says), `${name}: vrrpd says it too`)
    }
  }
})
