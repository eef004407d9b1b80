import t from 'tap'
import { Harness, ofType } from '../helpers/sim-core.js'
import { hostOpts, makeConfig, makeInstance, vip } from '../helpers/sim-config.js'
import { createRouter } from '../../src/core/index.js'
import { createInstanceState, deadlineOf } from '../../src/core/instance.js'

t.test('the v2 advert carries auth type, 8-byte password, interval and the VIPs of its family', (t) => {
  // RFC 3768 5.3: fields of the VRRPv2 packet
  const cfg = makeInstance({ authentication: { type: 'PASS', password: 'secret' }, virtualIpAddresses: [vip('10.0.0.100'), vip('fe80::1')] })
  const router = createRouter(makeConfig([cfg]), hostOpts('10.0.0.1'))
  const adv = createInstanceState(cfg, router).advertTemplate
  t.match(adv, { version: 2, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: 1, ipAddresses: ['10.0.0.100'], family: 4 })
  t.same([...adv.authData], [...Buffer.from('secret\0\0')])
  t.end()
})

t.test('the v3 advert has no authentication', (t) => {
  // RFC 9568 5.2: no Authentication fields in VRRPv3
  const cfg = makeInstance({ version: 3, advertIntervalMs: 10, authentication: { type: 'PASS', password: 'x' } })
  const adv = createInstanceState(cfg, createRouter(makeConfig([cfg]), hostOpts('10.0.0.1'))).advertTemplate
  t.equal(adv.authType, 0)
  t.equal(adv.authData.length, 0)
  t.equal(adv.adverIntervalMs, 10)
  t.end()
})

t.test('one timer per instance at the earliest deadline, re-armed only when it changes', (t) => {
  // RFC 3768 6.2 Timers (Master_Down_Timer, Adver_Timer) in one deadline
  const h = new Harness(makeConfig([makeInstance()]))
  h.step({ type: 'startup' }, 0)
  const inst = h.inst()
  inst.garpBurstAt = 5
  t.equal(deadlineOf(inst), 5)
  inst.garpBurstAt = undefined
  const adv = { type: 'advertReceived' as const, interface: 'eth0', source: '10.0.0.2', advert: { version: 2 as const, type: 1 as const, virtualRouterId: 51, priority: 50, adverIntervalMs: 1000, authType: 0, authData: Buffer.alloc(8), ipAddresses: ['10.0.0.100'], family: 4 as const } }
  // a discarded lower-priority advert does not move the deadline: no armTimer
  t.same(ofType(h.step(adv, 100), 'armTimer'), [])
  t.equal(ofType(h.step({ ...adv, advert: { ...adv.advert, priority: 200 } }, 200), 'armTimer').length, 1)
  t.end()
})
