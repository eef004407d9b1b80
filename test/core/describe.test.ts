import t from 'tap'
import { Harness } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeInstance, makeScript, track } from '../helpers/sim-config.js'
import { describeRouter } from '../../src/core/index.js'

t.test('describeRouter is a JSON view with state, priorities, master, tracks and stats', (t) => {
  // RFC 3768 6.1 (per-router parameters, exposed); keepalived SIGUSR1/SIGUSR2 data
  const h = new Harness(makeConfig([makeInstance({ trackScripts: [track('chk', -20)] })], { scripts: [makeScript('chk')] }))
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(makeInstance(), { priority: 150 }) }, 10)
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.2', advert: advertFrom(makeInstance(), { virtualRouterId: 99 }) }, 10)
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.3', advert: advertFrom(makeInstance(), { adverIntervalMs: 3000 }) }, 11)
  h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, 12)
  const view = describeRouter(h.router)
  t.same(JSON.parse(JSON.stringify(view)), view, 'plain JSON')
  const v = view.instances[0]!
  t.match(v, {
    name: 'VI_1',
    state: 'BACKUP',
    effectivePriority: 80,
    basePriority: 100,
    masterAddress: '10.0.0.2',
    masterAdverIntervalMs: 1000,
    vips: ['10.0.0.100/32 dev eth0'],
    tracks: [{ kind: 'script', name: 'chk', ok: false, delta: -20, fault: false }],
    stats: { advertRcvd: 1, dropped: { interval: 1 }, configMismatch: 1 },
  })
  t.same(v.configMismatches.map((m) => [m.source, m.reason]), [['10.0.0.3', 'interval']])
  t.same(view.dropped, { vrid: 1 })
  v.stats.advertRcvd = 99
  t.equal(h.inst().stats.advertRcvd, 1, 'no references into the router')
  t.end()
})
