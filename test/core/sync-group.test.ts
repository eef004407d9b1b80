import t from 'tap'
import { Harness, ofType } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeGroup, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import type { SyncGroup } from '../../src/config/model.js'

function grouped(groupOver: Partial<SyncGroup> = {}, prio2 = 100): Harness {
  const cfg = makeConfig(
    [
      makeInstance({ name: 'VI_1' }),
      makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, priority: prio2, virtualIpAddresses: [vip('10.1.0.100', 'eth1')] }),
      makeInstance({ name: 'VI_3', interface: 'eth1', virtualRouterId: 53 }),
    ],
    { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'], groupOver)], scripts: [makeScript('gchk', { weight: -20 })] },
  )
  const h = new Harness(cfg, '10.0.0.1', ['eth0', 'eth1'])
  h.step({ type: 'startup' }, 0)
  return h
}
const states = (h: Harness) => ['VI_1', 'VI_2', 'VI_3'].map((n) => h.inst(n).state)

t.test('one member FAULT -> every member FAULT; clear -> all back', (t) => {
  // keepalived vrrp_sync.c vrrp_sync_fault (sync groups and FAULT are not in the RFC)
  const h = grouped()
  const actions = h.step({ type: 'interfaceChanged', interface: 'eth1', up: false }, 10)
  t.same(states(h).slice(0, 2), ['FAULT', 'FAULT'], 'VI_1 follows VI_2 although eth0 is up')
  t.ok(ofType(actions, 'runNotify').some((a) => a.owner.kind === 'GROUP' && a.owner.name === 'G1' && a.state === 'FAULT'))
  h.step({ type: 'interfaceChanged', interface: 'eth1', up: true }, 20)
  t.same(states(h), ['BACKUP', 'BACKUP', 'BACKUP'])
  t.end()
})

t.test('the group goes MASTER when every member wants to; non-members are untouched', (t) => {
  // RFC 3768 6.4.2 (Master_Down_Timer fires) per member; keepalived vrrp_sync_can_goto_master
  const h = grouped({}, 200)
  const first = h.fire('VI_2')
  t.same(states(h), ['BACKUP', 'BACKUP', 'BACKUP'], 'VI_2 timed out first but VI_1 has not: the group waits')
  t.equal(h.inst('VI_2').wantsMaster, true)
  t.equal(ofType(first, 'stateChanged').length, 0)
  const actions = h.fire('VI_1')
  t.same(states(h), ['MASTER', 'MASTER', 'BACKUP'])
  const notifies = ofType(actions, 'runNotify').map((a) => `${a.owner.kind} ${a.owner.name} ${a.state}`)
  t.same(notifies.sort(), ['GROUP G1 MASTER', 'INSTANCE VI_1 MASTER', 'INSTANCE VI_2 MASTER'])
  t.equal(h.inst('VI_2').wantsMaster, false)
  t.end()
})

t.test('a member that still hears its master keeps the group BACKUP (one link cut off the LAN)', (t) => {
  // keepalived vrrp_sync_can_goto_master: "prefer backup state to avoid thrashing"
  const h = grouped({}, 90)
  const peer = advertFrom(h.inst('VI_1').config, { priority: 100 })
  // The master is heard on eth0 only: VI_2 (eth1) times out again and again.
  let transitions = 0
  for (let at = 500; at < 30_000; at += 1000) {
    transitions += ofType(h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: peer }, at), 'stateChanged').length
    while ((h.inst('VI_2').armedAt ?? Infinity) <= at + 999) transitions += ofType(h.fire('VI_2'), 'stateChanged').length
  }
  t.equal(transitions, 0, 'no transition in 30 s')
  t.same(states(h).slice(0, 2), ['BACKUP', 'BACKUP'])
  t.equal(h.inst('VI_2').wantsMaster, true)
  t.equal(h.inst('VI_1').wantsMaster, false)
  // The master dies: VI_1 times out too, and the whole group goes MASTER at once.
  h.fire('VI_1')
  t.same(states(h).slice(0, 2), ['MASTER', 'MASTER'])
  t.end()
})

t.test('a held-back member hearing its master again is no longer ready', (t) => {
  // keepalived vrrp.c vrrp_state_backup_rx sets wantstate BACKUP on an accepted advert
  const h = grouped({}, 90)
  h.fire('VI_2')
  t.equal(h.inst('VI_2').wantsMaster, true)
  const peer2 = advertFrom(h.inst('VI_2').config, { priority: 100 })
  h.step({ type: 'advertReceived', interface: 'eth1', source: '10.0.0.2', advert: peer2 }, h.now + 10)
  t.equal(h.inst('VI_2').wantsMaster, false)
  h.fire('VI_1')
  t.same(states(h).slice(0, 2), ['BACKUP', 'BACKUP'], 'VI_1 timing out alone does not pull the group')
  t.end()
})

t.test('one member goes BACKUP from MASTER -> all BACKUP', (t) => {
  // RFC 3768 6.4.3 (higher priority -> Backup); the group follows: keepalived vrrp_sync.c vrrp_sync_backup
  const h = grouped({}, 200)
  h.fire('VI_2')
  h.fire('VI_1')
  t.same(states(h).slice(0, 2), ['MASTER', 'MASTER'])
  const advert = advertFrom(h.inst('VI_1').config, { priority: 250 })
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.9', advert }, h.now + 10)
  t.same(states(h).slice(0, 2), ['BACKUP', 'BACKUP'])
  t.end()
})

t.test('a failing group track puts every member in FAULT whatever its weight', (t) => {
  // keepalived vrrp_sync.c: a sync group's track_script puts every member in FAULT
  const h = grouped({ trackScripts: [track('gchk', -20)] })
  h.step({ type: 'trackChanged', kind: 'script', name: 'gchk', ok: false }, 10)
  t.same(states(h), ['FAULT', 'FAULT', 'BACKUP'])
  h.step({ type: 'trackChanged', kind: 'script', name: 'gchk', ok: true }, 20)
  t.same(states(h), ['BACKUP', 'BACKUP', 'BACKUP'])
  t.end()
})
