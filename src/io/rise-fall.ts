/**
 * keepalived's rise/fall counter for one vrrp_script, pure.
 *
 * `result` runs from 0 to rise + fall - 1; the script is OK while
 * `result >= rise`. Becoming OK takes `rise` consecutive successes (a failure
 * drops the count to 0); becoming FAILED takes `fall` consecutive failures (a
 * success refills the count). Until the first result the script is "initial":
 * that first result decides at once, whatever rise and fall say (keepalived:
 * "one success is enough"), so a broken check does not hide behind `fall` at
 * boot. With `init_fail` the script starts FAILED and needs `rise` successes.
 */

export interface RiseFallState {
  result: number
  ok: boolean
  /** No result yet (keepalived's SCRIPT_INIT_STATE_INIT). */
  initial: boolean
}

/** The state before the first run. */
export function initialRiseFall(initFail: boolean, rise: number, fall: number): RiseFallState {
  return initFail ? { result: 0, ok: false, initial: false } : { result: rise + fall - 1, ok: true, initial: true }
}

/** Feeds one run's outcome; `changed` says whether OK/FAILED flipped. */
export function stepRiseFall(
  s: RiseFallState,
  success: boolean,
  rise: number,
  fall: number,
): { state: RiseFallState; changed: boolean } {
  const full = rise + fall - 1
  if (s.initial) {
    const state = { result: success ? full : 0, ok: success, initial: false }
    return { state, changed: state.ok !== s.ok }
  }
  if (success) {
    if (s.result < rise - 1) return { state: { ...s, result: s.result + 1 }, changed: false }
    return { state: { result: full, ok: true, initial: false }, changed: !s.ok }
  }
  if (s.result > rise) return { state: { ...s, result: s.result - 1 }, changed: false }
  return { state: { result: 0, ok: false, initial: false }, changed: s.ok }
}

/**
 * A script kept across a reload (matched by name) keeps its result, moved onto
 * the new rise/fall scale as keepalived's clear_diff_script does: a failing
 * script stays failing with the same distance below `rise` (0 stays 0), an OK
 * one stays OK with the same distance above it (full stays full). A script
 * that had no result yet stays without one.
 */
export function carryRiseFall(old: RiseFallState, oldRise: number, oldFall: number, rise: number, fall: number): RiseFallState {
  const full = rise + fall - 1
  if (old.initial) return { result: full, ok: true, initial: true }
  if (!old.ok) return { result: old.result === 0 ? 0 : Math.max(0, rise - (oldRise - old.result)), ok: false, initial: false }
  const result = old.result === oldRise + oldFall - 1 ? full : Math.min(full, rise + (old.result - oldRise))
  return { result, ok: true, initial: false }
}
