import t from 'tap'
import { Harness, messages } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeInstance } from '../helpers/sim-config.js'
import type { Advert } from '../../src/protocol/types.js'
import { MAX_MISMATCH_SOURCES, MISMATCH_FORGET_MS } from '../../src/core/mismatch.js'

function setup() {
  const h = new Harness(makeConfig([makeInstance({ authentication: { type: 'PASS', password: 'secret' } })]))
  h.step({ type: 'startup' }, 0)
  return h
}
function rx(h: Harness, advert: Partial<Advert>, source = '10.0.0.2') {
  return h.step({ type: 'advertReceived', interface: 'eth0', source, advert: { ...advertFrom(h.inst().config), ...advert } }, h.now + 1000)
}
const errors = (actions: ReturnType<typeof rx>) => messages(actions, 'error')

t.test('a mismatched advert is dropped and reported loudly once per source and reason', (t) => {
  // RFC 3768 7.1 (drop) + vrrpd: keepalived's silent split brain made loud
  const h = setup()
  const first = rx(h, { adverIntervalMs: 2000 }, '10.0.0.5')
  t.same(errors(first), ['(VI_1) CONFIG MISMATCH: advert from 10.0.0.5 has interval 2000 ms, ours 1000 ms - split brain likely'])
  t.same(errors(rx(h, { adverIntervalMs: 2000 }, '10.0.0.5')), [], 'the same mismatch again: silent (debug only)')
  t.equal(h.inst().stats.dropped.interval, 2, 'but still counted')
  t.same(errors(rx(h, { adverIntervalMs: 3000 }, '10.0.0.5')).length, 1, 'a changed detail is reported')
  t.same(errors(rx(h, { adverIntervalMs: 3000 }, '10.0.0.3')).length, 1, 'another source is reported')
  t.same(errors(rx(h, { authData: Buffer.from('nope\0\0\0\0') }, '10.0.0.3')).length, 1, 'another reason is reported')
  t.equal(h.inst().stats.configMismatch, 4)
  t.end()
})

t.test('a clean advert from the source re-arms the report', (t) => {
  // RFC 3768 7.1 (SHOULD log the event), vrrpd rate limit
  const h = setup()
  rx(h, { ipAddresses: ['10.9.9.9'] })
  rx(h, {})
  t.same(errors(rx(h, { ipAddresses: ['10.9.9.9'] })).length, 1)
  t.end()
})

t.test('non-config drops are not reported as mismatches', (t) => {
  // RFC 3768 7.1
  const h = setup()
  const actions = rx(h, {}, '10.0.0.1')
  t.same(errors(actions), [])
  t.equal(h.inst().stats.configMismatch, 0)
  t.end()
})

t.test('the remembered sources are bounded', (t) => {
  // RFC 3768 7.1 (logging must not let spoofed sources grow memory)
  const h = setup()
  for (let i = 0; i < MAX_MISMATCH_SOURCES + 10; i++) rx(h, { adverIntervalMs: 2000 }, `10.1.${i >> 8}.${i & 255}`)
  t.equal(h.inst().mismatches.size, MAX_MISMATCH_SOURCES)
  t.end()
})

t.test('a flood of spoofed mismatching sources does not churn the table; a quiet source makes room', (t) => {
  // issue 12: one entry replaced per packet was the garbage V8 promoted under a 1M-packet flood
  const h = setup()
  const at = (i: number) => `10.2.${i >> 8}.${i & 255}`
  const flood = (from: number, n: number, step: number) => {
    let reported = 0
    for (let i = from; i < from + n; i++) {
      reported += errors(h.step({ type: 'advertReceived', interface: 'eth0', source: at(i), advert: { ...advertFrom(h.inst().config), adverIntervalMs: 2000 } }, h.now + step)).length
    }
    return reported
  }
  flood(0, MAX_MISMATCH_SOURCES, 1)
  const kept = [...h.inst().mismatches.keys()]
  t.equal(flood(1000, 500, 1), 500, 'every new source is still reported (the daemon gates the lines)')
  t.same([...h.inst().mismatches.keys()], kept, 'the remembered sources stay')
  t.equal(h.inst().stats.configMismatch, MAX_MISMATCH_SOURCES + 500)
  h.step({ type: 'advertReceived', interface: 'eth0', source: '10.0.0.9', advert: { ...advertFrom(h.inst().config), adverIntervalMs: 2000 } }, h.now + MISMATCH_FORGET_MS)
  t.ok(h.inst().mismatches.has('10.0.0.9'), 'after a quiet minute the oldest makes room')
  t.notOk(h.inst().mismatches.has(kept[0]!))
  t.equal(h.inst().mismatches.size, MAX_MISMATCH_SOURCES)
  t.end()
})
