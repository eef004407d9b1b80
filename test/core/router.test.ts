import t from 'tap'
import { Harness, messages } from '../helpers/sim-core.js'
import { advertFrom, hostOpts, makeConfig, makeInstance } from '../helpers/sim-config.js'
import { createRouter, stepRouter } from '../../src/core/index.js'

t.test('an advert matching no instance is counted at router level (vrid), no state change', (t) => {
  // RFC 3768 7.1: "MUST verify that the VRID is configured on the receiving interface"
  const h = new Harness(makeConfig([makeInstance()]))
  h.step({ type: 'startup' }, 0)
  const inst = makeInstance()
  for (const [iface, advert] of [
    ['eth0', advertFrom(inst, { virtualRouterId: 52 })],
    ['eth1', advertFrom(inst)],
    ['eth0', advertFrom(inst, { family: 6, version: 3 })],
  ] as const) {
    const actions = h.step({ type: 'advertReceived', interface: iface, source: '10.0.0.2', advert }, 10)
    t.equal(messages(actions, 'debug').length, 1)
    t.equal(actions.length, 1, 'only the debug log')
  }
  t.same(h.router.stats.dropped, { vrid: 3 })
  t.equal(h.inst().stats.advertRcvd, 0)
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(inst) }, 20)
  t.equal(h.inst().stats.advertRcvd, 1, 'the right key reaches the instance')
  t.end()
})

t.test('routing is by interface + family + VRID among many instances', (t) => {
  // RFC 3768 7.1 / RFC 9568 7.1: VRID configured on the receiving interface
  const instances = Array.from({ length: 300 }, (_, i) =>
    makeInstance({ name: `VI_${i}`, interface: `eth${i % 3}`, virtualRouterId: 1 + Math.floor(i / 3), virtualIpAddresses: [] }),
  )
  const router = createRouter(makeConfig(instances), hostOpts('10.0.0.1', ['eth0', 'eth1', 'eth2']))
  stepRouter(router, { type: 'startup' }, 0)
  const target = instances[205]!
  stepRouter(router, { type: 'advertReceived', interface: target.interface, source: '10.0.0.2', advert: advertFrom(target) }, 5)
  const got = [...router.instances.values()].filter((i) => i.stats.advertRcvd > 0).map((i) => i.name)
  t.same(got, ['VI_205'])
  t.end()
})

t.test('createRouter does nothing until startup', (t) => {
  // RFC 3768 6.4.1 (Initialize waits for the Startup event)
  const router = createRouter(makeConfig([makeInstance()]), hostOpts('10.0.0.1'))
  t.equal(router.instances.get('VI_1')!.state, 'INIT')
  const { actions } = stepRouter(router, { type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(makeInstance()) }, 0)
  t.equal(router.instances.get('VI_1')!.state, 'INIT')
  t.same(messages(actions, 'info'), [])
  t.end()
})
