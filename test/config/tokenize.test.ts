import t from 'tap'
import { splitCommandLine, splitQuotedEscaped, tokenizeLine } from '../../src/config/tokenize.js'

const words = (s: string): string[] => tokenizeLine(s, { file: 'f', line: 1 }).map((x) => x.text)

t.test('tokenizeLine: keepalived\'s alloc_strvec: double quotes make a word, braces split', async (t) => {
  t.same(words('auth_pass "a b"'), ['auth_pass', 'a b'])
  t.same(words(`x "a"'b'c`), ['x', 'a', "'b'c"], 'a quote ends a word; single quotes are plain characters')
  t.same(words('x a"b c"d'), ['x', 'a', 'b c', 'd'])
  t.same(words('x "open'), ['x'], 'an unmatched quote ends the words')
  t.same(words('a\fb\vc\rd'), ['a', 'b', 'c', 'd'], 'all C white space separates')
  t.same(words('track_script { chk }'), ['track_script', '{', 'chk', '}'])
  t.same(words('vrrp_instance VI_1{'), ['vrrp_instance', 'VI_1', '{'])
  t.same(words('x "{" ${UNDEF} y'), ['x', '{', '${UNDEF}', 'y'])
  t.equal(tokenizeLine('x "{"', { file: 'f', line: 1 })[1]?.quoted, true, 'a quoted brace is not a brace')
})

t.test('splitCommandLine: unquoted spaces split, quotes removed', async (t) => {
  t.same(splitCommandLine('/usr/bin/pgrep nginx'), ['/usr/bin/pgrep', 'nginx'])
  t.same(splitCommandLine(`/bin/sh -c 'test -f /x'`), ['/bin/sh', '-c', 'test -f /x'])
  t.same(splitCommandLine('/bin/echo "a b"c  d'), ['/bin/echo', 'a bc', 'd'])
  t.same(splitCommandLine('  '), [])
  t.same(splitCommandLine(`x ""`), ['x', ''], 'an empty quoted argument is kept')
})

t.test('splitQuotedEscaped: keepalived\'s escapes, inside and outside quotes', async (t) => {
  t.same(splitQuotedEscaped('"a\\tb" c\\x41\\x4a'), ['a\tb', 'cAJ'])
  t.same(splitQuotedEscaped("'\\101\\0101' \\cA\\E"), ['A\x081', '\x01\x1b'], 'octal takes at most 3 digits')
  t.same(splitQuotedEscaped('"a\\"b" \\q\\\\'), ['a"b', 'q\\'])
  t.same(splitQuotedEscaped('x\\0y z'), ['x', 'z'], 'an escaped NUL ends the word (a C string)')
  t.equal(splitQuotedEscaped('"open'), undefined)
  t.equal(splitQuotedEscaped('end\\'), undefined)
  t.same(splitCommandLine('"open'), [], 'what keepalived cannot split gives no argv')
})
