// keepalived drops weighted tracking where it cannot apply: an address owner, a sync group member.
import t from 'tap'
import { DiagnosticSink } from '../../src/config/diagnostics.js'
import { dropInapplicableWeights } from '../../src/config/finalize-weights.js'
import type { TrackRef, VrrpInstance } from '../../src/config/model.js'

const at = { file: 'f', line: 3 }
const ref = (name: string, weight: number): TrackRef => ({ name, weight, reverse: false, at })
const inst = (priority: number, syncGroup?: string): VrrpInstance =>
  ({
    name: 'VI_1', priority, trackScripts: [ref('s0', 0), ref('s5', 5)], trackInterfaces: [ref('eth1', -10), ref('eth2', 0)],
    trackFiles: [ref('f1', 1), ref('f9', -9)], ...(syncGroup ? { syncGroup } : {}),
  }) as VrrpInstance

t.test('an address owner drops weighted tracking', async (t) => {
  const sink = new DiagnosticSink()
  const i = inst(255)
  dropInapplicableWeights(i, false, sink)
  t.same(i.trackScripts.map((r) => r.name), ['s0'])
  t.same(i.trackInterfaces.map((r) => [r.name, r.weight]), [['eth2', 0]])
  t.same(i.trackFiles.map((r) => [r.name, r.weight]), [['f1', 0]])
  t.same(sink.items.map((d) => d.message), [
    '(VI_1) ignoring eth1 tracked interface due to address owner',
    '(VI_1) ignoring tracked script s5 with weights due to address_owner',
    '(VI_1) ignoring weight from tracked file f1 due to address_owner. specify weight 0',
    '(VI_1) ignoring tracked file f9 with weight -9 due to address_owner',
  ])
  t.ok(sink.items.every((d) => d.severity === 'error'), 'config errors, as keepalived')
})

t.test('a sync group member: interfaces kept at weight 0, unless sync_group_tracking_weight', async (t) => {
  const sink = new DiagnosticSink()
  const i = inst(100, 'G')
  dropInapplicableWeights(i, false, sink)
  t.same(i.trackInterfaces.map((r) => [r.name, r.weight]), [['eth1', 0], ['eth2', 0]])
  t.same(i.trackScripts.map((r) => r.name), ['s0'])
  t.equal(sink.items[0]?.message, '(VI_1) ignoring eth1 tracked interface weight due to SYNC group')
  const kept = inst(100, 'G')
  dropInapplicableWeights(kept, true, new DiagnosticSink())
  t.same(kept.trackScripts.map((r) => r.name), ['s0', 's5'])
  const plain = inst(100)
  dropInapplicableWeights(plain, false, new DiagnosticSink())
  t.same(plain.trackFiles.map((r) => r.weight), [1, -9], 'other instances keep their weights')
})
