import t from 'tap'
import { Harness, messages, ofType } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeInstance, vip } from '../helpers/sim-config.js'
import type { VrrpInstance } from '../../src/config/model.js'

function start(over: Partial<VrrpInstance> = {}): Harness {
  const h = new Harness(makeConfig([makeInstance(over)]))
  h.step({ type: 'startup' }, 0)
  return h
}

t.test('becoming master: advert first, then VIPs, then the GARP burst', (t) => {
  // RFC 3768 6.4.2: "Send an ADVERTISEMENT; Broadcast a gratuitous ARP"
  const h = start({ virtualIpAddressesExcluded: [vip('10.0.0.101')] })
  const actions = h.fire()
  const kinds = actions.filter((a) => a.type !== 'log').map((a) => a.type)
  t.same(kinds.slice(0, 3), ['sendAdvert', 'addVips', 'sendGarp'])
  t.ok(messages(actions).includes('(VI_1) Entering MASTER STATE'))
  t.ok(messages(actions).includes('(VI_1) setting VIPs.'))
  t.ok(messages(actions).includes('(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100'))
  const garp = ofType(actions, 'sendGarp')[0]!
  t.same(garp.vips.map((v) => v.address), ['10.0.0.100', '10.0.0.101'], 'excluded VIPs get GARPs too')
  t.equal(garp.repeat, 5)
  t.equal(ofType(actions, 'addVips')[0]!.vips.length, 2)
  t.same(ofType(actions, 'sendAdvert')[0]!.advert.ipAddresses, ['10.0.0.100'], 'the advert lists only virtual_ipaddress')
  t.same(ofType(actions, 'runNotify'), [{ type: 'runNotify', owner: { kind: 'INSTANCE', name: 'VI_1' }, state: 'MASTER', priority: 100 }])
  t.same(ofType(actions, 'stateChanged').map((a) => [a.from, a.to]), [['BACKUP', 'MASTER']])
  t.equal(h.inst().stats.becomeMaster, 1)
  t.end()
})

t.test('second GARP burst after masterDelayMs, refresh every masterRefreshMs', (t) => {
  // RFC 3768 6.4.2 (gratuitous ARP) with keepalived garp_master_delay / garp_master_refresh
  const h = start({ garp: { masterDelayMs: 5000, masterRepeat: 3, masterRefreshMs: 60_000, masterRefreshRepeat: 2, intervalMs: 10, gnaIntervalMs: 0, lowerPrioDelayMs: 0, lowerPrioRepeat: 0 } })
  h.fire()
  const becameAt = h.now
  let bursts: Array<{ at: number; repeat: number }> = []
  while (h.now < becameAt + 125_000) {
    const actions = h.fire()
    for (const g of ofType(actions, 'sendGarp')) bursts.push({ at: h.now - becameAt, repeat: g.repeat })
  }
  t.same(bursts, [{ at: 5000, repeat: 3 }, { at: 60_000, repeat: 2 }, { at: 120_000, repeat: 2 }])
  const none = start({ garp: { masterDelayMs: 0, masterRepeat: 3, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, gnaIntervalMs: 0, lowerPrioDelayMs: 0, lowerPrioRepeat: 0 } })
  none.fire()
  bursts = []
  for (let i = 0; i < 10; i++) for (const g of ofType(none.fire(), 'sendGarp')) bursts.push({ at: none.now, repeat: g.repeat })
  t.same(bursts, [], 'no second burst or refresh when both are 0')
  t.end()
})

t.test('master adverts every Advertisement_Interval', (t) => {
  // RFC 3768 6.4.3: "If the Adver_Timer fires ... Send an ADVERTISEMENT; Reset the Adver_Timer"
  const h = start({ garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0, gnaIntervalMs: 0, lowerPrioDelayMs: 0, lowerPrioRepeat: 0 } })
  h.fire()
  const t0 = h.now
  const sent: number[] = []
  for (let i = 0; i < 3; i++) if (ofType(h.fire(), 'sendAdvert').length === 1) sent.push(h.now - t0)
  t.same(sent, [1000, 2000, 3000])
  t.equal(h.inst().stats.advertSent, 4)
  t.end()
})

t.test('leaving MASTER for BACKUP: VIPs removed, no priority 0', (t) => {
  // RFC 3768 6.4.3
  const h = start()
  h.fire()
  const actions = h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(h.inst().config, { priority: 200 }) }, h.now + 10)
  t.ok(messages(actions).includes('(VI_1) Entering BACKUP STATE'))
  t.ok(messages(actions).includes('(VI_1) removing VIPs.'))
  t.equal(ofType(actions, 'sendAdvert').length, 0)
  t.equal(h.inst().stats.releaseMaster, 1)
  t.same(ofType(actions, 'runNotify').map((a) => a.state), ['BACKUP'])
  t.end()
})

t.test('entering FAULT from MASTER sends priority 0 and removes VIPs; from BACKUP it does not', (t) => {
  // keepalived vrrp.c vrrp_state_leave_master: MASTER -> FAULT sends priority 0 (FAULT is not in the RFC)
  const h = start()
  h.fire()
  const actions = h.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, h.now + 10)
  t.same(ofType(actions, 'sendAdvert').map((a) => a.advert.priority), [0])
  t.equal(ofType(actions, 'removeVips').length, 1)
  t.ok(messages(actions).includes('(VI_1) Entering FAULT STATE'))
  t.equal(h.inst().stats.priZeroSent, 1)
  t.same(ofType(actions, 'cancelTimer'), [{ type: 'cancelTimer', instance: 'VI_1' }])
  const b = start()
  const bActions = b.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, 10)
  t.equal(ofType(bActions, 'sendAdvert').length, 0)
  t.equal(ofType(bActions, 'removeVips').length, 0)
  t.end()
})

t.test('startup enters BACKUP with "(init)"', (t) => {
  // RFC 3768 6.4.1
  const h = new Harness(makeConfig([makeInstance()]))
  const actions = h.step({ type: 'startup' }, 0)
  t.ok(messages(actions).includes('(VI_1) Entering BACKUP STATE (init)'))
  t.same(ofType(actions, 'runNotify').map((a) => a.state), ['BACKUP'])
  t.end()
})
