import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import type { IpResult } from '../../src/io/ip-command.js'
import { runIp } from '../../src/io/ip-command.js'
import { createLinks, monitorLineInterface } from '../../src/io/links.js'
import type { InterfaceInfo } from '../../src/io/ports.js'
import { createLab, requireRootForLabPart, waitFor } from '../helpers/netns.js'

t.test('the interface a monitor line is about', async (t) => {
  t.equal(monitorLineInterface('3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default '), 'v0')
  t.equal(monitorLineInterface('3: eth0    inet 10.9.9.19/24 scope global secondary eth0'), 'eth0')
  t.equal(monitorLineInterface('Deleted 2: v1    inet6 fe80::ecc3:95ff:fee1:e4fd/64 scope link tentative '), 'v1')
  t.equal(monitorLineInterface('[2026-11-25T19:16:07.175968] 2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500'), 'v1', 'with -ts timestamps')
  t.equal(monitorLineInterface('    link/ether ee:c3:95:e1:e4:fd brd ff:ff:ff:ff:ff:ff'), undefined)
  t.equal(monitorLineInterface('       valid_lft forever preferred_lft forever'), undefined)
})

/** `ip -j addr show dev X` output for an Ethernet interface in the given state. */
function addrJson(name: string, up: boolean, addresses: string[] = []): string {
  return JSON.stringify([
    {
      ifindex: 2,
      ifname: name,
      flags: up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
      operstate: up ? 'UP' : 'LOWERLAYERDOWN',
      address: '02:00:00:00:00:01',
      addr_info: addresses.map((a) => ({ family: 'inet', local: a, prefixlen: 24 })),
    },
  ])
}

class FakeMonitor extends EventEmitter {
  stdout = new PassThrough()
  exitCode: number | null = null
  signalCode: string | null = null
  killed = false
  kill(): boolean {
    this.killed = true
    return true
  }
  die(): void {
    this.exitCode = 1
    this.emit('exit', 1, null)
  }
}

function fakeHost(initial: { up: boolean; addresses: string[] }) {
  const state = { ...initial, missing: false }
  const calls: string[][] = []
  const run = async (args: string[]): Promise<IpResult> => {
    calls.push(args)
    const name = args[args.length - 1]!
    if (state.missing) return { ok: false, stdout: '', stderr: `Device "${name}" does not exist.` }
    return { ok: true, stdout: addrJson(name, state.up, state.addresses), stderr: '' }
  }
  return { state, calls, run }
}

t.test('watch: the current view first, then a view per change named by the monitor', async (t) => {
  const host = fakeHost({ up: true, addresses: ['10.0.0.1'] })
  const monitor = new FakeMonitor()
  const links = createLinks({ run: host.run, spawnMonitor: () => monitor as unknown as ChildProcess })
  t.teardown(() => links.close())
  const seen: (InterfaceInfo | undefined)[] = []
  links.watch(['eth0'], (info, name) => {
    t.equal(name, 'eth0')
    seen.push(info)
  })
  await waitFor('initial view', () => seen.length === 1)
  t.match(seen[0], { name: 'eth0', up: true, addresses: [{ address: '10.0.0.1' }] })

  host.state.up = false
  monitor.stdout.write('2: eth0@if3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state LOWERLAYERDOWN\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n')
  await waitFor('down view', () => seen.length === 2)
  t.equal(seen[1]!.up, false)

  // Lines about other interfaces, or that change nothing, are not reported.
  monitor.stdout.write('3: eth1    inet 10.1.0.1/24 scope global eth1\n')
  monitor.stdout.write('2: eth0@if3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 state LOWERLAYERDOWN\n')
  host.state.addresses.push('10.0.0.100')
  monitor.stdout.write('2: eth0    inet 10.0.0.100/24 scope global secondary eth0\n')
  await waitFor('address view', () => seen.length === 3)
  t.same(seen[2]!.addresses.map((a) => a.address), ['10.0.0.1', '10.0.0.100'])
  t.notOk(host.calls.some((c) => c.includes('eth1')), 'eth1 is not watched, never read')

  host.state.missing = true
  monitor.stdout.write('Deleted 2: eth0@if3: <BROADCAST,MULTICAST> mtu 1500\n')
  await waitFor('gone view', () => seen.length === 4)
  t.equal(seen[3], undefined, 'a deleted interface is reported as undefined')
  links.close()
  t.equal(monitor.killed, true, 'close stops the monitor')
})

