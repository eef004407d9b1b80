import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import type { VipEntry } from '../../src/config/model.js'
import type * as AddressManagerModule from '../../src/io/address-manager.js'
import { addArgs, createAddressManager, removeArgs } from '../../src/io/address-manager.js'
import { runIp } from '../../src/io/ip-command.js'
import { createLab, requireRootForLabPart } from '../helpers/netns.js'

const at = { file: 'keepalived.conf', line: 1 }
const vip = (over: Partial<VipEntry> = {}): VipEntry => ({ address: '10.0.0.100', family: 4, prefixLength: 32, dev: 'eth0', at, ...over })

t.test('ip addr add arguments', async (t) => {
  t.same(addArgs(vip()), ['addr', 'add', '10.0.0.100/32', 'dev', 'eth0'])
  t.same(addArgs(vip({ prefixLength: 24, broadcast: '10.0.0.255', scope: 'link', label: 'eth0:vip' })), [
    'addr', 'add', '10.0.0.100/24', 'brd', '10.0.0.255', 'dev', 'eth0', 'scope', 'link', 'label', 'eth0:vip',
  ])
  // IPv6 VIPs must be usable at once after a takeover, so no Duplicate Address Detection
  t.same(addArgs(vip({ address: 'fd00::100', family: 6, prefixLength: 64, scope: 'global', label: 'x', broadcast: 'y' })), [
    '-6', 'addr', 'add', 'fd00::100/64', 'dev', 'eth0', 'scope', 'global', 'nodad',
  ], 'brd and label are IPv4-only')
})

t.test('ip addr del arguments', async (t) => {
  t.same(removeArgs(vip({ label: 'eth0:vip', scope: 'link' })), ['addr', 'del', '10.0.0.100/32', 'dev', 'eth0'])
  t.same(removeArgs(vip({ address: 'fd00::100', family: 6, prefixLength: 64 })), ['-6', 'addr', 'del', 'fd00::100/64', 'dev', 'eth0'])
})

/**
 * The manager with `ip` answered by `reply`, through a mocked ip-command (whose
 * own use of node:child_process is tested in ip-command.test.ts: tap's mock
 * loader does not reach a mocked builtin through a TypeScript dependency).
 */
