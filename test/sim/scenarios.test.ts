/**
 * Whole-protocol scenarios: N pure routers on a simulated wire with a fake clock.
 */
import t from 'tap'
import { SimWire } from '../helpers/sim-wire.js'
import { makeConfig, makeGroup, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { masterDownIntervalMs, skewTimeMs } from '../../src/core/index.js'

function pair(a: Parameters<typeof makeInstance>[0], b: Parameters<typeof makeInstance>[0]): SimWire {
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', makeConfig([makeInstance(a)]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance(b)]))
  return wire
}

function addVipTimes(wire: SimWire, name: string): number[] {
  return wire.node(name).history.filter((h) => h.action.type === 'addVips').map((h) => h.at)
}

t.test('convergence to exactly one master, the highest priority', (t) => {
  // RFC 3768 6.4.2: the backup whose Master_Down_Timer fires first (smallest Skew_Time) wins
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', makeConfig([makeInstance({ priority: 100 })]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ priority: 150 })]))
  wire.add('c', '10.0.0.3', makeConfig([makeInstance({ priority: 50 })]))
  wire.startAll()
  t.same(wire.states(), { a: 'BACKUP', b: 'BACKUP', c: 'BACKUP' })
  wire.runUntil(masterDownIntervalMs(2, 150, 1000) - 1)
  t.same(wire.masters(), [], 'nobody is master before Master_Down_Interval')
  wire.runUntil(10_000)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('equal priorities: the higher primary address wins', (t) => {
  // RFC 3768 6.4.3: equal priority, greater primary IP address -> the sender stays master
  const wire = pair({ priority: 100 }, { priority: 100 })
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('preemption: a higher-priority router joining takes over', (t) => {
  // RFC 3768 6.4.2: preempt on, advert priority lower than ours -> discard, Master_Down_Timer expires
  const wire = pair({ priority: 100 }, { priority: 150 })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  t.same(wire.masters(), ['a'])
  wire.inject('b', { type: 'startup' })
  const joined = wire.now
  wire.runFor(masterDownIntervalMs(2, 150, 1000) + 10)
  t.same(wire.masters(), ['b'])
  t.equal(wire.states().a, 'BACKUP')
  t.ok(addVipTimes(wire, 'b')[0]! - joined <= masterDownIntervalMs(2, 150, 1000) + 2)
  t.end()
})

t.test('nopreempt: a higher-priority backup holds off while a master exists', (t) => {
  // RFC 3768 6.4.2: Preempt_Mode False -> reset Master_Down_Timer on every advert
  const wire = pair({ priority: 100 }, { priority: 150, nopreempt: true })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  wire.inject('b', { type: 'startup' })
  wire.runFor(60_000)
  t.same(wire.masters(), ['a'])
  wire.cut('a')
  wire.runFor(masterDownIntervalMs(2, 150, 1000) + 10)
  t.same(wire.states().b, 'MASTER', 'takes over once the master is gone')
  t.end()
})

t.test('preempt_delay: the higher-priority backup waits the delay, then preempts', (t) => {
  // RFC 3768 6.4.2 Preempt_Mode, delayed (keepalived preempt_delay)
  const wire = pair({ priority: 100 }, { priority: 150, preemptDelayMs: 5000 })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  wire.inject('b', { type: 'startup' })
  const joined = wire.now
  wire.runFor(7000)
  t.same(wire.masters(), ['a'], 'still holding inside the delay')
  wire.runFor(5000)
  t.same(wire.masters(), ['b'], 'preempted after the delay')
  const took = addVipTimes(wire, 'b')[0]! - joined
  t.ok(took >= 5000 && took <= 5000 + 1000 + masterDownIntervalMs(2, 150, 1000) + 5, `took ${took} ms`)
  t.end()
})

t.test('owner (priority 255) is master at once and takes over from a running master', (t) => {
  // RFC 3768 6.4.1: Priority 255 -> transition to Master at startup
  const wire = pair({ priority: 100 }, { priority: 255, initialState: 'MASTER' })
  wire.inject('a', { type: 'startup' })
  wire.runFor(5000)
  t.same(wire.masters(), ['a'])
  wire.inject('b', { type: 'startup' })
  t.equal(wire.states().b, 'MASTER', 'master in the same step')
  wire.runFor(10)
  t.same(wire.masters(), ['b'], 'the old master yields on the first advert')
  t.end()
})

t.test('graceful handover: priority 0 on shutdown, backup takes over within Skew_Time', (t) => {
  // RFC 3768 6.4.3 Shutdown + 6.4.2 priority 0 -> Master_Down_Timer := Skew_Time
  const wire = pair({ priority: 150 }, { priority: 100 })
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['a'])
  const stop = wire.now
  wire.inject('a', { type: 'shutdown' })
  wire.runFor(skewTimeMs(2, 100, 1000) + wire.delayMs)
  t.same(wire.masters(), ['b'])
  t.ok(addVipTimes(wire, 'b')[0]! - stop <= skewTimeMs(2, 100, 1000) + wire.delayMs)
  t.end()
})

t.test('nginx: a failing check moves the VIP to the peer and it returns on recovery', (t) => {
  // RFC 3768 6.4.2 / 6.4.3 with keepalived track_script weight semantics
  const cfgA = makeConfig([makeInstance({ priority: 100, trackScripts: [track('chk_nginx', -20)] })], { scripts: [makeScript('chk_nginx')] })
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', cfgA)
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ priority: 90 })]))
  wire.startAll()
  wire.runFor(10_000)
  t.same(wire.masters(), ['a'])
  wire.inject('a', { type: 'trackChanged', kind: 'script', name: 'chk_nginx', ok: false })
  t.ok(wire.logs('a').some((l) => l.message === '(VI_1) Changing effective priority from 100 to 80'))
  wire.runFor(masterDownIntervalMs(2, 90, 1000) + 10)
  t.same(wire.masters(), ['b'], 'peer took over')
  const recovered = wire.now
  wire.inject('a', { type: 'trackChanged', kind: 'script', name: 'chk_nginx', ok: true })
  wire.runFor(masterDownIntervalMs(2, 100, 1000) + 1000 + 10)
  t.same(wire.masters(), ['a'], 'VIP returned')
  t.ok(addVipTimes(wire, 'a').some((at) => at > recovered))
  t.ok(wire.node('b').history.some((h) => h.action.type === 'removeVips' && h.at > recovered))
  t.end()
})