t.test('when the monitor dies, interfaces are polled', async (t) => {
  const host = fakeHost({ up: true, addresses: [] })
  const monitor = new FakeMonitor()
  const warnings: string[] = []
  const log = { debug() {}, info() {}, error() {}, warn: (_o: unknown, m?: string) => void warnings.push(m ?? '') }
  const links = createLinks({ run: host.run, spawnMonitor: () => monitor as unknown as ChildProcess, pollIntervalMs: 20, log: log as never })
  t.teardown(() => links.close())
  const seen: (InterfaceInfo | undefined)[] = []
  links.watch(['eth0'], (info) => seen.push(info))
  await waitFor('initial view', () => seen.length === 1)
  monitor.die()
  host.state.up = false
  await waitFor('polled down view', () => seen.length === 2)
  t.equal(seen[1]!.up, false)
  t.match(warnings, [/ip monitor exited; polling/])
})

t.test('a monitor that cannot start (no ip) falls back to polling without throwing', async (t) => {
  const host = fakeHost({ up: false, addresses: [] })
  const links = createLinks({
    run: host.run,
    spawnMonitor: () => spawn('/nonexistent/ip', ['monitor'], { stdio: ['ignore', 'pipe', 'ignore'] }),
    pollIntervalMs: 20,
  })
  t.teardown(() => links.close())
  const seen: (InterfaceInfo | undefined)[] = []
  links.watch(['eth0'], (info) => seen.push(info))
  await waitFor('initial view', () => seen.length === 1)
  host.state.up = true
  await waitFor('polled up view', () => seen.length === 2)
  t.equal(seen[1]!.up, true)
})

t.test('a throwing listener does not stop the others', async (t) => {
  const host = fakeHost({ up: true, addresses: [] })
  const links = createLinks({ run: host.run, spawnMonitor: () => new FakeMonitor() as unknown as ChildProcess })
  t.teardown(() => links.close())
  let called = false
  links.watch(['eth0'], () => {
    throw new Error('listener bug')
  })
  links.watch(['eth0'], () => (called = true))
  await waitFor('second listener', () => called)
  t.pass('no exception escaped')
})

if (requireRootForLabPart(t)) {
  t.test('get and watch on a real interface: cut, heal, address added', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const ns = lab.netns('a')
    const links = createLinks({
      run: (args) => runIp(['-n', ns, ...args]),
      spawnMonitor: () => spawn('ip', ['-n', ns, 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] }),
    })
    t.teardown(() => links.close())

    const info = await links.get('eth0')
    t.match(info, { name: 'eth0', index: lab.ifindex('a'), mac: lab.mac('a'), up: true, addresses: [{ family: 4, address: lab.ip('a'), prefixLength: 24, primary: true }] })
    t.equal(await links.get('nosuch0'), undefined)

    const seen: InterfaceInfo[] = []
    links.watch(['eth0'], (i) => i && seen.push(i))
    await waitFor('initial view', () => seen.length >= 1)

    await lab.cut('a')
    await waitFor('eth0 reported down', () => seen.at(-1)!.up === false)
    await lab.heal('a')
    await waitFor('eth0 reported up', () => seen.at(-1)!.up === true)
    await lab.exec('a', 'ip', ['addr', 'add', `${lab.address(100)}/24`, 'dev', 'eth0'])
    const last = await waitFor('VIP reported', () => seen.find((i) => i.addresses.some((a) => a.address === lab.address(100))))
    t.match(last.addresses.find((a) => a.address === lab.address(100)), { primary: false }, 'a second address in the subnet is secondary')
  })
}
