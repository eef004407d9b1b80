// The daemon with an IPv6 instance over fake ports: adverts from the link-local
// address to ff02::12, unsolicited NAs (not gratuitous ARP) for IPv6 VIPs, and
// FAULT while the interface has no usable IPv6 address.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { createLogger } from '../../src/log.js'
import { decodeAdvert } from '../../src/protocol/index.js'
import { FakeWorld, flush } from '../helpers/fake-ports.js'

const CONF = `
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    fd00::100/64
  }
}
`

function setup(t: Test, addresses: { family: 4 | 6; address: string; prefixLength: number; primary: boolean }[]) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-daemon6-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, CONF)
  const loaded = loadConfig(file, { interfaceExists: () => true })
  t.equal(loaded.exitCode, 0, 'config is valid')
  const world = new FakeWorld()
  world.ifaces.set('eth0', { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', up: true, addresses })
  const nas: string[] = []
  const ports = { ...world.ports(), na: { send: (iface: { name: string }, address: string) => (nas.push(`${iface.name} ${address}`), { ok: true as const }), close: () => {} } }
  const lines: string[] = []
  const daemon = new Daemon(loaded.config, ports, createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) }))
  return { world, daemon, lines, nas }
}

const MASTER_DOWN_MS = 3000 + Math.ceil((156 * 1000) / 256) + 1

t.test('an IPv6 master advertises from its link-local address and announces its VIPs with NAs', async (t) => {
  const { world, daemon, lines, nas } = setup(t, [
    { family: 6, address: 'fd00::1', prefixLength: 64, primary: true },
    { family: 6, address: 'fe80::1', prefixLength: 64, primary: true },
  ])
  await daemon.start()
  world.advance(MASTER_DOWN_MS)
  await flush()
  t.ok(lines.some((l) => l.includes('(VI_6) Entering MASTER STATE')))
  const sends = world.events.filter((e) => e.kind === 'send')
  t.ok(sends.length >= 1)
  // RFC 9568 5.1.2.1 / 5.1.2.2: from the link-local address to ff02::12.
  t.same(sends.map((e) => e.kind === 'send' && [e.source, e.destination])[0], ['fe80::1', 'ff02::12'])
  const first = sends[0]!
  const decoded = first.kind === 'send' ? decodeAdvert(first.payload, { family: 6, source: first.source, destination: first.destination, ttl: 255, checkTtl: true }) : undefined
  t.match(decoded, { ok: true, advert: { version: 3, family: 6, ipAddresses: ['fd00::100'] } })
  // RFC 9568 8.1.2 (v3 8.2.2): unsolicited NAs for the IPv6 VIP, never gratuitous ARP.
  t.same(nas, Array(5).fill('eth0 fd00::100'), 'garp_master_repeat (5) NAs for the VIP')
  t.notOk(world.events.some((e) => e.kind === 'garp'), 'no gratuitous ARP for an IPv6 VIP')
  await daemon.stop()
})

t.test('without an IPv6 address on the interface the instance waits in FAULT', async (t) => {
  const { world, daemon, lines } = setup(t, [{ family: 4, address: '10.0.0.1', prefixLength: 24, primary: true }])
  await daemon.start()
  world.advance(MASTER_DOWN_MS * 2)
  await flush()
  t.ok(lines.some((l) => l.includes('(VI_6) Entering FAULT STATE')), 'FAULT')
  t.notOk(world.events.some((e) => e.kind === 'send'), 'nothing sent')
  await daemon.stop()
})
