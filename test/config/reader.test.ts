import t from 'tap'
import { join } from 'node:path'
import { ConfigReader, stripComment } from '../../src/config/reader.js'
import { DiagnosticSink } from '../../src/config/diagnostics.js'

const read = (dir: string, file: string, configId = 'h1') => {
  const sink = new DiagnosticSink()
  const r = new ConfigReader(sink, { configId })
  r.readFile(join(dir, file))
  return { lines: r.lines.map((l) => `${l.at.line}:${l.text}`), diags: sink.items.map((d) => `${d.line}:${d.severity}:${d.message}`) }
}

t.test('stripComment: ! and # anywhere, double quotes protect, \\# escapes', async (t) => {
  t.equal(stripComment('priority 100 # comment'), 'priority 100 ')
  t.equal(stripComment('priority 100 ! comment'), 'priority 100 ')
  t.equal(stripComment('auth_pass "a#b!c" # x'), 'auth_pass "a#b!c" ')
  t.equal(stripComment("auth_pass 'a#b'"), "auth_pass 'a", 'single quotes do not protect')
  t.equal(stripComment('label eth0:a\\#1 \\! x'), 'label eth0:a#1 ! x')
  t.equal(stripComment('# äöü 日本'), '')
})

t.test('definitions, recursive expansion, undefined names stay literal', async (t) => {
  const dir = t.testdir({
    'a.conf': ['$A=1', '$B=${A}0', '$C=$B$A', 'x $C ${A}y $NOPE ${NOPE}', '$SELF=$SELF', 'z $SELF', '$M=one \\', '  two', 'm $M'].join('\n'),
  })
  t.same(read(dir, 'a.conf').lines, ['4:x 101 1y $NOPE ${NOPE}', '6:z $SELF', '9:m one', '9:two'])
})

t.test('conditional lines @ID and @^ID', async (t) => {
  const dir = t.testdir({ 'a.conf': '@h1 one\n@^h1 two\n@h2 three\n@^h2 four\n' })
  t.same(read(dir, 'a.conf', 'h1').lines, ['1:one', '4:four'])
  t.same(read(dir, 'a.conf', 'h2').lines, ['2:two', '3:three'])
})

t.test('include: relative to the including file, quoted, cycles reported', async (t) => {
  const dir = t.testdir({
    'main.conf': 'a\ninclude sub/*.conf\ninclude "sub/q d.inc"\nb\n',
    sub: { '1.conf': 'one\ninclude ../leaf.inc\n', '2.conf': 'two\n', 'q d.inc': 'quoted\n' },
    'leaf.inc': 'leaf\n',
    'loop.conf': 'include loop.conf\nafter\n',
  })
  t.same(read(dir, 'main.conf').lines, ['1:a', '1:one', '1:leaf', '1:two', '1:quoted', '4:b'])
  const loop = read(dir, 'loop.conf')
  t.same(loop.lines, ['2:after'])
  t.match(loop.diags, [/^1:error:include cycle: .*loop\.conf -> .*loop\.conf$/])
})

t.test('a missing main file is fatal, a missing include a warning', async (t) => {
  const dir = t.testdir({ 'a.conf': 'include nope.conf\ninclude *.none\n' })
  t.same(read(dir, 'a.conf').diags, ['1:warning:included file not found: nope.conf', '2:warning:no file matches include *.none'])
  t.match(read(dir, 'missing.conf').diags, [/^0:fatal:cannot read configuration file .*missing\.conf: no such file$/])
})
