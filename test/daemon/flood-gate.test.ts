// The flood gate: first line of a kind at once, then one summary per kind and
// window; bounded kinds, bounded lines, sources counted in bounded memory.
import t from 'tap'
import { groupThousands, FloodGate, SourceCounter, renderSummary, type FloodKind } from '../../src/daemon/flood-gate.js'
import { coreLineKind, CoreLineKindCache, dropKind, DropKindCache } from '../../src/daemon/flood-kinds.js'

const kind = (vrid: number): FloodKind => ({ key: `vrid:eth0:${vrid}`, what: `adverts for VRID ${vrid} on eth0`, why: 'no instance for this VRID' })
const source = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

t.test('the first packet of a kind is logged, the rest are summed up at the end of the window', async (t) => {
  const gate = new FloodGate({ windowMs: 10_000 })
  const logged = Array.from({ length: 200 }, (_, i) => gate.admit(kind(52), source(i))).filter(Boolean).length
  t.equal(logged, 1, 'one line for 200 packets')
  const [s, ...rest] = gate.endWindow()
  t.same(rest, [])
  t.match(s, { count: 199, sources: 199, estimated: false })
  t.equal(renderSummary(s!, 10_000), 'dropped 199 adverts for VRID 52 on eth0 in the last 10 s from 199 sources: no instance for this VRID')
  t.notOk(gate.admit(kind(52), source(1)), 'a kind still flooding in the next window is not "first" again')
  gate.endWindow()
  t.same(gate.endWindow(), [], 'a quiet window says nothing')
  t.ok(gate.admit(kind(52), source(1)), 'after a quiet window the next packet is news again')
})

t.test('lines per window are bounded across kinds, and so are the kinds tracked', async (t) => {
  const gate = new FloodGate({ windowMs: 10_000, maxKinds: 64, firstLines: 5, summaryLines: 5 })
  let logged = 0
  for (let i = 0; i < 100_000; i++) if (gate.admit(kind(i % 256), source(i))) logged++
  t.equal(logged, 5, 'at most 5 immediate lines in a window')
  t.ok(gate.trackedKinds <= 64 + 5 + 1, `kinds tracked stay bounded (${gate.trackedKinds})`)
  const summaries = gate.endWindow()
  t.equal(summaries.length, 6, '5 summaries and one for the rest')
  t.equal(summaries.reduce((n, s) => n + s.count, 0) + logged, 100_000, 'every packet is in a line or a summary')
  t.match(renderSummary(summaries[5]!, 10_000), /^dropped [\d,]+ adverts of \d+ other kinds in the last 10 s/)
})

t.test('distinct sources: exact when few, estimated within 5 % when many, in bounded memory', async (t) => {
  const few = new SourceCounter()
  for (let i = 0; i < 1000; i++) few.add(source(i % 100))
  t.same(few.count, { n: 100, estimated: false })
  const many = new SourceCounter()
  for (let i = 0; i < 65_000; i++) many.add(source(i))
  const { n, estimated } = many.count
  t.ok(estimated)
  t.ok(Math.abs(n - 65_000) < 65_000 * 0.05, `65,000 sources estimated as ${n}`)
  const s = renderSummary({ kind: kind(52), count: 923_483, sources: n, estimated }, 10_000)
  t.match(s, /^dropped 923,483 adverts for VRID 52 on eth0 in the last 10 s from about 6\d,000 sources/)
})

t.test('kinds never include the source address', async (t) => {
  const a = coreLineKind('VI_1', 'CONFIG MISMATCH: advert from 10.1.2.3 has a different auth_pass - split brain likely')
  const b = coreLineKind('VI_1', 'CONFIG MISMATCH: advert from 192.168.9.9 has a different auth_pass - split brain likely')
  t.equal(a.key, b.key)
  t.equal(coreLineKind('VI_1', 'advert from fe80::1 is odd').key, coreLineKind('VI_1', 'advert from fe80::2:3 is odd').key)
  const drop = (src: string) => dropKind({ ok: false, reason: 'vrid', detail: 'x' }, { interface: 'eth0', payload: Buffer.from([0x21, 52, 0, 0]) }).key + src
  t.equal(drop(''), 'vrid:eth0:52')
  t.equal(dropKind({ ok: false, reason: 'ttl', instance: 'VI_1' }, { interface: 'eth0', payload: Buffer.alloc(20) }).key, 'ttl:VI_1')
})

t.test('DropKindCache: the same kinds as dropKind, made once per reason, place and VRID', async (t) => {
  const cache = new DropKindCache()
  const vrid = (v: number) => ({ interface: 'eth0', payload: Buffer.from([0x21, v, 0, 0]) })
  const cases = [
    [{ ok: false, reason: 'vrid', detail: 'x' }, vrid(52)],
    [{ ok: false, reason: 'vrid', detail: 'y' }, vrid(53)],
    [{ ok: false, reason: 'ttl', instance: 'VI_1' }, vrid(51)],
    [{ ok: false, reason: 'length' }, { interface: 'eth1', payload: Buffer.alloc(1) }],
  ] as const
  for (const [outcome, packet] of cases) {
    const kind = cache.kindOf(outcome, packet)
    t.same(kind, dropKind(outcome, packet), kind.key)
    t.equal(cache.kindOf(outcome, packet), kind, `${kind.key}: the same object the second time`)
  }
  t.not(cache.kindOf(cases[0][0], vrid(52)), cache.kindOf(cases[0][0], vrid(53)), 'one kind per VRID')
  const before = cache.kindOf(cases[2][0], cases[2][1])
  cache.clear()
  t.not(cache.kindOf(cases[2][0], cases[2][1]), before, 'a reload starts afresh')
})

t.test('CoreLineKindCache: the kind coreLineKind gives, made once per message, bounded', async (t) => {
  const cache = new CoreLineKindCache()
  const line = '(VI_1) received an invalid passwd!'
  const kind = cache.kindOf('VI_1', line)
  t.same(kind, coreLineKind('VI_1', line))
  t.equal(cache.kindOf('VI_1', `(VI_1) received an invalid ${'passwd!'}`), kind, 'the same object for the same text')
  t.not(cache.kindOf('VI_2', line), kind, 'per instance')
  t.same(cache.kindOf(undefined, 'a line'), coreLineKind(undefined, 'a line'))
  const spoofed = (i: number) => `(VI_1) CONFIG MISMATCH: advert from 172.16.${i >> 8}.${i & 255} has a different auth_pass - split brain likely`
  for (let i = 0; i < 1000; i++) t.equal(cache.kindOf('VI_1', spoofed(i)).key, coreLineKind('VI_1', spoofed(0)).key)
  t.ok(cache.kindOf('VI_1', line) !== undefined, 'still answers after starting over')
})

t.test('groupThousands: the digits in groups of three, as en-US writes them (without Intl)', async (t) => {
  for (const n of [0, 7, 999, 1000, 12345, 923483, 1000000, 65000, 123456789012, -4321]) t.equal(groupThousands(n), n.toLocaleString('en-US'), String(n))
})
