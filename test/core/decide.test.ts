// The rows of src/core/decide.ts's table, one test each, through the router's
// events: from, event, to, and the reason the one transition function records.
import t from 'tap'
import { Harness, ofType } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeGroup, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import type { VrrpInstance } from '../../src/config/model.js'
import type { Action } from '../../src/core/types.js'

function single(over: Partial<VrrpInstance> = {}): Harness {
  return new Harness(makeConfig([makeInstance({ trackScripts: [track('chk0', 0)], ...over })], { scripts: [makeScript('chk0')] }))
}
const moves = (actions: Action[]) => ofType(actions, 'stateChanged').map((a) => `${a.instance} ${a.from}->${a.to} (${a.reason})`)

t.test('INIT -> MASTER / BACKUP / FAULT at startup', (t) => {
  // RFC 3768 6.4.1; FAULT at start: keepalived vrrp_scheduler.c vrrp_init_state
  t.same(moves(single({ priority: 255 }).step({ type: 'startup' }, 0)), ['VI_1 INIT->MASTER (startup)'])
  t.same(moves(single().step({ type: 'startup' }, 0)), ['VI_1 INIT->BACKUP (startup)'])
  const faulty = single()
  t.same(moves(faulty.step({ type: 'interfaceChanged', interface: 'eth0', up: false }, 0)), [], 'nothing moves before startup')
  t.same(moves(faulty.step({ type: 'startup' }, 0)), ['VI_1 INIT->FAULT (interface eth0 down)'])
  t.end()
})

t.test('BACKUP -> MASTER when Master_Down_Timer fires', (t) => {
  // RFC 3768 6.4.2
  const h = single()
  h.step({ type: 'startup' }, 0)
  t.same(moves(h.fire()), ['VI_1 BACKUP->MASTER (master down timer expired)'])
  t.end()
})

t.test('MASTER -> BACKUP on a better master', (t) => {
  // RFC 3768 6.4.3
  const h = single()
  h.step({ type: 'startup' }, 0)
  h.fire()
  const actions = h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(h.inst().config, { priority: 200 }) }, h.now + 10)
  t.same(moves(actions), ['VI_1 MASTER->BACKUP (higher priority advert from 10.0.0.2)'])
  t.end()
})

t.test('MASTER / BACKUP -> FAULT and back: BACKUP, or MASTER for an owner', (t) => {
  // keepalived vrrp_track.c (weight-0 track); FAULT is not in the RFC
  const h = single()
  h.step({ type: 'startup' }, 0)
  h.fire()
  t.same(moves(h.step({ type: 'trackChanged', kind: 'script', name: 'chk0', ok: false }, h.now + 1)), ['VI_1 MASTER->FAULT (script chk0 failed)'])
  t.same(moves(h.step({ type: 'trackChanged', kind: 'script', name: 'chk0', ok: true }, h.now + 1)), ['VI_1 FAULT->BACKUP (fault cleared)'])
  const o = single({ priority: 255 })
  o.step({ type: 'startup' }, 0)
  o.step({ type: 'trackChanged', kind: 'script', name: 'chk0', ok: false }, 1)
  t.same(moves(o.step({ type: 'trackChanged', kind: 'script', name: 'chk0', ok: true }, 2)), ['VI_1 FAULT->MASTER (fault cleared)'])
  t.end()
})

t.test('any -> INIT on shutdown', (t) => {
  // RFC 3768 6.4.2 / 6.4.3 Shutdown
  const h = single()
  h.step({ type: 'startup' }, 0)
  h.fire()
  t.same(moves(h.step({ type: 'shutdown' }, h.now + 1)), ['VI_1 MASTER->INIT (shutdown)'])
  t.end()
})

t.test('sync group: a member held back stays BACKUP without a transition, then the group moves as one', (t) => {
  // keepalived vrrp_sync.c vrrp_sync_can_goto_master / vrrp_sync_master
  const cfg = makeConfig(
    [makeInstance({ name: 'VI_1' }), makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, priority: 150, virtualIpAddresses: [vip('10.1.0.100', 'eth1')] })],
    { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'])] },
  )
  const h = new Harness(cfg, '10.0.0.1', ['eth0', 'eth1'])
  h.step({ type: 'startup' }, 0)
  t.same(moves(h.fire('VI_2')), [], 'VI_2 timed out first: held, no transition')
  t.same(moves(h.fire('VI_1')), ['VI_1 BACKUP->MASTER (master down timer expired)', 'VI_2 BACKUP->MASTER (sync group G1)'])
  t.end()
})
