import t from 'tap'
import { createInterface } from 'node:readline'
import type { IpResult } from '../../src/io/ip-command.js'
import { createLinks } from '../../src/io/links.js'
import type { InterfaceInfo } from '../../src/io/ports.js'
import type { RtnetlinkMonitor } from '../../src/io/rtnetlink-monitor.js'
import type { TableChange } from '../../src/io/rtnetlink-messages.js'
import { createLab, requireRootForLabPart, waitFor } from '../helpers/netns.js'

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

/** A kernel monitor whose table the test writes; `emit` is the kernel reporting a change. */
class FakeKernel {
  readonly table = new Map<string, InterfaceInfo>()
  onChange: ((change: TableChange) => void) | undefined
  closed = false
  open = (onChange: (change: TableChange) => void): RtnetlinkMonitor => {
    this.onChange = onChange
    return { get: (name) => this.table.get(name), close: () => void (this.closed = true) }
  }
  emit(...names: string[]): void {
    this.onChange?.({ names: new Set(names), removed: [] })
  }
}

const eth0 = (up: boolean, addresses: string[] = [], index = 2): InterfaceInfo => ({
  name: 'eth0',
  index,
  mac: '02:00:00:00:00:01',
  up,
  addresses: addresses.map((address) => ({ family: 4, address, prefixLength: 24, primary: true })),
})

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

t.test('get and watch come from the kernel monitor: the current view first, then a view per change', async (t) => {
  const kernel = new FakeKernel()
  kernel.table.set('eth0', eth0(true, ['10.0.0.1']))
  const calls: string[][] = []
  const links = createLinks({ openMonitor: kernel.open, run: async (args) => (calls.push(args), { ok: false, stdout: '', stderr: '' }) })
  t.teardown(() => links.close())
  t.match(await links.get('eth0'), { name: 'eth0', up: true })
  t.equal(await links.get('eth1'), undefined)

  const seen: (InterfaceInfo | undefined)[] = []
  links.watch(['eth0'], (info, name) => {
    t.equal(name, 'eth0')
    seen.push(info)
  })
  await waitFor('initial view', () => seen.length === 1)
  t.match(seen[0], { name: 'eth0', up: true, addresses: [{ address: '10.0.0.1' }] })

  kernel.table.set('eth0', eth0(false, ['10.0.0.1']))
  kernel.emit('eth0')
  t.equal(seen.length, 2, 'reported as the kernel says it, synchronously')
  t.equal(seen[1]!.up, false)

  // Changes to other interfaces, or that change nothing, are not reported.
  kernel.emit('eth1')
  kernel.emit('eth0')
  t.equal(seen.length, 2)

  kernel.table.delete('eth0')
  kernel.emit('eth0')
  t.equal(seen[2], undefined, 'a deleted interface is reported as undefined')
  kernel.table.set('eth0', eth0(true, ['10.0.0.1'], 9))
  kernel.emit('eth0')
  t.equal(seen[3]!.index, 9, 'and its next incarnation with its new ifindex')
  t.same(calls, [], 'no ip command while the monitor runs')
  links.close()
  t.equal(kernel.closed, true, 'close closes the monitor')
})

t.test('without the kernel monitor, interfaces are read with ip and polled', async (t) => {
  const host = fakeHost({ up: true, addresses: [] })
  const warnings: string[] = []
  const log = { debug() {}, info() {}, error() {}, warn: (_o: unknown, m?: string) => void warnings.push(m ?? '') }
  const links = createLinks({ openMonitor: () => new Error('koffi/libc could not be loaded'), run: host.run, pollIntervalMs: 20, log: log as never })
  t.teardown(() => links.close())
  t.match(await links.get('eth0'), { name: 'eth0', up: true })
  const seen: (InterfaceInfo | undefined)[] = []
  links.watch(['eth0'], (info) => seen.push(info))
  await waitFor('initial view', () => seen.length === 1)
  host.state.up = false
  await waitFor('polled down view', () => seen.length === 2)
  t.equal(seen[1]!.up, false)
  host.state.missing = true
  await waitFor('polled gone view', () => seen.length === 3)
  t.equal(seen[2], undefined)
  t.match(warnings, [/rtnetlink monitor unavailable \(koffi\/libc could not be loaded\); polling interfaces every second/])
})