async function mocked(t: Test, reply: (args: string[]) => { code: number; stdout?: string; stderr?: string }) {
  const calls: string[][] = []
  const mod = await t.mockImport<typeof AddressManagerModule>('../../src/io/address-manager.js', {
    '../../src/io/ip-command.js': {
      runIp: async (args: string[]) => {
        calls.push(args)
        const r = reply(args)
        return { ok: r.code === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
      },
    },
  })
  return { am: mod.createAddressManager(), calls }
}

t.test('add: already present is success, other failures carry stderr', async (t) => {
  const answers: Record<string, string> = {
    '10.0.0.1': 'RTNETLINK answers: File exists\n',
    '10.0.0.2': 'Error: ipv4: Address already assigned.\n',
    '10.0.0.3': 'Cannot find device "eth9"\n',
    '10.0.0.4': '',
  }
  const { am, calls } = await mocked(t, (args) => {
    const a = args[2]!.split('/')[0]!
    return a === '10.0.0.5' ? { code: 0 } : { code: 2, stderr: answers[a] }
  })
  t.same(await am.add(vip({ address: '10.0.0.5' })), { ok: true })
  t.same(await am.add(vip({ address: '10.0.0.1' })), { ok: true })
  t.same(await am.add(vip({ address: '10.0.0.2' })), { ok: true })
  t.same(await am.add(vip({ address: '10.0.0.3' })), { ok: false, error: 'Cannot find device "eth9"' })
  t.same(await am.add(vip({ address: '10.0.0.4' })), { ok: false, error: 'ip addr add 10.0.0.4/32 dev eth0 failed' }, 'silent failure: the command is named')
  t.same(calls[0], ['addr', 'add', '10.0.0.5/32', 'dev', 'eth0'])
})

t.test('remove: already gone is success, other failures carry stderr', async (t) => {
  const answers: Record<string, string> = {
    '10.0.0.1': 'RTNETLINK answers: Cannot assign requested address\n',
    '10.0.0.2': 'Cannot find device "eth0"\n',
    '10.0.0.3': 'RTNETLINK answers: Operation not permitted\n',
  }
  const { am } = await mocked(t, (args) => ({ code: 2, stderr: answers[args[2]!.split('/')[0]!] }))
  t.same(await am.remove(vip({ address: '10.0.0.1' })), { ok: true })
  t.same(await am.remove(vip({ address: '10.0.0.2' })), { ok: true }, 'the device is gone, so is the address')
  t.same(await am.remove(vip({ address: '10.0.0.3' })), { ok: false, error: 'RTNETLINK answers: Operation not permitted' })
})

t.test('has: reads ip -j addr show dev, matching address, family and prefix', async (t) => {
  const json = readFileSync(new URL('../fixtures/io/ip-addr-eth0.json', import.meta.url), 'utf8')
  const { am, calls } = await mocked(t, (args) => (args.includes('eth0') ? { code: 0, stdout: json } : { code: 1, stderr: 'Device "eth9" does not exist.' }))
  t.equal(await am.has(vip({ address: '10.200.7.100', prefixLength: 32 })), true)
  t.same(calls[0], ['-j', 'addr', 'show', 'dev', 'eth0'])
  t.equal(await am.has(vip({ address: '10.200.7.19', prefixLength: 24 })), true, 'secondary addresses count')
  t.equal(await am.has(vip({ address: '10.200.7.100', prefixLength: 24 })), false, 'another prefix is another address')
  t.equal(await am.has(vip({ address: 'FD00:C8:7::B', family: 6, prefixLength: 64 })), true, 'IPv6 compared case-insensitively')
  t.equal(await am.has(vip({ address: '10.200.7.101' })), false)
  t.equal(await am.has(vip({ dev: 'eth9' })), false, 'no such device')
})

if (requireRootForLabPart(t)) {
  t.test('add, has and remove are idempotent on a real interface', async (t) => {
    const lab = await createLab(t, { hosts: ['a'], ipv6: true })
    const ns = lab.netns('a')
    const am = createAddressManager({ run: (args) => runIp(['-n', ns, ...args]) })
    const v4 = vip({ address: lab.address(100), prefixLength: 24, dev: 'eth0', label: 'eth0:vi1' })
    const v6 = vip({ address: 'fd00:1::100', family: 6, prefixLength: 64, dev: 'eth0' })
    for (const v of [v4, v6]) {
      t.equal(await am.has(v), false, `${v.address} not there at first`)
      t.same(await am.add(v), { ok: true })
      t.same(await am.add(v), { ok: true }, 'adding again is success')
      t.equal(await am.has(v), true)
      t.same(await am.remove(v), { ok: true })
      t.same(await am.remove(v), { ok: true }, 'removing again is success')
      t.equal(await am.has(v), false)
    }
    const shown = await lab.exec('a', 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])
    t.notMatch(shown.stdout, lab.address(100), 'nothing left behind')
    t.match(await am.add(vip({ dev: 'nosuch0' })), { ok: false, error: /nosuch0/ }, 'a real failure is reported')
  })

  t.test('an IPv6 VIP is usable at once (nodad: not tentative)', async (t) => {
    const lab = await createLab(t, { hosts: ['a'], ipv6: true })
    const am = createAddressManager({ run: (args) => runIp(['-n', lab.netns('a'), ...args]) })
    t.same(await am.add(vip({ address: 'fd00:1::100', family: 6, prefixLength: 64 })), { ok: true })
    const shown = await lab.exec('a', 'ip', ['-6', 'addr', 'show', 'dev', 'eth0'])
    const line = shown.stdout.split('\n').find((l) => l.includes('fd00:1::100/64'))
    t.match(line, /scope global nodad/)
    t.notMatch(line, /tentative/)
  })
}
