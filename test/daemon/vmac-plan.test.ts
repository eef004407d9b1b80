import t from 'tap'
import { vmacSpecs, virtualMac, withVmacs } from '../../src/daemon/vmac-plan.js'
import type { Config, VrrpInstance } from '../../src/config/model.js'

const at = { file: 'k.conf', line: 1 }
function inst(name: string, vrid: number, family: 4 | 6, useVmac: false | string, extra: Partial<VrrpInstance> = {}): VrrpInstance {
  const address = family === 4 ? '10.0.0.1' : 'fd00::1'
  return {
    name, interface: 'eth0', virtualRouterId: vrid, family, useVmac,
    virtualIpAddresses: [{ address, family, prefixLength: 24, dev: 'eth0', at }, { address: family === 4 ? '10.1.0.1' : 'fd01::1', family, prefixLength: 24, dev: 'eth1', at }],
    virtualIpAddressesExcluded: [],
    ...extra,
  } as VrrpInstance
}
const config = (instances: VrrpInstance[]): Config => ({ instances } as unknown as Config)

t.test('virtual MACs: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6 (RFC 9568 7.3)', async (t) => {
  t.equal(virtualMac(51, 4), '00:00:5e:00:01:33')
  t.equal(virtualMac(255, 6), '00:00:5e:00:02:ff')
})

t.test("keepalived's default names: vrrp.VRID, then vrrp6.VRID for IPv6, vrrp1.VRID, ...", async (t) => {
  const specs = vmacSpecs(config([inst('A', 51, 4, ''), inst('B', 51, 6, ''), inst('C', 51, 4, ''), inst('D', 51, 6, ''), inst('E', 7, 4, 'mine'), inst('F', 7, 4, false)]))
  // D (IPv6): vrrp.51, vrrp6.51 and vrrp1.51 taken, so vrrp2.51; E names its own; F has no VMAC.
  t.same(specs.map((s) => s.name), ['vrrp.51', 'vrrp6.51', 'vrrp1.51', 'vrrp2.51', 'mine'])
  t.same(specs.map((s) => s.mac), ['00:00:5e:00:01:33', '00:00:5e:00:02:33', '00:00:5e:00:01:33', '00:00:5e:00:02:33', '00:00:5e:00:01:07'])
})

t.test('the config as it runs: the instance speaks on its VMAC, VIPs on the base move to it', async (t) => {
  const c = config([inst('A', 51, 4, ''), inst('X', 52, 4, '', { vmacXmitBase: true }), inst('N', 53, 4, false)])
  const run = withVmacs(c, vmacSpecs(c))
  const [a, x, n] = run.instances
  t.equal(a!.interface, 'vrrp.51')
  t.same(a!.virtualIpAddresses.map((v) => v.dev), ['vrrp.51', 'eth1'], 'a VIP with another dev stays there')
  t.equal(x!.interface, 'eth0', 'vmac_xmit_base: adverts from the base')
  t.same(x!.virtualIpAddresses.map((v) => v.dev), ['vrrp.52', 'eth1'], 'vmac_xmit_base: the VIPs still on the VMAC')
  t.equal(n, c.instances[2], 'an instance without use_vmac is untouched')
  t.equal(c.instances[0]!.interface, 'eth0', 'the parsed config is not changed')
})

t.test('a reload keeps the VMAC an unnamed instance has, when its base and MAC are the same', async (t) => {
  const before = vmacSpecs(config([inst('V4', 51, 4, ''), inst('V6', 51, 6, '')]))
  t.same(before.map((s) => s.name), ['vrrp.51', 'vrrp6.51'])
  // V4 is given a name of its own: V6 keeps vrrp6.51 instead of taking the freed vrrp.51.
  const after = vmacSpecs(config([inst('V4', 51, 4, 'vmac4'), inst('V6', 51, 6, '')]), before)
  t.same(after.map((s) => s.name), ['vmac4', 'vrrp6.51'])
  t.same(vmacSpecs(config([inst('V4', 51, 4, 'vmac4'), inst('V6', 51, 6, '')])).map((s) => s.name), ['vmac4', 'vrrp.51'], 'at start: the default names')
  const moved = vmacSpecs(config([inst('V6', 52, 6, '')]), before)
  t.same(moved.map((s) => s.name), ['vrrp.52'], 'a new VRID (another MAC) gets its own default name')
})