t.test('a throwing listener does not stop the others', async (t) => {
  const kernel = new FakeKernel()
  kernel.table.set('eth0', eth0(true))
  const links = createLinks({ openMonitor: kernel.open })
  t.teardown(() => links.close())
  let called = 0
  links.watch(['eth0'], () => {
    throw new Error('listener bug')
  })
  links.watch(['eth0'], () => called++)
  await waitFor('second listener', () => called === 1)
  kernel.table.set('eth0', eth0(false))
  kernel.emit('eth0')
  t.equal(called, 2)
})

if (requireRootForLabPart(t)) {
  const RUNNER = new URL('../helpers/links-runner.ts', import.meta.url).pathname

  t.test('the rtnetlink monitor on a real interface: cut, heal, address added and removed, deleted and recreated', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const child = lab.node('a', RUNNER, ['eth0', 'vr9'])
    t.teardown(() => child.kill())
    const lines: { get?: InterfaceInfo | null; name?: string; view?: InterfaceInfo | null; warn?: string; error?: string }[] = []
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l)))
    const views = (name: string) => lines.filter((l) => l.name === name).map((l) => l.view)

    // The runner is a fresh node with the TypeScript loader: slow to boot on a loaded machine.
    const first = await waitFor('get', () => lines.find((l) => 'get' in l), 30_000)
    t.match(first.get, { name: 'eth0', index: lab.ifindex('a'), mac: lab.mac('a'), up: true, addresses: [{ family: 4, address: lab.ip('a'), prefixLength: 24, primary: true }] })
    await waitFor('initial views', () => views('eth0').length === 1 && views('vr9').length === 1)
    t.equal(views('vr9')[0], null, 'a missing interface is null')

    await lab.cut('a')
    await waitFor('eth0 reported down', () => views('eth0').at(-1)?.up === false)
    await lab.heal('a')
    await waitFor('eth0 reported up', () => views('eth0').at(-1)?.up === true)
    const vip = lab.address(100)
    await lab.exec('a', 'ip', ['addr', 'add', `${vip}/24`, 'dev', 'eth0'])
    const withVip = await waitFor('VIP reported', () => views('eth0').find((i) => i?.addresses.some((a) => a.address === vip)))
    t.match(withVip!.addresses.find((a) => a.address === vip), { primary: false }, 'a second address in the subnet is secondary')
    await lab.exec('a', 'ip', ['addr', 'del', `${vip}/24`, 'dev', 'eth0'])
    await waitFor('VIP removal reported', () => !views('eth0').at(-1)?.addresses.some((a) => a.address === vip))

    // An interface created, deleted and created again: new ifindex each time.
    await lab.exec('a', 'ip', ['link', 'add', 'vr9', 'type', 'veth', 'peer', 'name', 'vr9p'])
    await lab.exec('a', 'ip', ['addr', 'add', '192.0.2.9/24', 'dev', 'vr9'])
    await lab.exec('a', 'ip', ['link', 'set', 'vr9', 'up'])
    await lab.exec('a', 'ip', ['link', 'set', 'vr9p', 'up'])
    const born = await waitFor('vr9 up', () => views('vr9').find((i) => i?.up && i.addresses.some((a) => a.address === '192.0.2.9')))
    await lab.exec('a', 'ip', ['link', 'del', 'vr9'])
    await waitFor('vr9 gone', () => views('vr9').at(-1) === null)
    await lab.exec('a', 'ip', ['link', 'add', 'vr9', 'type', 'veth', 'peer', 'name', 'vr9p'])
    await lab.exec('a', 'ip', ['addr', 'add', '192.0.2.9/24', 'dev', 'vr9'])
    await lab.exec('a', 'ip', ['link', 'set', 'vr9', 'up'])
    await lab.exec('a', 'ip', ['link', 'set', 'vr9p', 'up'])
    const reborn = await waitFor('vr9 up again', () => views('vr9').slice(views('vr9').lastIndexOf(null)).find((i) => i?.up))
    t.not(reborn!.index, born!.index, 'the recreated interface has a new ifindex')
    t.same(lines.filter((l) => l.warn || l.error), [], 'no warning, no ip fallback')

    child.stdin!.end()
    const code = await new Promise((resolve) => child.once('close', resolve))
    t.equal(code, 0, 'close ends the wait: the process exits by itself')
  })
}
