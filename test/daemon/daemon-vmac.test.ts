// use_vmac in the daemon over fake ports: the VMAC is made before anything
// else, the instance speaks on it with its base's address, its VIPs and GARP go
// to it, and it is removed at stop; vmac_xmit_base keeps the adverts on the base.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { Daemon } from '../../src/daemon/daemon.js'
import type { VmacSpec } from '../../src/daemon/vmac-plan.js'
import { createLogger } from '../../src/log.js'
import { FakeWorld, flush } from '../helpers/fake-ports.js'

const conf = (extra: string) => `
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  ${extra}
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`

function setup(t: Test, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-vmac-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, text)
  const loaded = loadConfig(file, { interfaceExists: () => true, interfaceIsEthernet: () => true })
  t.equal(loaded.exitCode, 0, 'config is valid')
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1', '02:00:00:00:00:01')
  const calls: string[] = []
  const vmacs = {
    setUp: async (specs: VmacSpec[]) => {
      calls.push(`setUp ${specs.map((s) => `${s.name}@${s.base} ${s.mac}`).join(',')}`)
      // The macvlan appears, with the virtual MAC and no IPv4 address of its own.
      for (const s of specs) world.ifaces.set(s.name, { name: s.name, index: 40, mac: s.mac, up: true, addresses: [] })
    },
    tearDown: async (specs: VmacSpec[], final: boolean) => void calls.push(`tearDown ${specs.map((s) => s.name).join(',')} ${final}`),
    close: () => void calls.push('close'),
  }
  const log = createLogger({ format: 'text', level: 'debug', write: () => {} })
  const daemon = new Daemon(loaded.config, { ...world.ports(), vmacs }, log)
  return { world, daemon, calls }
}

t.test('use_vmac: made first, adverts on the VMAC from the base address, VIPs and GARP on the VMAC, removed at stop', async (t) => {
  const { world, daemon, calls } = setup(t, conf('use_vmac'))
  await daemon.start()
  t.same(calls, ['setUp vrrp.51@eth0 00:00:5e:00:01:33'])
  world.advance(4000)
  await flush()
  t.same([...new Set(world.transports.map((x) => x.iface))], ['vrrp.51'], 'the VRRP socket is on the VMAC')
  const sends = world.events.filter((e) => e.kind === 'send')
  t.ok(sends.length > 0 && sends.every((e) => e.kind === 'send' && e.source === '10.0.0.1'), 'adverts from the base interface\'s address')
  t.ok(world.vipsPresent.has('10.0.0.100/24@vrrp.51'), 'the VIP is on the VMAC')
  const garps = world.events.filter((e) => e.kind === 'garp')
  t.ok(garps.length > 0 && garps.every((e) => e.kind === 'garp' && e.iface === 'vrrp.51'), 'gratuitous ARP from the VMAC')
  await daemon.stop()
  t.same(calls.slice(1), ['tearDown vrrp.51 true', 'close'], 'the VMAC goes at stop')
  t.notOk(world.vipsPresent.has('10.0.0.100/24@vrrp.51'), 'after its VIP')
})

t.test('vmac_xmit_base: adverts stay on the base, the VIP goes on the VMAC', async (t) => {
  const { world, daemon } = setup(t, conf('use_vmac vip51\n  vmac_xmit_base'))
  await daemon.start()
  world.advance(4000)
  await flush()
  t.same([...new Set(world.transports.map((x) => x.iface))], ['eth0'])
  t.ok(world.vipsPresent.has('10.0.0.100/24@vip51'), 'the VIP is on the VMAC named in use_vmac')
  await daemon.stop()
})

t.test('a VMAC deleted behind our back is made again; after stop, nothing is', async (t) => {
  const { world, daemon, calls } = setup(t, conf('use_vmac'))
  await daemon.start()
  world.advance(4000)
  await flush()
  world.deleteInterface('vrrp.51')
  await flush()
  t.same(calls, ['setUp vrrp.51@eth0 00:00:5e:00:01:33', 'setUp vrrp.51@eth0 00:00:5e:00:01:33'], 'made again')
  world.deleteInterface('eth1')
  await flush()
  t.equal(calls.length, 2, 'another interface going changes nothing')
  await daemon.stop()
  t.same(calls.slice(2), ['tearDown vrrp.51 true', 'close'])
})

t.test('reload: a VMAC no longer configured goes (all.rp_filter stays for the rest), a new one is made', async (t) => {
  const { world, daemon, calls } = setup(t, conf('use_vmac'))
  await daemon.start()
  world.advance(4000)
  await flush()
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-vmac-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, conf('use_vmac other51'))
  await daemon.reload(loadConfig(file, { interfaceExists: () => true, interfaceIsEthernet: () => true }).config)
  await flush()
  t.same(calls.slice(1), ['tearDown vrrp.51 false', 'setUp other51@eth0 00:00:5e:00:01:33'], 'the old one removed first (the kernel refuses a second macvlan with its MAC), then the new one made')
  await daemon.stop()
  t.same(calls.slice(3), ['tearDown other51 true', 'close'])
})
