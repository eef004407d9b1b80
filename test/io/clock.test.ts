import t, { type Test } from 'tap'
import { createSystemClock, MAX_TIMEOUT_MS } from '../../src/io/clock.js'

t.test('now() is monotonic milliseconds', async (t) => {
  const clock = createSystemClock()
  const a = clock.now()
  await new Promise((r) => setTimeout(r, 15))
  const b = clock.now()
  t.ok(b - a >= 14, `advanced ${b - a} ms over a 15 ms sleep`)
  t.ok(b - a < 5000)
})

t.test('a timer fires once, never before its deadline', async (t) => {
  const clock = createSystemClock()
  for (const delay of [0, 1, 7, 30]) {
    const at = clock.now() + delay
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(at, () => resolve(clock.now())))
    t.ok(firedAt >= at, `deadline +${delay} ms: fired ${(firedAt - at).toFixed(3)} ms after it`)
  }
})

t.test('a deadline in the past fires soon', async (t) => {
  const clock = createSystemClock()
  const fired = await new Promise<boolean>((resolve) => clock.setTimer(clock.now() - 1000, () => resolve(true)))
  t.equal(fired, true)
})

t.test('a cleared timer does not fire', async (t) => {
  const clock = createSystemClock()
  let fired = 0
  const h = clock.setTimer(clock.now() + 5, () => fired++)
  clock.clearTimer(h)
  clock.clearTimer(h)
  await new Promise((r) => setTimeout(r, 30))
  t.equal(fired, 0)
})

/** Replaces setTimeout for one test; returns the delays asked for and the pending callbacks. */
function stubSetTimeout(t: Test) {
  const real = globalThis.setTimeout
  t.teardown(() => void (globalThis.setTimeout = real))
  const armed: number[] = []
  const pending: (() => void)[] = []
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    armed.push(ms)
    pending.push(fn)
    return { ref() {}, unref() {} } as unknown as NodeJS.Timeout
  }) as typeof setTimeout
  return { armed, pending }
}

t.test('a timeout that wakes early (libuv rounds to whole ms) is re-armed, not run', async (t) => {
  let now = 0
  const clock = createSystemClock(() => now)
  const { armed, pending } = stubSetTimeout(t)
  let fired = false
  clock.setTimer(10, () => (fired = true))
  t.same(armed, [10])
  now = 9.4
  pending.shift()!()
  t.equal(fired, false, 'not at 9.4 ms')
  t.same(armed, [10, 1], 're-armed for the remainder, rounded up')
  now = 10.2
  pending.shift()!()
  t.equal(fired, true)
})

t.test('delays past setTimeout\'s 24.8 days are chained, not fired at once', async (t) => {
  let now = 0
  const clock = createSystemClock(() => now)
  const { armed, pending } = stubSetTimeout(t)
  let fired = false
  clock.setTimer(MAX_TIMEOUT_MS * 2 + 10, () => (fired = true))
  t.same(armed, [MAX_TIMEOUT_MS])
  now = MAX_TIMEOUT_MS
  pending.shift()!()
  t.equal(fired, false)
  t.same(armed, [MAX_TIMEOUT_MS, MAX_TIMEOUT_MS])
  now = MAX_TIMEOUT_MS * 2
  pending.shift()!()
  t.same(armed, [MAX_TIMEOUT_MS, MAX_TIMEOUT_MS, 10])
  now = MAX_TIMEOUT_MS * 2 + 10
  pending.shift()!()
  t.equal(fired, true)
})

t.test('a non-finite deadline is a programming error', async (t) => {
  t.throws(() => createSystemClock().setTimer(Number.NaN, () => {}), TypeError)
})

t.test('each timer reports how late it fired: after its deadline, or after arming when already due', async (t) => {
  let now = 0
  const late: [number, number][] = []
  const clock = createSystemClock(() => now, { lateness: { record: (due, fired) => late.push([due, fired]) } })
  const { pending } = stubSetTimeout(t)
  clock.setTimer(10, () => undefined)
  now = 9.4
  pending.shift()!()
  t.same(late, [], 'an early wake is not a sample')
  now = 12.5
  pending.shift()!()
  t.same(late, [[10, 12.5]])
  now = 20
  clock.setTimer(15, () => undefined)
  now = 21
  pending.shift()!()
  t.same(late[1], [20, 21], 'due when armed: measured from arming')
  const cancelled = clock.setTimer(30, () => undefined)
  clock.clearTimer(cancelled)
  now = 40
  pending.shift()!()
  t.equal(late.length, 2, 'a cancelled timer is not a sample')
})
