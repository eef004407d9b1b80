import t from 'tap'
import { applyKeywords, flagArg, intArg, restOfLine, secondsArg, type KeywordTable } from '../../src/config/values.js'
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
