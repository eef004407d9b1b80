import t from 'tap'
import { splitCommandLine, tokenizeLine } from '../../src/config/tokenize.js'

const words = (s: string): string[] => tokenizeLine(s, { file: 'f', line: 1 }).map((x) => x.text)

t.test('tokenizeLine: quotes removed, adjacent pieces join, braces split', async (t) => {
  t.same(words('auth_pass "a b"'), ['auth_pass', 'a b'])
  t.same(words(`x "a"'b'c`), ['x', 'abc'])
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
