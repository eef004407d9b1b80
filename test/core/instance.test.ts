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

t.test('an advert carries at most 255 VIPs, the first ones; all are added as MASTER', (t) => {
  // RFC 3768 5.3.6: Count IP Addrs is one byte
  const many = Array.from({ length: 500 }, (_, k) => vip(`10.${100 + Math.floor(k / 250)}.${(k % 250) + 1}.1`, 'eth0', 32))
  const cfg = makeInstance({ virtualIpAddresses: many })
  const adv = createInstanceState(cfg, createRouter(makeConfig([cfg]), hostOpts('10.0.0.1'))).advertTemplate
  t.equal(adv.ipAddresses.length, 255)
  t.same(adv.ipAddresses, many.slice(0, 255).map((v) => v.address))
  const h = new Harness(makeConfig([cfg]))
  const actions = h.step({ type: 'startup' }, 0)
  for (let i = 0; i < 5 && h.inst().state !== 'MASTER'; i++) actions.push(...h.fire())
  t.equal(h.inst().state, 'MASTER')
  t.equal(ofType(actions, 'addVips').flatMap((a) => a.vips).length, 500, 'every VIP is added')
  t.equal(ofType(actions, 'sendAdvert').at(-1)?.advert.ipAddresses.length, 255, 'the advert sent as MASTER carries 255')
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
