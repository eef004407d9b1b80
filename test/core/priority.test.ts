import t from 'tap'
import { effectivePriority, groupTrackFails, trackEffect } from '../../src/core/priority.js'
import type { TrackBinding } from '../../src/core/state.js'
import { track } from '../helpers/sim-config.js'

const script = (weight: number, reverse = false): TrackBinding => ({ kind: 'script', ref: track('chk', weight, reverse) })
const file = (weight: number, reverse = false): TrackBinding => ({ kind: 'file', ref: track('f', weight, reverse) })
const OK = { ok: true, value: 0 }
const FAILED = { ok: false, value: 0 }

t.test('positive weight is added while OK, not while failed', (t) => {
  // keepalived.conf(5) track_script weight (track weights are not in the RFC)
  // keepalived.conf(5) track_script (effective priority)
  t.same(trackEffect(script(10), OK), { delta: 10, fault: false })
  t.same(trackEffect(script(10), FAILED), { delta: 0, fault: false })
  t.end()
})

t.test('negative weight is added while failed, not while OK', (t) => {
  // keepalived.conf(5) track_script weight (track weights are not in the RFC)
  t.same(trackEffect(script(-20), FAILED), { delta: -20, fault: false })
  t.same(trackEffect(script(-20), OK), { delta: 0, fault: false })
  t.end()
})

t.test('reverse flips the adjustment', (t) => {
  // keepalived.conf(5) weight ... reverse
  t.same(trackEffect(script(10, true), OK), { delta: -10, fault: false }, 'decreased while up')
  t.same(trackEffect(script(-20, true), FAILED), { delta: 20, fault: false }, 'increased while down')
  t.same(trackEffect(script(0, true), OK), { delta: 0, fault: true }, 'weight 0 reverse: FAULT while up')
  t.same(trackEffect(script(0, true), FAILED), { delta: 0, fault: false })
  t.end()
})

t.test('weight 0 failing is FAULT; OK is not', (t) => {
  // keepalived vrrp_track.c: weight 0 -> FAULT
  t.same(trackEffect(script(0), FAILED), { delta: 0, fault: true })
  t.same(trackEffect(script(0), OK), { delta: 0, fault: false })
  t.end()
})

t.test('track_file: value x weight; weight 0 -> non-zero is FAULT; below -253 is FAULT', (t) => {
  // keepalived.conf(5) track_file
  t.same(trackEffect(file(2), { ok: true, value: 5 }), { delta: 10, fault: false })
  t.same(trackEffect(file(2, true), { ok: true, value: 5 }), { delta: -10, fault: false })
  t.same(trackEffect(file(0), { ok: true, value: 3 }), { delta: 0, fault: true })
  t.same(trackEffect(file(0), { ok: true, value: 0 }), { delta: 0, fault: false })
  t.same(trackEffect(file(1), { ok: true, value: -254 }), { delta: 0, fault: true })
  t.same(trackEffect(file(1), { ok: true, value: -253 }), { delta: -253, fault: false })
  t.end()
})

t.test('effective priority is clamped to 1..254 and 255 is never adjusted', (t) => {
  // RFC 3768 5.3.4: 255 is reserved for the owner, 1..254 for backups
  const values = new Map([['script:chk', OK]])
  t.equal(effectivePriority(250, [script(50)], values).priority, 254)
  t.equal(effectivePriority(10, [script(-50)], new Map([['script:chk', FAILED]])).priority, 1)
  t.equal(effectivePriority(255, [script(-50)], new Map([['script:chk', FAILED]])).priority, 255)
  t.equal(effectivePriority(100, [script(10)], values).priority, 110)
  t.same(effectivePriority(255, [script(0)], new Map([['script:chk', FAILED]])), { priority: 255, fault: true, faultBy: 'script chk' })
  t.end()
})

t.test('group tracks fail whatever their weight', (t) => {
  // keepalived vrrp_sync.c: a sync group's own tracks are FAULT whatever the weight
  t.ok(groupTrackFails(script(-20), FAILED))
  t.notOk(groupTrackFails(script(-20), OK))
  t.ok(groupTrackFails(script(0, true), OK))
  t.ok(groupTrackFails(file(5), { ok: true, value: 1 }))
  t.notOk(groupTrackFails(file(5), { ok: true, value: 0 }))
  t.end()
})
