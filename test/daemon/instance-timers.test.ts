// One deadline per instance behind a single clock timer: replacing, cancelling,
// order of firing, and how many clock timers it keeps.
import t from 'tap'
import { InstanceTimers } from '../../src/daemon/instance-timers.js'
import type { Clock, TimerHandle } from '../../src/io/ports.js'

/** A manual clock that counts the timers set on it. */
function manualClock() {
  let now = 0
  let next = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: Clock = {
    now: () => now,
    setTimer: (at, fn): TimerHandle => {
      timers.set(next, { at, fn })
      return { id: next++ }
    },
    clearTimer: (h) => void timers.delete(h.id as number),
  }
  return {
    clock,
    pending: () => timers.size,
    get set() {
      return next
    },
    /** Runs the timers due up to now + ms, earliest first, like the event loop. */
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined
        for (const e of timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].fn()
      }
      now = end
    },
  }
}

function setup() {
  const m = manualClock()
  const fired: Array<[string, number]> = []
  const timers = new InstanceTimers(m.clock, (name) => fired.push([name, m.clock.now()]))
  return { m, fired, timers }
}

t.test('deadlines fire at their time, earliest first, ties in arming order', async (t) => {
  const { m, fired, timers } = setup()
  timers.arm('c', 300)
  timers.arm('a', 100)
  timers.arm('b', 100)
  m.advance(99)
  t.same(fired, [], 'nothing before its deadline')
  m.advance(1000)
  t.same(fired, [['a', 100], ['b', 100], ['c', 300]])
  t.equal(timers.size, 0)
  t.equal(m.pending(), 0, 'no clock timer left once nothing is armed')
})

t.test('arming again replaces the deadline; cancel drops it', async (t) => {
  const { m, fired, timers } = setup()
  timers.arm('a', 100)
  timers.arm('a', 250) // a backup's master-down timer pushed back by an advert
  timers.arm('b', 200)
  timers.cancel('b')
  m.advance(1000)
  t.same(fired, [['a', 250]], 'a fires once, at its last deadline; b not at all')
})

t.test('one clock timer for many instances', async (t) => {
  const { m, fired, timers } = setup()
  for (let i = 0; i < 1000; i++) timers.arm(`VI_${i}`, 1000 + i)
  t.equal(m.pending(), 1, 'a single clock timer, on the earliest deadline')
  // Every instance re-armed later (adverts received): the clock timer moves only when the earliest does.
  const setBefore = m.set
  for (let i = 0; i < 1000; i++) timers.arm(`VI_${i}`, 3000 + i)
  t.equal(m.set - setBefore, 0, 'deadlines moved later keep the clock timer where it is')
  m.advance(1000)
  t.same(fired, [], 'the early clock timer fires nothing due')
  t.equal(m.pending(), 1, 'and moves on to the earliest deadline')
  m.advance(4000)
  t.equal(fired.length, 1000)
  t.same(fired[0], ['VI_0', 3000])
  t.same(fired[999], ['VI_999', 3999])
  t.ok(fired.every(([, at], i) => i === 0 || at >= fired[i - 1]![1]), 'in deadline order')
})

t.test('a deadline armed while firing waits for the next round, even when already due', async (t) => {
  const m = manualClock()
  const fired: Array<[string, number]> = []
  let timers!: InstanceTimers
  timers = new InstanceTimers(m.clock, (name) => {
    fired.push([name, m.clock.now()])
    // Due at once: it must go to a new clock timer, not run again inside this round.
    if (name === 'a' && fired.length === 1) timers.arm('a', m.clock.now())
  })
  timers.arm('a', 10)
  const setBefore = m.set
  m.advance(10)
  t.same(fired, [['a', 10], ['a', 10]], 'it fires again, in a later round')
  t.equal(m.set - setBefore, 1, 'through a new clock timer')
})

t.test('stale entries are compacted: the heap does not grow with re-arms', async (t) => {
  const { m, fired, timers } = setup()
  for (let round = 0; round < 100; round++) for (let i = 0; i < 10; i++) timers.arm(`VI_${i}`, 10_000 + round)
  m.advance(20_000)
  t.equal(fired.length, 10, 'each instance fires once, at its last deadline')
  t.ok(fired.every(([, at]) => at === 10_099))
})

t.test('cancelAll stops everything; a deadline must be a finite number', async (t) => {
  const { m, fired, timers } = setup()
  timers.arm('a', 10)
  timers.arm('b', 20)
  timers.cancelAll()
  m.advance(100)
  t.same(fired, [])
  t.equal(m.pending(), 0)
  t.throws(() => timers.arm('a', Number.NaN), TypeError)
})
