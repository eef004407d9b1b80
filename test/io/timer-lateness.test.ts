import t from 'tap'
import { createTimerLateness } from '../../src/io/timer-lateness.js'

t.test('percentiles and max of the recorded lateness, in ms', async (t) => {
  const l = createTimerLateness()
  t.same(l.read(), { p50: 0, p99: 0, max: 0, samples: 0 }, 'nothing measured yet')
  for (let i = 0; i < 98; i++) l.record(1000 * i, 1000 * i + 0.5)
  l.record(0, 20)
  l.record(0, 250)
  const d = l.read()
  t.equal(d.samples, 100)
  t.ok(d.p50 >= 0.49 && d.p50 <= 0.51, `p50 ${d.p50} ~ 0.5 ms`)
  t.ok(d.p99 >= 19.8 && d.p99 <= 20.2, `p99 ${d.p99} ~ 20 ms`)
  t.ok(d.max >= 247.5 && d.max <= 252.5, `max ${d.max} ~ 250 ms (the histogram keeps 3 significant digits)`)
})

t.test('a timer on time counts as (at most) 1 µs late', async (t) => {
  const l = createTimerLateness()
  l.record(5, 5)
  t.ok(l.read().max <= 0.001)
})
