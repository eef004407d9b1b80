import t from 'tap'
import { advertSource } from '../../src/io/advert-source.js'
import type { InterfaceInfo } from '../../src/io/ports.js'

const info: InterfaceInfo = {
  name: 'eth0',
  index: 2,
  mac: '02:00:00:00:00:01',
  up: true,
  addresses: [
    { family: 6, address: 'fd00::1', prefixLength: 64, primary: true },
    { family: 4, address: '10.0.0.19', prefixLength: 24, primary: false },
    { family: 4, address: '10.0.0.1', prefixLength: 24, primary: true },
    { family: 4, address: '10.0.1.1', prefixLength: 24, primary: true },
    { family: 6, address: 'fe80::1', prefixLength: 64, primary: true },
  ],
}

// RFC 9568 5.1.1.1: the primary address of the sending interface
t.test('IPv4: the first primary address of the interface', async (t) => {
  t.equal(advertSource(info, 4), '10.0.0.1')
})

// RFC 9568 5.1.2.1: the IPv6 link-local address
t.test('IPv6: the link-local address', async (t) => {
  t.equal(advertSource(info, 6), 'fe80::1')
})

t.test('mcast_src_ip / unicast_src_ip win', async (t) => {
  t.equal(advertSource(info, 4, '10.0.0.19'), '10.0.0.19')
})

t.test('no address of the family: undefined', async (t) => {
  t.equal(advertSource({ ...info, addresses: info.addresses.filter((a) => a.family === 6) }, 4), undefined)
  t.equal(advertSource({ ...info, addresses: [{ family: 4, address: '10.0.0.19', prefixLength: 24, primary: false }] }, 4), undefined)
})
