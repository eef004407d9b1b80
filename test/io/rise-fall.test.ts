import t from 'tap'
import { initialRiseFall, stepRiseFall, type RiseFallState } from '../../src/io/rise-fall.js'

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