t.test('split brain: after the partition heals, one master within one advert interval', (t) => {
  // RFC 3768 6.4.3: a master receiving a higher-priority advert becomes backup
  const wire = pair({ priority: 100 }, { priority: 150 })
  wire.startAll()
  wire.runFor(10_000)
  wire.isolate(['a'], ['b'])
  wire.runFor(10_000)
  t.same(wire.masters().sort(), ['a', 'b'])
  wire.healAll()
  wire.runFor(1000 + 2 * wire.delayMs)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('sync group members move together', (t) => {
  // RFC 3768 6.4.2 / 6.4.3 per member; keepalived vrrp_sync_group
  // keepalived vrrp_sync_group: one member FAULT -> every member FAULT
  const conf = (prio: number) =>
    makeConfig(
      [
        makeInstance({ name: 'VI_1', priority: prio }),
        makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, priority: prio, virtualIpAddresses: [vip('10.1.0.100', 'eth1')] }),
      ],
      { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'])] },
    )
  const wire = new SimWire()
  wire.add('a', '10.0.0.1', conf(150), ['eth0', 'eth1'])
  wire.add('b', '10.0.0.2', conf(100), ['eth0', 'eth1'])
  wire.startAll()
  wire.runFor(10_000)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['a'], ['a']])
  wire.inject('a', { type: 'interfaceChanged', interface: 'eth1', up: false })
  t.same([wire.states('VI_1').a, wire.states('VI_2').a], ['FAULT', 'FAULT'])
  wire.runFor(masterDownIntervalMs(2, 100, 1000) + 10)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['b'], ['b']])
  t.ok(wire.node('b').history.some((h) => h.action.type === 'runNotify' && h.action.owner.kind === 'GROUP' && h.action.state === 'MASTER'))
  wire.inject('a', { type: 'interfaceChanged', interface: 'eth1', up: true })
  wire.runFor(10_000)
  t.same([wire.masters('VI_1'), wire.masters('VI_2')], [['a'], ['a']])
  t.end()
})

t.test('VRRPv3 at 10 ms intervals: convergence and failover in tens of ms', (t) => {
  // RFC 9568 6.1: Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time
  const v3 = { version: 3 as const, advertIntervalMs: 10 }
  const wire = new SimWire(0.1)
  wire.add('a', '10.0.0.1', makeConfig([makeInstance({ ...v3, priority: 100 })]))
  wire.add('b', '10.0.0.2', makeConfig([makeInstance({ ...v3, priority: 200 })]))
  wire.startAll()
  wire.runFor(100)
  t.same(wire.masters(), ['b'])
  const cut = wire.now
  wire.cut('b')
  wire.runFor(masterDownIntervalMs(3, 100, 10) + 1)
  t.same(wire.states().a, 'MASTER')
  t.ok(addVipTimes(wire, 'a')[0]! - cut <= 40, 'failover under 40 ms')
  wire.heal('b')
  wire.runFor(11)
  t.same(wire.masters(), ['b'])
  t.end()
})

t.test('config mismatch (different auth_pass) is an error log, not silence', (t) => {
  // RFC 3768 7.1 (drop) + vrrpd: report the likely split brain
  const wire = pair({ priority: 100, authentication: { type: 'PASS', password: 'secret' } }, { priority: 90, authentication: { type: 'PASS', password: 'other' } })
  wire.startAll()
  wire.runFor(20_000)
  t.same(wire.masters().sort(), ['a', 'b'], 'the RFC drop still yields two masters')
  for (const n of ['a', 'b']) {
    const errors = wire.logs(n).filter((l) => l.level === 'error')
    t.equal(errors.length, 1, `${n}: exactly one loud line despite many adverts`)
    t.match(errors[0]!.message, /^\(VI_1\) CONFIG MISMATCH: advert from 10\.0\.0\.\d has a different auth_pass - split brain likely$/)
  }
  t.end()
})
