import t from 'tap'
import { endianness } from 'node:os'
import { createInterface } from 'node:readline'
import type { VipEntry } from '../../src/config/model.js'
import { buildAddressRequest, createNetlinkAddressManager, scopeNumber } from '../../src/io/netlink-addresses.js'
import { createNetlinkChannel, parseAcks, sockaddrNl } from '../../src/io/netlink-channel.js'
import { createLab, requireRootForLabPart, type Lab } from '../helpers/netns.js'

const at = { file: 'test.conf', line: 1, column: 1 } as unknown as VipEntry['at']
const vip4: VipEntry = { address: '10.9.0.100', family: 4, prefixLength: 24, broadcast: '10.9.0.255', dev: 'd0', scope: 'link', label: 'd0:vip', at }
const vip6: VipEntry = { address: 'fd00::100', family: 6, prefixLength: 64, dev: 'd0', at }
const hex = (s: string): string => s.replace(/\s+/g, '')
/** nlmsg_seq and ifindex of the captured requests below. */
const SEQ = 0x6b074591
const IFINDEX = 3

// Header fields are host order; the captures come from an x86_64 (little-endian) host.
if (endianness() === 'LE') {
  t.test('RTM_NEWADDR for an IPv4 VIP with brd, scope and label: the bytes iproute2 sends', async (t) => {
    // strace -e write=3 ip addr add 10.9.0.100/24 brd 10.9.0.255 dev d0 scope link label d0:vip
    const expected = hex(`3c000000 1400 0506 9145076b 00000000  02 18 00 fd 03000000
      0800 0200 0a090064  0800 0400 0a0900ff  0b00 0300 64303a76697000 00  0800 0100 0a090064`)
    const r = buildAddressRequest('add', vip4, IFINDEX, SEQ)
    t.ok(r.ok)
    if (r.ok) t.equal(r.bytes.toString('hex'), expected)
  })

  t.test('RTM_NEWADDR for an IPv6 VIP: IFA_F_NODAD, no brd/label, the bytes iproute2 sends', async (t) => {
    // strace -e write=3 ip -6 addr add fd00::100/64 dev d0 nodad
    const a = 'fd000000000000000000000000000100'
    const expected = hex(`40000000 1400 0506 9145076b 00000000  0a 40 02 00 03000000  1400 0200 ${a}  1400 0100 ${a}`)
    const r = buildAddressRequest('add', { ...vip6, broadcast: 'fd00::ff', label: 'd0:x' }, IFINDEX, SEQ)
    t.ok(r.ok)
    if (r.ok) t.equal(r.bytes.toString('hex'), expected)
  })

  t.test('RTM_DELADDR: address and prefix only, the bytes iproute2 sends', async (t) => {
    // strace -e write=3 ip addr del 10.9.0.100/24 dev d0
    const expected = hex('28000000 1500 0500 9145076b 00000000  02 18 00 00 03000000  0800 0200 0a090064  0800 0100 0a090064')
    const r = buildAddressRequest('remove', { ...vip4, scope: undefined, broadcast: undefined, label: undefined }, IFINDEX, SEQ)
    t.ok(r.ok)
    if (r.ok) t.equal(r.bytes.toString('hex'), expected)
  })

  t.test('issue 8 item 5: brd + and brd - as keepalived and iproute2 compute them', async (t) => {
    const brdOf = (broadcast: string, prefixLength: number): string | undefined => {
      const r = buildAddressRequest('add', { ...vip4, scope: undefined, label: undefined, broadcast, prefixLength }, IFINDEX, SEQ)
      if (!r.ok) return `error: ${r.error}`
      // Attributes after the 24-byte header: IFA_LOCAL (8 bytes), then IFA_BROADCAST if any.
      return r.bytes.readUInt16LE(24 + 8 + 2) === 4 ? [...r.bytes.subarray(24 + 12, 24 + 16)].join('.') : undefined
    }
    t.equal(brdOf('+', 24), '10.9.0.255')
    t.equal(brdOf('-', 24), '10.9.0.0')
    t.equal(brdOf('+', 20), '10.9.15.255')
    t.equal(brdOf('+', 30), '10.9.0.103')
    t.equal(brdOf('+', 31), undefined, 'no broadcast for a /31')
    t.equal(brdOf('+', 32), undefined, 'nor a /32')
    t.equal(brdOf('10.9.0.127', 24), '10.9.0.127')
    t.match(brdOf('bogus', 24), /error: "bogus" is not an IPv4 broadcast address/)
  })

  t.test('an IPv4 loopback VIP without scope gets scope host, as iproute2 gives it', async (t) => {
    const r = buildAddressRequest('add', { address: '127.0.0.2', family: 4, prefixLength: 8, dev: 'lo', at }, 1, 1)
    t.ok(r.ok)
    if (r.ok) t.equal(r.bytes[19], 254)
  })

  t.test('sockaddr_nl to the kernel and NLMSG_ERROR parsing', async (t) => {
    t.equal(sockaddrNl().toString('hex'), '100000000000000000000000')
    // NLMSG_ERROR seq 7 error -17, then a non-error message, then an ack for seq 8, then a truncated header
    const err = Buffer.from(hex('24000000 0200 0001 07000000 01020000  efffffff  28000000140005060700000000000000'), 'hex')
    const other = Buffer.from(hex('14000000 1400 0000 09000000 00000000  00000000'), 'hex')
    const ack = Buffer.from(hex('24000000 0200 0001 08000000 01020000  00000000  28000000140005060800000000000000'), 'hex')
    t.same(parseAcks(Buffer.concat([err, other, ack, Buffer.from('0400', 'hex')])), [{ seq: 7, error: -17 }, { seq: 8, error: 0 }])
    // NETLINK_EXT_ACK + CAP_ACK: capped echo (header only), then NLMSGERR_ATTR_MSG "bad" and another TLV
    const ext = Buffer.from(hex('30000000 0200 0003 09000000 01020000  f3ffffff  28000000140005060900000000000000  0800 0100 62616400  0800 0200 00000000'), 'hex')
    t.same(parseAcks(ext), [{ seq: 9, error: -13, message: 'bad' }])
    t.same(parseAcks(Buffer.from('ff', 'hex')), [])
    t.same(parseAcks(Buffer.from(hex('ffff0000 0200 0000 07000000 00000000'), 'hex')), [], 'a length past the end stops parsing')
  })
}

