import t from 'tap'
import { readFileSync } from 'node:fs'
import { isLinkUp, parseIpAddrJson } from '../../src/io/ip-json.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/io/${name}`, import.meta.url), 'utf8')

t.test('an up Ethernet interface with primary, secondary and IPv6 addresses', async (t) => {
  const [eth0, ...rest] = parseIpAddrJson(fixture('ip-addr-eth0.json'))!
  t.same(rest, [])
  t.same(eth0, {
    name: 'eth0',
    index: 3,
    mac: '02:c8:07:00:00:0b',
    up: true,
    addresses: [
      { family: 4, address: '10.200.7.11', prefixLength: 24, primary: true },
      { family: 4, address: '10.200.7.100', prefixLength: 32, primary: true },
      { family: 4, address: '10.200.7.19', prefixLength: 24, primary: false },
      { family: 6, address: 'fd00:c8:7::b', prefixLength: 64, primary: true },
      { family: 6, address: 'fe80::c8ff:fe07:b', prefixLength: 64, primary: true },
    ],
  })
})

t.test('up means IFF_UP, carrier, and operstate UP or UNKNOWN', async (t) => {
  t.equal(parseIpAddrJson(fixture('ip-addr-lowerlayerdown.json'))![0]!.up, false, 'no carrier: LOWERLAYERDOWN')
  t.equal(parseIpAddrJson(fixture('ip-addr-admin-down.json'))![0]!.up, false, 'not IFF_UP')
  t.equal(parseIpAddrJson(fixture('ip-addr-lo.json'))![0]!.up, true, 'UNKNOWN counts as up (lo)')
  t.equal(parseIpAddrJson(fixture('ip-addr-tun.json'))![0]!.up, true, 'UNKNOWN counts as up (tun)')
  t.equal(isLinkUp(['UP', 'LOWER_UP'], 'DORMANT'), false)
  t.equal(isLinkUp(['UP', 'LOWER_UP'], 'down'), false, 'operstate compared case-insensitively')
  t.equal(isLinkUp(['UP', 'LOWER_UP'], undefined), true, 'no operstate reported: as UNKNOWN')
})

t.test('an interface without a hardware address gets the zero MAC', async (t) => {
  t.equal(parseIpAddrJson(fixture('ip-addr-tun.json'))![0]!.mac, '00:00:00:00:00:00')
})

t.test('odd input never throws', async (t) => {
  t.equal(parseIpAddrJson(''), undefined)
  t.equal(parseIpAddrJson('Device "x" does not exist.'), undefined)
  t.equal(parseIpAddrJson('{"ifname":"eth0"}'), undefined, 'not an array')
  t.same(parseIpAddrJson('[{}, null, 3, {"ifname":"e","ifindex":2,"addr_info":[{"family":"inet"},{"family":"packet","local":"x","prefixlen":1}]}]'), [
    { name: 'e', index: 2, mac: '00:00:00:00:00:00', up: false, addresses: [] },
  ])
})
