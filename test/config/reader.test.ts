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

t.test('stripComment: ! and # anywhere, double quotes protect, \\# escapes, blanks trimmed', async (t) => {
  t.equal(stripComment('priority 100 # comment'), 'priority 100')
  t.equal(stripComment('\t priority 100 ! comment'), 'priority 100')
  t.equal(stripComment('auth_pass "a#b!c" # x'), 'auth_pass "a#b!c"')
  t.equal(stripComment('$M=one   \\'), '$M=one\\', 'blanks before a continuing backslash go')
  t.equal(stripComment('x "a\\"#b"'), 'x "a\\"#b"', 'an escaped quote does not close the quote')
  t.equal(stripComment("auth_pass 'a#b'"), "auth_pass 'a", 'single quotes do not protect')
  t.equal(stripComment('label eth0:a\\#1 \\! x'), 'label eth0:a#1 ! x')
  t.equal(stripComment('# äöü 日本'), '')
})

t.test('definitions expand at use, keepalived style; undefined names stay literal', async (t) => {
  const dir = t.testdir({
    'a.conf': ['$A=1', '$B=${A}0', '$C=$B$A', 'x $C ${A}y $NOPE ${NOPE}', '$D=d', 'y $D/24 ${D}/24 ($D,$D)', '$M=one \\', '  two', 'm $M', 'n $M end'].join('\n'),
  })
  // `$B$A`: a bare name needs a space, tab, `,`, `)` or the line end after it, so
  // only `$A` is replaced, giving `$B1` (keepalived 2.2.7 does the same).
  t.same(read(dir, 'a.conf').lines, ['4:x $B1 1y $NOPE ${NOPE}', '6:y $D/24 d/24 (d,d)', '9:m one', '9:two', '10:n $M end'])
})

t.test('a definition that uses itself is an error, not a hang (keepalived loops for ever)', async (t) => {
  const dir = t.testdir({ 'a.conf': '$S=$S\nz $S\n$B=${B}${B}\nb ${B}\n$G=${G}x\ng ${G}\nafter\n' })
  const r = read(dir, 'a.conf')
  t.same(r.lines, ['7:after'])
  t.match(r.diags, [/^2:error:more than \d+ macro substitutions/, /^4:error:more than \d+ macro substitutions/, /^6:error:more than \d+ macro substitutions/])
})

t.test('built-in definitions: _HASH, _BANG, _INSTANCE, _PWD, _RANDOM', async (t) => {
  const dir = t.testdir({ sub: { 'b.conf': 'pwd ${_PWD}\n' }, 'a.conf': 'h "${_HASH}" "${_BANG}" ${_INSTANCE}\nc x ${_HASH} comment\nr ${_RANDOM 7 7} ${_RANDOM 3}\ninclude sub/b.conf\n$_HASH=H\no ${_HASH}\n' })
  const r = read(dir, 'a.conf', 'node1')
  t.equal(r.lines[0], '1:h "#" "!" node1')
  t.equal(r.lines[1], '2:c x', 'an unquoted ${_HASH} starts a comment once expanded')
  t.match(r.lines[2], /^3:r 7 \d+$/)
  t.equal(r.lines[3], `1:pwd ${join(dir, 'sub')}`, '_PWD is the directory of the file being read')
  t.equal(r.lines[4], '6:o H', 'a definition overrides a built-in')
})

t.test('conditional lines @ID and @^ID', async (t) => {
  const dir = t.testdir({ 'a.conf': '@h1 one\n@^h1 two\n@h2 three\n@^h2 four\n' })
  t.same(read(dir, 'a.conf', 'h1').lines, ['1:one', '4:four'])
  t.same(read(dir, 'a.conf', 'h2').lines, ['2:two', '3:three'])
})

t.test('a conditional line ending in CR or U+2028 is no TypeError', async (t) => {
  const dir = t.testdir({ 'a.conf': '@h1\r\n@h1 x\r\n@h1\u2028\n@^h2\u2028y\n@h1 \u2028z\n@\n@^\r\n@h1 a\rb\n@h1 c\u2028d\nend\n' })
  const r = read(dir, 'a.conf', 'h1')
  // An id with nothing after it drops the line; U+2028 is no blank to keepalived.
  // `@h1 a\rb` threw "Cannot read properties of null" before.
  t.same(r.lines, ['2:x', '5:\u2028z', '8:a\rb', '9:c\u2028d', '10:end'])
  t.same(r.diags, [])
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

t.test('include: brace alternatives in the order written, each sorted', async (t) => {
  const dir = t.testdir({
    'main.conf': 'include inc/{b,a,x*}.conf\ninclude inc/{a,{c,b}}.conf\ninclude inc/{a,zz}.conf\ninclude inc/\\{a,b}.conf\n',
    inc: { 'a.conf': 'a\n', 'b.conf': 'b\n', 'c.conf': 'c\n', 'x2.conf': 'x2\n', 'x1.conf': 'x1\n' },
  })
  const r = read(dir, 'main.conf')
  t.same(r.lines, ['1:b', '1:a', '1:x1', '1:x2', '1:a', '1:c', '1:b', '1:a'])
  t.same(r.diags, ['3:warning:some config files missing: "inc/{a,zz}.conf"', '4:warning:no file matches include inc/\\{a,b}.conf'])
})

t.test('a missing main file is fatal, a missing include a warning', async (t) => {
  const dir = t.testdir({ 'a.conf': 'include nope.conf\ninclude *.none\n' })
  t.same(read(dir, 'a.conf').diags, ['1:warning:included file not found: nope.conf', '2:warning:no file matches include *.none'])
  t.match(read(dir, 'missing.conf').diags, [/^0:fatal:cannot read configuration file .*missing\.conf: no such file$/])
})