t.test('scope names and numbers', async (t) => {
  t.same(['global', 'site', 'link', 'host', 'nowhere', '0', '200', '0xfe'].map(scopeNumber), [0, 200, 253, 254, 255, 0, 200, 254])
  t.same(['planet', '256', '-1', ''].map(scopeNumber), [undefined, undefined, undefined, undefined])
})

t.test('requests that cannot be built are errors, not exceptions', async (t) => {
  t.match(buildAddressRequest('add', { ...vip4, scope: 'planet' }, 3, 1), { ok: false, error: /unknown scope "planet"/ })
  t.match(buildAddressRequest('add', { ...vip4, address: '10.9.0' }, 3, 1), { ok: false, error: /"10.9.0" is not an IPv4 address/ })
  t.match(buildAddressRequest('add', { ...vip4, broadcast: 'x' }, 3, 1), { ok: false, error: /"x" is not an IPv4 broadcast/ })
  t.match(buildAddressRequest('add', { ...vip4, prefixLength: 33 }, 3, 1), { ok: false, error: /invalid prefix length 33/ })
  t.match(buildAddressRequest('add', { ...vip4, label: 'd0:a-very-long-label' }, 3, 1), { ok: false, error: /longer than 15 bytes/ })
})

t.test('when koffi cannot load, calls go to the fallback and the reason is logged once', async (t) => {
  const logged: unknown[] = []
  const noKoffi = () => createNetlinkChannel({ libc: new Error('koffi/libc could not be loaded: No native build for this platform') })
  const calls: string[] = []
  const fallback = {
    add: async (v: VipEntry) => (calls.push(`add ${v.address}`), { ok: true as const }),
    remove: async (v: VipEntry) => (calls.push(`remove ${v.address}`), { ok: false as const, error: 'from ip' }),
    has: async (v: VipEntry) => (calls.push(`has ${v.address}`), true),
  }
  const log = { debug() {}, info() {}, error() {}, warn: (o: unknown, m?: string) => void logged.push([o, m]) }
  const m = createNetlinkAddressManager({ fallback, log: log as never, channel: noKoffi() })
  t.same(await m.add(vip4), { ok: true })
  t.same(await m.remove(vip4), { ok: false, error: 'from ip' })
  t.equal(await m.has(vip4), true)
  t.same(calls, ['add 10.9.0.100', 'remove 10.9.0.100', 'has 10.9.0.100'])
  t.equal(logged.length, 1)
  t.match(logged[0], [{}, /rtnetlink unavailable, using ip for VIPs: koffi\/libc could not be loaded: No native build/])
  m.close()

  // eager: the daemon loads koffi at start, so the reason shows then, not at the first failover
  const eager = createNetlinkAddressManager({ fallback, log: log as never, eager: true, channel: noKoffi() })
  t.equal(logged.length, 2, 'logged at creation')
  t.same(await eager.add(vip4), { ok: true })
  t.equal(logged.length, 2, 'and only once')
  eager.close()
})

