import t from 'tap'
import { applyKeywords, flagArg, intArg, isDecimal, secondsArg, type KeywordTable } from '../../src/config/values.js'
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

t.test('isDecimal: plain decimals only', async (t) => {
  t.ok(isDecimal('123') && isDecimal('1.5') && isDecimal('.5') && isDecimal('5.'))
  t.notOk(isDecimal('.') || isDecimal('1.2.3') || isDecimal('') || isDecimal('-1') || isDecimal('1e3'))
})
