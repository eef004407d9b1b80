import t from 'tap'
import { StatsBaseline } from '../../src/daemon/stats-baseline.js'
import type { InstanceView } from '../../src/core/index.js'

const view = (advertSent: number, dropped: Record<string, number> = {}): InstanceView =>
  ({ name: 'VI_1', stats: { advertRcvd: 0, advertSent, becomeMaster: 1, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, dropped } }) as unknown as InstanceView

t.test("SIGSTATS_CLEAR: counters restart from 0, as keepalived's memset", (t) => {
  const b = new StatsBaseline()
  t.same(b.apply([view(10)])[0]!.stats.advertSent, 10, 'nothing cleared yet: unchanged')
  b.clear(b.apply([view(10, { ttl: 3 })]))
  const after = b.apply([view(14, { ttl: 3, length: 1 })])[0]!.stats
  t.equal(after.advertSent, 4, 'counted since the clear')
  t.equal(after.becomeMaster, 0)
  t.same(after.dropped, { length: 1 }, 'drop reasons too')
  b.clear(b.apply([view(14, { ttl: 3, length: 1 })]))
  t.equal(b.apply([view(20)])[0]!.stats.advertSent, 6, 'a second clear adds up')
  t.equal(b.apply([{ ...view(5), name: 'VI_2' } as InstanceView])[0]!.stats.advertSent, 5, 'other instances untouched')
  t.end()
})