if (requireRootForLabPart(t)) {
  const RUNNER = new URL('../helpers/netlink-addresses-runner.ts', import.meta.url).pathname

  /** Runs the ops in one fresh process in `host`; the outcomes, in order. */
  async function run(lab: Lab, host: string, ops: { op: 'add' | 'remove'; vip: VipEntry }[]): Promise<unknown[]> {
    const child = lab.node(host, RUNNER, [JSON.stringify(ops)])
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const lines: string[] = []
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l))
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    const out = JSON.parse(lines.at(-1) ?? '{}') as { results?: unknown[]; thrown?: string }
    if (code !== 0 || !out.results) throw new Error(`runner exited ${code}: ${out.thrown ?? ''} ${stderr}`)
    return out.results
  }

  interface AddrInfo {
    family: string
    local: string
    prefixlen: number
    broadcast?: string
    scope: string
    label?: string
    tentative?: boolean
    nodad?: boolean
  }
  async function addrs(lab: Lab, host: string, family: 'inet' | 'inet6', local: string): Promise<AddrInfo[]> {
    const r = await lab.exec(host, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])
    const links = JSON.parse(r.stdout) as { addr_info: AddrInfo[] }[]
    return links.flatMap((l) => l.addr_info).filter((a) => a.family === family && a.local === local)
  }

  t.test('VIPs over rtnetlink in a namespace: add, idempotence, errors, remove', async (t) => {
    const lab = await createLab(t, { hosts: ['a'] })
    // Another subnet than eth0's: the kernel refuses a second scope in one subnet (EINVAL, with ip too)
    const vip: VipEntry = { address: '192.0.2.100', family: 4, prefixLength: 24, broadcast: '192.0.2.255', dev: 'eth0', scope: 'link', label: 'eth0:vip', at }
    const v6: VipEntry = { address: 'fd00:9::100', family: 6, prefixLength: 64, dev: 'eth0', at }

    t.same(await run(lab, 'a', [{ op: 'add', vip }, { op: 'add', vip }]), [{ ok: true }, { ok: true }], 'add, then add again: both ok')
    t.same(await addrs(lab, 'a', 'inet', vip.address), [
      { family: 'inet', local: vip.address, prefixlen: 24, broadcast: '192.0.2.255', scope: 'link', label: 'eth0:vip', valid_life_time: 4294967295, preferred_life_time: 4294967295 },
    ], 'exactly one address, with its broadcast, scope and label')

    // A kernel refusal reads as iproute2 prints it (disabling IPv6 first, as it flushes IPv6 addresses)
    await lab.exec('a', 'sysctl', ['-qw', 'net.ipv6.conf.eth0.disable_ipv6=1'])
    const other6 = { ...v6, address: 'fd00:9::101' }
    const ip = await lab.exec('a', 'ip', ['-6', 'addr', 'add', 'fd00:9::101/64', 'dev', 'eth0', 'nodad'], { allowFail: true })
    t.not(ip.code, 0)
    t.same(await run(lab, 'a', [{ op: 'add', vip: other6 }]), [{ ok: false, error: ip.stderr.trim() }], `same error as ip: ${ip.stderr.trim()}`)
    await lab.exec('a', 'sysctl', ['-qw', 'net.ipv6.conf.eth0.disable_ipv6=0'])

    // RFC 9568 7.4: the new master must answer for the VIP at once, so no DAD wait
    t.same(await run(lab, 'a', [{ op: 'add', vip: v6 }]), [{ ok: true }])
    const six = await addrs(lab, 'a', 'inet6', v6.address)
    t.equal(six.length, 1)
    t.match(six[0], { prefixlen: 64, scope: 'global', nodad: true })
    t.notOk(six[0]?.tentative, 'not tentative')

    const ghost = { ...vip, dev: 'ghost0', label: undefined }
    t.same(await run(lab, 'a', [{ op: 'add', vip: ghost }, { op: 'remove', vip: ghost }, { op: 'add', vip: { ...vip, scope: 'planet' } }]), [
      { ok: false, error: 'Cannot find device "ghost0"' },
      { ok: true },
      { ok: false, error: 'unknown scope "planet"' },
    ], 'a missing device is an error on add and already gone on remove; a bad scope is refused')

    t.same(await run(lab, 'a', [{ op: 'remove', vip }, { op: 'remove', vip }, { op: 'remove', vip: v6 }]), [{ ok: true }, { ok: true }, { ok: true }], 'remove, then remove again: both ok')
    t.same(await addrs(lab, 'a', 'inet', vip.address), [])
    t.same(await addrs(lab, 'a', 'inet6', v6.address), [])
  })
}
