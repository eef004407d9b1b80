import t from 'tap'
import { earliest, masterDownIntervalMs, skewTimeMs } from '../../src/core/timers.js'

t.test('v2 Skew_Time is (256 - Priority) / 256 seconds', (t) => {
  // RFC 3768 6.1
  t.equal(skewTimeMs(2, 100, 1000), 609.375)
  t.equal(skewTimeMs(2, 255, 1000), 1000 / 256)
  t.equal(skewTimeMs(2, 100, 3000), 609.375, 'v2 skew does not depend on the interval')
  t.end()
})

t.test('v3 Skew_Time is ((256 - Priority) x Master_Adver_Interval) / 256', (t) => {
  // RFC 9568 6.1
  t.equal(skewTimeMs(3, 100, 1000), 609.375)
  t.equal(skewTimeMs(3, 100, 10), 6.09375)
  t.not(skewTimeMs(3, 100, 3000), skewTimeMs(3, 100, 1000), 'v3 skew scales with the interval')
  t.end()
})

t.test('Master_Down_Interval is 3 x Master_Adver_Interval + Skew_Time', (t) => {
  // RFC 3768 6.1 / RFC 9568 6.1
  t.equal(masterDownIntervalMs(2, 100, 1000), 3609.375)
  t.equal(masterDownIntervalMs(3, 200, 10), 30 + (56 * 10) / 256)
  t.ok(masterDownIntervalMs(2, 200, 1000) < masterDownIntervalMs(2, 100, 1000), 'higher priority waits less')
  t.end()
})

t.test('earliest picks the first defined deadline (keepalived sands)', (t) => {
  // RFC 3768 6.2 Timers
  t.equal(earliest(undefined, 5, 3, undefined), 3)
  t.equal(earliest(undefined, undefined), undefined)
  t.end()
})
