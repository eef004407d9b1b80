/**
 * The pure VRRP core: `createRouter`, `stepRouter`, `reloadRouter`,
 * `describeRouter`. No sockets, clock, processes or randomness.
 */
export { createRouter, stepRouter } from './router.js'
export { reloadRouter } from './reload.js'
export { describeRouter } from './describe.js'
export type { RouterView, InstanceView, TrackView } from './describe.js'
export type { RouterState, RouterOptions, InstanceState, GroupState } from './state.js'
export { skewTimeMs, masterDownIntervalMs } from './timers.js'
export { effectivePriority, trackEffect, OWNER_PRIORITY } from './priority.js'
export { compareAddresses, authDataEqual } from './address.js'
export type * from './types.js'
