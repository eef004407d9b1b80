import t from 'tap'
import { Harness, messages, ofType } from '../helpers/sim-core.js'
import { makeConfig, makeInstance, makeScript, track } from '../helpers/sim-config.js'
import type { VrrpInstance } from '../../src/config/model.js'
import { masterDownIntervalMs } from '../../src/core/timers.js'

const chk = makeScript('chk')
function router(over: Partial<VrrpInstance> = {}, globalDefs = {}): Harness {
  return new Harness(makeConfig([makeInstance(over)], { scripts: [chk, makeScript('chk0')], globalDefs }))
}
const fail = (h: Harness, name = 'chk', at = h.now) => h.step({ type: 'trackChanged', kind: 'script', name, ok: false }, at)
const recover = (h: Harness, name = 'chk', at = h.now) => h.step({ type: 'trackChanged', kind: 'script', name, ok: true }, at)

t.test('startup: BACKUP with the down timer armed; an owner is MASTER at once', (t) => {
  // RFC 3768 6.4.1: Priority 255 -> Master, else Backup with Master_Down_Timer
  const h = router()
  const actions = h.step({ type: 'startup' }, 0)
  t.equal(h.inst().state, 'BACKUP')
  t.same(ofType(actions, 'armTimer'), [{ type: 'armTimer', instance: 'VI_1', at: masterDownIntervalMs(2, 100, 1000) }])
  const o = router({ priority: 255, initialState: 'MASTER' })
  const oActions = o.step({ type: 'startup' }, 0)
  t.equal(o.inst().state, 'MASTER')
  t.equal(ofType(oActions, 'sendAdvert')[0]!.advert.priority, 255)
  t.end()
})

t.test('startup in FAULT when the interface is down or has no address', (t) => {
  // RFC 3768 6.4.1 Startup; FAULT (not an RFC state): keepalived vrrp_scheduler.c vrrp_init_state
  const down = router()
  down.router.interfacesUp.eth0 = false
  down.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, 0)
  down.step({ type: 'startup' }, 0)
  t.equal(down.inst().state, 'FAULT')
  const noAddr = router()
  noAddr.step({ type: 'addressChanged', interface: 'eth0', family: 4, address: undefined }, 0)
  const actions = noAddr.step({ type: 'startup' }, 0)
  t.equal(noAddr.inst().state, 'FAULT')
  t.ok(messages(actions).includes('(VI_1) Entering FAULT STATE'))
  t.end()
})

t.test('dont_track_primary: the interface going down is not a FAULT', (t) => {
  // RFC 3768 6.4.1, keepalived dont_track_primary
  const h = router({ dontTrackPrimary: true })
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, 10)
  t.equal(h.inst().state, 'BACKUP')
  const n = router()
  n.step({ type: 'startup' }, 0)
  n.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, 10)
  t.equal(n.inst().state, 'FAULT')
  n.step({ type: 'interfaceChanged', interface: 'eth0', up: true }, 20)
  t.equal(n.inst().state, 'BACKUP', 'back to BACKUP when clear')
  t.end()
})

t.test('vrrp_startup_delay delays the start by a timer', (t) => {
  // RFC 3768 6.4.1 Startup event, delayed (keepalived vrrp_startup_delay)
  const h = router({}, { startupDelayMs: 5000 })
  const actions = h.step({ type: 'startup' }, 100)
  t.equal(h.inst().state, 'INIT')
  t.same(ofType(actions, 'armTimer'), [{ type: 'armTimer', instance: 'VI_1', at: 5100 }])
  h.fire()
  t.equal(h.inst().state, 'BACKUP')
  t.end()
})

t.test('shutdown: a master sends priority 0, removes VIPs, STOP notify, timer cancelled', (t) => {
  // RFC 3768 6.4.3 Shutdown: "Send an ADVERTISEMENT with Priority = 0"
  const h = router()
  h.step({ type: 'startup' }, 0)
  h.fire()
  const actions = h.step({ type: 'shutdown' }, h.now + 1)
  t.same(ofType(actions, 'sendAdvert').map((a) => a.advert.priority), [0])
  t.equal(ofType(actions, 'removeVips').length, 1)
  t.same(ofType(actions, 'runNotify').map((a) => a.state), ['STOP'])
  t.same(ofType(actions, 'cancelTimer').length, 1)
  t.equal(h.inst().armedAt, undefined)
  const b = router()
  b.step({ type: 'startup' }, 0)
  const bActions = b.step({ type: 'shutdown' }, 1)
  t.equal(ofType(bActions, 'sendAdvert').length, 0, 'a backup sends nothing')
  t.same(ofType(bActions, 'runNotify').map((a) => a.state), ['STOP'])
  t.end()
})

t.test('a track change adjusts the effective priority; a master advertises it at once', (t) => {
  // RFC 3768 6.4.3 (the advert carries the current Priority, 5.3.4); keepalived track weights
  const h = router({ trackScripts: [track('chk', -20)] })
  h.step({ type: 'startup' }, 0)
  h.fire()
  const actions = fail(h, 'chk', h.now + 100)
  t.ok(messages(actions).includes('(VI_1) Changing effective priority from 100 to 80'))
  t.same(ofType(actions, 'sendAdvert').map((a) => a.advert.priority), [80])
  t.equal(h.inst().state, 'MASTER', 'a priority change alone is no transition')
  t.same(ofType(recover(h).filter((a) => a.type === 'sendAdvert'), 'sendAdvert').map((a) => a.advert.priority), [100])
  t.end()
})

