import t from 'tap'
import { buildTree, type Node } from '../../src/config/tree.js'
import { DiagnosticSink } from '../../src/config/diagnostics.js'

const tree = (text: string) => {
  const sink = new DiagnosticSink()
  const lines = text.split('\n').map((l, i) => ({ text: l.trim(), at: { file: 'f', line: i + 1 } })).filter((l) => l.text)
  const show = (n: Node): unknown => (n.children ? { [n.text]: n.children.map(show) } : n.text)
  return { nodes: buildTree(lines, sink).map(show), diags: sink.items.map((d) => `${d.line}: ${d.message}`) }
}

t.test('brace on the next line, content after {, } on a content line', async (t) => {
  t.same(tree('a x\n{\nb 1\nc { d }\ne 2 }\nf').nodes, [{ 'a x': ['b 1', { c: ['d'] }, 'e 2'] }, 'f'])
})

t.test('rawArgs keep quotes for script lines', async (t) => {
  const sink = new DiagnosticSink()
  const [n] = buildTree([{ text: `script "/bin/a b" 'c'`, at: { file: 'f', line: 1 } }], sink)
  t.equal(n?.rawArgs, `"/bin/a b" 'c'`)
})

t.test('unbalanced braces are reported and recovered from', async (t) => {
  const r = tree('a {\nb\n}\n}\nc {\nd')
  t.same(r.nodes, [{ a: ['b'] }, { c: ['d'] }])
  t.same(r.diags, ["4: unexpected '}' with no block open: the braces are unbalanced, so keywords after it may have left their block", "5: block 'c' opened here is never closed with '}': the keywords after it were read inside it"])
})
