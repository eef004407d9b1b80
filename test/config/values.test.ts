import t from 'tap'
import { applyKeywords, flagArg, intArg, isDecimal, restOfLine, secondsArg, type KeywordTable } from '../../src/config/values.js'
import { DiagnosticSink } from '../../src/config/diagnostics.js'
import { buildTree, type Node } from '../../src/config/tree.js'

const parse = (line: string): { node: Node; ctx: { sink: DiagnosticSink; interfaceExists: () => boolean } } => {
  const sink = new DiagnosticSink()
  const [node] = buildTree([{ text: line, at: { file: 'f', line: 7 } }], sink)
  return { node: node as Node, ctx: { sink, interfaceExists: () => true } }
}
const msgs = (ctx: { sink: DiagnosticSink }): string[] => ctx.sink.items.map((x) => `${x.line}: ${x.severity}: ${x.message}`)

t.test('flagArg: bare = true, on|off|true|false|yes|no, case-sensitive', async (t) => {
  for (const [line, want] of [['f', true], ['f on', true], ['f yes', true], ['f true', true], ['f off', false], ['f no', false], ['f false', false]] as const) {
    const { node, ctx } = parse(line)
    t.equal(flagArg(node, ctx), want, line)
  }
  const { node, ctx } = parse('f On')
  flagArg(node, ctx)
  t.same(msgs(ctx), ["7: error: invalid f value 'On': expected on|off|true|false|yes|no"])
})

t.test('intArg and secondsArg check ranges and report the bad text', async (t) => {
  let p = parse('priority 0')
  t.equal(intArg(p.node, p.ctx, 1, 255), undefined)
  t.same(msgs(p.ctx), ["7: error: invalid priority '0': expected an integer in 1..255"])
  p = parse('priority')
  t.equal(intArg(p.node, p.ctx, 1, 255), undefined)
  t.same(msgs(p.ctx), ['7: fatal: priority needs a value (keepalived stops reading the config here: "missing a parameter")'])
  p = parse('garp 0.001')
  t.equal(secondsArg(p.node, p.ctx, 0, 10), 1)
  p = parse('garp -1')
  t.equal(secondsArg(p.node, p.ctx, 0, 10), undefined)
  t.same(msgs(p.ctx), ["7: error: invalid garp '-1': expected seconds in 0..10"])
})

t.test('restOfLine: one quoted word loses its quotes, otherwise kept for splitting', async (t) => {
  t.equal(restOfLine(parse('script "/usr/bin/pgrep nginx"').node, parse('x').ctx), '/usr/bin/pgrep nginx')
  t.equal(restOfLine(parse(`script /bin/echo "a b" c`).node, parse('x').ctx), '/bin/echo "a b" c')
  t.equal(restOfLine(parse(`script "/bin/sh" "-c" "x"`).node, parse('x').ctx), '"/bin/sh" "-c" "x"')
})

t.test('applyKeywords: unknown keywords are errors with file:line (keepalived -t exits 5)', async (t) => {
  const sink = new DiagnosticSink()
  const nodes = buildTree([{ text: 'a 1', at: { file: 'f', line: 1 } }, { text: 'zz', at: { file: 'f', line: 2 } }], sink)
  const seen: string[] = []
  const table: KeywordTable<string[]> = { a: (n, s) => s.push(n.text) }
  applyKeywords(nodes, table, seen, { sink, interfaceExists: () => true }, 'here')
  t.same(seen, ['a 1'])
  t.same(msgs({ sink }), ["2: error: unknown keyword 'zz' in here, skipped"])
  t.same(Object.hasOwn(table, 'toString'), false, 'prototype names are not keywords')
})

t.test('numbers of a million digits are parsed in linear time', async (t) => {
  const digits = '1'.repeat(1_000_000)
  const start = Date.now()
  for (const line of [`advert_int ${digits}x`, `advert_int ${digits}`, `advert_int ${digits}.5.`, `priority ${digits}x`]) {
    const p = parse(line)
    t.equal(line.startsWith('priority') ? intArg(p.node, p.ctx, 1, 255) : secondsArg(p.node, p.ctx, 1, 255), undefined)
    t.equal(p.ctx.sink.items.length, 1, 'one error')
  }
  // Generous for a shared machine: the old quadratic regex needed 24 s for 100,000
  // digits, so about 40 minutes for these.
  t.ok(Date.now() - start < 60_000, `${Date.now() - start} ms`)
  t.ok(isDecimal('1.5') && isDecimal('.5') && isDecimal('5.') && isDecimal('5'))
  t.notOk(isDecimal('.') || isDecimal('1.2.3') || isDecimal('') || isDecimal('-1') || isDecimal('1e3'))
})

t.test('restOfLine decodes a single quoted command once, as keepalived', async (t) => {
  let p = parse('script "/bin/echo a\\\\tb"')
  t.equal(restOfLine(p.node, p.ctx), '/bin/echo a\\tb', 'the second decoding (splitCommandLine) makes the tab')
  p = parse("script '/bin/sh -c \"x y\"'")
  t.equal(restOfLine(p.node, p.ctx), '/bin/sh -c "x y"')
})
