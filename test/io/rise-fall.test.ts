import t from 'tap'
import { carryRiseFall, initialRiseFall, stepRiseFall, type RiseFallState } from '../../src/io/rise-fall.js'

/** Feeds outcomes ('1' success, '0' failure) and returns the ok value after each, marking flips with '!'. */
function trace(start: RiseFallState, outcomes: string, rise: number, fall: number): string {
  let s = start
  let out = ''
  for (const c of outcomes) {
    const r = stepRiseFall(s, c === '1', rise, fall)
    s = r.state
    out += (s.ok ? 'U' : 'D') + (r.changed ? '!' : '')
  }
  return out
}

t.test('default rise 1 fall 1: every result counts', async (t) => {
  t.equal(trace(initialRiseFall(false, 1, 1), '1010', 1, 1), 'UD!U!D!')
})

t.test('fall 3 needs three consecutive failures; a success in between resets', async (t) => {
  // first run decides (keepalived's init state), so start with a success
  t.equal(trace(initialRiseFall(false, 1, 3), '1' + '00' + '1' + '000', 1, 3), 'U' + 'UU' + 'U' + 'UUD!')
})

t.test('rise 2 needs two consecutive successes; a failure resets', async (t) => {
  t.equal(trace(initialRiseFall(false, 2, 2), '0' + '1' + '0' + '11', 2, 2), 'D!' + 'D' + 'D' + 'DU!')
})

t.test('the first result decides at once, whatever rise and fall say', async (t) => {
  t.equal(trace(initialRiseFall(false, 5, 5), '0', 5, 5), 'D!', 'a first failure fails at once')
  t.equal(trace(initialRiseFall(false, 5, 5), '1', 5, 5), 'U', 'a first success confirms OK without a change')
})

t.test('init_fail starts FAILED and needs rise successes', async (t) => {
  const s = initialRiseFall(true, 3, 2)
  t.equal(s.ok, false)
  t.equal(trace(s, '111', 3, 2), 'DDU!')
  t.equal(trace(s, '0110111', 3, 2), 'DDDDDDU!')
})

t.test('a reload keeps the result, on the new rise/fall scale (keepalived clear_diff_script)', async (t) => {
  const failed: RiseFallState = { result: 0, ok: false, initial: false }
  t.same(carryRiseFall(failed, 2, 2, 3, 3), failed, 'failed at 0 stays at 0')
  // rise 3, one success towards recovery (result 1 of 0..4): rise 5 keeps "two short of OK".
  t.same(carryRiseFall({ result: 1, ok: false, initial: false }, 3, 2, 5, 2), { result: 3, ok: false, initial: false })
  t.same(carryRiseFall({ result: 1, ok: false, initial: false }, 3, 2, 1, 2), { result: 0, ok: false, initial: false }, 'never below 0')
  t.same(carryRiseFall({ result: 3, ok: true, initial: false }, 2, 2, 4, 4), { result: 7, ok: true, initial: false }, 'full stays full')
  // OK, one failure into fall 3 (result 3 of 0..4 with rise 2): rise 1 fall 5 keeps one step above rise.
  t.same(carryRiseFall({ result: 3, ok: true, initial: false }, 2, 3, 1, 5), { result: 2, ok: true, initial: false })
  t.same(carryRiseFall(initialRiseFall(false, 1, 1), 1, 1, 2, 2), { result: 3, ok: true, initial: true }, 'no result yet: the first one still decides')
  // The carried state then steps as usual: a failing script needs its rise to come back.
  t.equal(trace(carryRiseFall(failed, 1, 1, 2, 1), '011', 2, 1), 'DDU!')
  t.equal(trace(carryRiseFall(initialRiseFall(true, 1, 1), 1, 1, 1, 1), '01', 1, 1), 'DU!', 'init_fail without a result yet counts as failed')
})
