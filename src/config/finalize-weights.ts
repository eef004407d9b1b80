/**
 * keepalived's rule on weights that cannot apply (vrrp.c vrrp_complete_instance):
 * an address owner (priority 255) never changes priority, and a sync group member
 * follows its group unless the group has `sync_group_tracking_weight`. So for
 * those instances weighted tracking is dropped, with keepalived's words (each a
 * config error, -t exits 5):
 * - track_script with a weight: removed;
 * - track_interface with a weight: removed for an owner, weight 0 in a sync group;
 * - track_file with the default weight 1: weight 0; another weight: removed.
 */
import { DEFAULTS, type TrackRef, type VrrpInstance } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'

export function dropInapplicableWeights(inst: VrrpInstance, groupTracksWeight: boolean, sink: DiagnosticSink): void {
  const inSync = inst.syncGroup !== undefined && !groupTracksWeight
  if (!inSync && inst.priority !== DEFAULTS.ownerPriority) return
  const why = inSync ? 'SYNC group' : 'address_owner'
  inst.trackInterfaces = inst.trackInterfaces.flatMap((r): TrackRef[] => {
    if (r.weight === 0) return [r]
    sink.error(r.at, `(${inst.name}) ignoring ${r.name} tracked interface ${inSync ? 'weight ' : ''}due to ${inSync ? 'SYNC group' : 'address owner'}`)
    return inSync ? [{ ...r, weight: 0 }] : []
  })
  inst.trackScripts = inst.trackScripts.filter((r) => {
    if (r.weight === 0) return true
    sink.error(r.at, `(${inst.name}) ignoring tracked script ${r.name} with weights due to ${why}`)
    return false
  })
  inst.trackFiles = inst.trackFiles.flatMap((r): TrackRef[] => {
    if (r.weight === 0) return [r]
    if (r.weight === 1) {
      sink.error(r.at, `(${inst.name}) ignoring weight from tracked file ${r.name} due to ${why}. specify weight 0`)
      return [{ ...r, weight: 0 }]
    }
    sink.error(r.at, `(${inst.name}) ignoring tracked file ${r.name} with weight ${r.weight} due to ${why}`)
    return []
  })
}