t.test('a backup whose priority changes sends nothing', (t) => {
  // RFC 3768 6.4.2 (a backup sends no adverts)
  const h = router({ trackScripts: [track('chk', 10)] })
  h.step({ type: 'startup' }, 0)
  t.equal(h.inst().effectivePriority, 110)
  const actions = fail(h, 'chk', 10)
  t.equal(h.inst().effectivePriority, 100)
  t.equal(ofType(actions, 'sendAdvert').length, 0)
  t.end()
})

t.test('a weight-0 track failing is FAULT; recovering goes BACKUP (owner: MASTER)', (t) => {
  // keepalived vrrp_track.c: a weight-0 track failing is FAULT; leaving FAULT an owner goes MASTER (RFC 3768 6.4.1)
  const h = router({ trackScripts: [track('chk0', 0)] })
  h.step({ type: 'startup' }, 0)
  fail(h, 'chk0', 10)
  t.equal(h.inst().state, 'FAULT')
  fail(h, 'chk', 20)
  t.equal(h.inst().state, 'FAULT', 'an unrelated script changes nothing')
  recover(h, 'chk0', 30)
  t.equal(h.inst().state, 'BACKUP')
  const o = router({ priority: 255, trackScripts: [track('chk0', 0)] })
  o.step({ type: 'startup' }, 0)
  fail(o, 'chk0', 10)
  t.equal(o.inst().state, 'FAULT')
  recover(o, 'chk0', 20)
  t.equal(o.inst().state, 'MASTER')
  t.end()
})

t.test('track_interface follows interfaceChanged for another interface', (t) => {
  // keepalived.conf(5) track_interface weight (track weights are not in the RFC)
  const h = new Harness(makeConfig([makeInstance({ trackInterfaces: [track('eth1', -30)] })]), '10.0.0.1', ['eth0', 'eth1'])
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'interfaceChanged', interface: 'eth1', up: false }, 10)
  t.equal(h.inst().effectivePriority, 70)
  t.equal(h.inst().state, 'BACKUP')
  h.step({ type: 'interfaceChanged', interface: 'eth1', up: true }, 20)
  t.equal(h.inst().effectivePriority, 100)
  t.end()
})

t.test('track_file adds value x weight', (t) => {
  // keepalived.conf(5) track_file (track weights are not in the RFC)
  const h = router({ trackFiles: [track('prio', 2)] })
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'trackChanged', kind: 'file', name: 'prio', ok: true, value: 15 }, 10)
  t.equal(h.inst().effectivePriority, 130)
  h.step({ type: 'trackChanged', kind: 'file', name: 'prio', ok: true, value: -200 }, 20)
  t.equal(h.inst().state, 'FAULT', '-400 is below -253')
  t.end()
})

t.test('addVips failing puts the instance in FAULT; other I/O failures only warn', (t) => {
  // keepalived: a VIP that cannot be added is FAULT (not in the RFC)
  const h = router()
  h.step({ type: 'startup' }, 0)
  h.fire()
  const warn = h.step({ type: 'ioFailed', instance: 'VI_1', op: 'sendGarp', message: 'ENETDOWN' }, h.now + 1)
  t.equal(h.inst().state, 'MASTER')
  t.same(messages(warn, 'warn'), ['(VI_1) sendGarp failed: ENETDOWN'])
  h.step({ type: 'ioFailed', instance: 'VI_1', op: 'addVips', message: 'EPERM' }, h.now + 1)
  t.equal(h.inst().state, 'FAULT')
  h.step({ type: 'interfaceChanged', interface: 'eth0', up: true }, h.now + 1)
  t.equal(h.inst().state, 'BACKUP', 'cleared when the link reports up again')
  t.end()
})

t.test('the primary address going away is FAULT; a new one recovers', (t) => {
  // keepalived: no address of the family on the interface is FAULT; RFC 3768 7.2 sends from the primary address
  const h = router()
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'addressChanged', interface: 'eth0', family: 4, address: undefined }, 1)
  t.equal(h.inst().state, 'FAULT')
  h.step({ type: 'addressChanged', interface: 'eth0', family: 6, address: 'fe80::1' }, 2)
  t.equal(h.inst().state, 'FAULT', 'another family does not help')
  h.step({ type: 'addressChanged', interface: 'eth0', family: 4, address: '10.0.0.7' }, 3)
  t.equal(h.inst().state, 'BACKUP')
  t.end()
})

t.test('a timer fired early or for an unknown instance does nothing', (t) => {
  // RFC 3768 6.2 Timers (only a due deadline acts)
  const h = router()
  h.step({ type: 'startup' }, 0)
  const early = h.step({ type: 'timerFired', instance: 'VI_1' }, 10)
  t.equal(h.inst().state, 'BACKUP')
  t.same(ofType(early, 'armTimer').map((a) => a.at), [masterDownIntervalMs(2, 100, 1000)], 're-armed at the same deadline')
  t.same(h.step({ type: 'timerFired', instance: 'nope' }, 20), [])
  t.end()
})
