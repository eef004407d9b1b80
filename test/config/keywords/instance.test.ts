import t, { type Test } from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config/index.js'
import { validDevName } from '../../../src/config/keywords/instance.js'

const load = (t: Test, body: string, ethernet = true) => {
  const dir = t.testdir({ 'k.conf': body })
  return loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, interfaceIsEthernet: () => ethernet })
}
const instance = (name: string, vrid: number, lines: string[]) =>
  `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${lines.map((l) => ` ${l}\n`).join('')} virtual_ipaddress {\n  10.9.9.9\n }\n}\n`
const messages = (r: ReturnType<typeof loadConfig>) => r.diagnostics.map((d) => `${d.severity}: ${d.message}`)

t.test('validDevName: the kernel\'s rule, as keepalived checks a VMAC name', async (t) => {
  for (const ok of ['vrrp.51', 'a', 'x'.repeat(15)]) t.ok(validDevName(ok), ok)
  for (const bad of ['', '.', '..', 'a/b', 'a:b', 'a b', 'x'.repeat(16)]) t.notOk(validDevName(bad), JSON.stringify(bad))
})

t.test('use_vmac [NAME] and vmac_xmit_base', async (t) => {
  const plain = load(t, instance('VI_1', 1, ['use_vmac']))
  t.equal(plain.exitCode, 0)
  t.match(plain.config.instances[0], { useVmac: '' })
  t.notOk(plain.config.instances[0]!.vmacXmitBase)
  const named = load(t, instance('VI_1', 1, ['use_vmac vip1', 'vmac_xmit_base']))
  t.match(named.config.instances[0], { useVmac: 'vip1', vmacXmitBase: true })
  t.same(messages(named), [])
  const mac = load(t, instance('VI_1', 1, ['use_vmac vip1 02:00:00:00:00:09']))
  t.equal(mac.exitCode, 0, 'a MAC argument is a warning only')
  t.match(messages(mac), [/^warning: .*MAC address \(02:00:00:00:00:09\) is not supported/])
})

t.test("keepalived's errors: unicast without vmac_xmit_base (set for you), a name taken, not Ethernet", async (t) => {
  const uni = load(t, instance('VI_1', 1, ['use_vmac', 'unicast_peer {', ' 10.9.9.2', '}']))
  t.equal(uni.exitCode, 5)
  t.match(messages(uni), ['error: (VI_1) unicast with use_vmac requires vmac_xmit_base - setting'])
  t.equal(uni.config.instances[0]!.vmacXmitBase, true)
  const taken = load(t, instance('VI_1', 1, ['use_vmac v1']) + instance('VI_2', 2, ['use_vmac v1']))
  t.match(messages(taken), ['error: (VI_2) VRRP instance VI_1 is already using v1 - ignoring name'])
  t.same(taken.config.instances.map((i) => i.useVmac), ['v1', ''], 'VI_2 falls back to the default name')
  const tun = load(t, instance('VI_1', 1, ['use_vmac']), false)
  t.match(messages(tun), ['error: (VI_1): vmacs are only supported on Ethernet type interfaces'])
})
