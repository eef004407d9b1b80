import t from 'tap'
import { membershipDiffers, transportSpecs } from '../../src/daemon/transport-specs.js'
import { makeConfig, makeInstance } from '../helpers/sim-config.js'

const at = { file: 'test.conf', line: 1 }
const peers = (...addresses: string[]) => addresses.map((address) => ({ address, at }))

t.test('one socket per interface: unicast only when every instance on it is unicast', async (t) => {
  const config = makeConfig([
    makeInstance({ name: 'U1', virtualRouterId: 1, unicastPeers: peers('10.0.0.2') }),
    makeInstance({ name: 'U2', virtualRouterId: 2, unicastPeers: peers('10.0.0.3', '10.0.0.2') }),
    makeInstance({ name: 'M', virtualRouterId: 3, interface: 'eth1' }),
    makeInstance({ name: 'U3', virtualRouterId: 4, interface: 'eth1', unicastPeers: peers('10.0.1.2') }),
  ], { globalDefs: { mcastGroup4: '224.0.0.19' } })
  const specs = transportSpecs(config)
  t.same(specs.get('eth0/4'), { interface: 'eth0', family: 4, multicastGroup: '224.0.0.19', unicastPeers: ['10.0.0.2', '10.0.0.3'] })
  t.same(specs.get('eth1/4')?.unicastPeers, [], 'a multicast instance on eth1: the socket joins the group')
})

t.test('a socket is reopened only when its membership changes', async (t) => {
  const mc = (group: string) => ({ interface: 'eth0', family: 4 as const, multicastGroup: group, unicastPeers: [] })
  const uc = (...p: string[]) => ({ interface: 'eth0', family: 4 as const, multicastGroup: '224.0.0.18', unicastPeers: p })
  t.notOk(membershipDiffers(mc('224.0.0.18'), mc('224.0.0.18')))
  t.ok(membershipDiffers(mc('224.0.0.18'), mc('224.0.0.19')))
  t.ok(membershipDiffers(mc('224.0.0.18'), uc('10.0.0.2')))
  t.notOk(membershipDiffers(uc('10.0.0.2'), { ...uc('10.0.0.3'), multicastGroup: '224.0.0.19' }), 'unicast sockets join nothing: peers and group do not matter')
})
