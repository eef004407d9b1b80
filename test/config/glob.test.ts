import t from 'tap'
import { join } from 'node:path'
import { expandGlob, hasGlobMagic, matchSegment } from '../../src/config/glob.js'

t.test('matchSegment: * ? [..] within one segment', async (t) => {
  t.ok(matchSegment('*.conf', 'a.conf'))
  t.notOk(matchSegment('*.conf', 'a.conf.bak'))
  t.ok(matchSegment('?0-*.conf', '10-web.conf'))
  t.notOk(matchSegment('?0-*.conf', '100-web.conf'))
  t.ok(matchSegment('extra-[0-9].inc', 'extra-7.inc'))
  t.notOk(matchSegment('extra-[0-9].inc', 'extra-x.inc'))
  t.ok(matchSegment('[!a]*', 'b'))
  t.notOk(matchSegment('[!a]*', 'abc'))
  t.ok(matchSegment('[]]x', ']x'), '] first in a class is literal')
  t.notOk(matchSegment('*', '.hidden'), 'globs skip dot files, as glob(3)')
  t.ok(matchSegment('.*', '.hidden'))
  t.ok(matchSegment('a\\*b', 'a*b'), 'backslash escapes')
  t.notOk(matchSegment('a\\*b', 'axb'))
  t.ok(hasGlobMagic('conf.d/*.conf'))
  t.notOk(hasGlobMagic('conf.d/a.conf'))
})

t.test('expandGlob: sorted files, relative to the base dir, dirs skipped', async (t) => {
  const dir = t.testdir({ 'conf.d': { 'b.conf': '', 'a.conf': '', 'c.txt': '', 'sub.conf': {} }, x1: { 'k.conf': '' }, x2: { 'k.conf': '' } })
  t.same(expandGlob('conf.d/*.conf', dir), [join(dir, 'conf.d/a.conf'), join(dir, 'conf.d/b.conf')])
  t.same(expandGlob('x?/k.conf', dir), [join(dir, 'x1/k.conf'), join(dir, 'x2/k.conf')], 'magic in a directory segment')
  t.same(expandGlob(join(dir, 'conf.d/c.txt'), '/elsewhere'), [join(dir, 'conf.d/c.txt')], 'absolute, no magic')
  t.same(expandGlob('nothing/*.conf', dir), [])
})

t.test('expandBraces: alternatives in the order written, nested, escaped, bounded', async (t) => {
  const { expandBraces } = await import('../../src/config/glob.js')
  t.same(expandBraces('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef'])
  t.same(expandBraces('{b,a}.conf'), ['b.conf', 'a.conf'])
  t.same(expandBraces('{}a'), ['a'], 'an empty brace is an empty alternative')
  t.same(expandBraces('\\{a,b}'), ['\\{a,b}'], 'an escaped brace is literal')
  t.same(expandBraces('x{a,b'), ['x{a,b'], 'an unclosed brace makes the pattern brace-free')
  t.throws(() => expandBraces('{a,b}'.repeat(11)), /more than 1024 brace alternatives/)
})

t.test('matchSegment is linear enough: many stars against a long name returns at once', async (t) => {
  const start = Date.now()
  t.notOk(matchSegment(`${'*a'.repeat(100)}*b`, 'a'.repeat(255)))
  t.ok(matchSegment('*a*b*c', 'xxaxxbxxc'))
  t.ok(Date.now() - start < 30_000, `${Date.now() - start} ms (the old recursive matcher: 2^100 steps)`)
})

t.test('expandInclude marks directories and reports missing brace alternatives', async (t) => {
  const { expandInclude } = await import('../../src/config/glob.js')
  const dir = t.testdir({ d: { 'a.conf': '', sub: {} } })
  t.same(expandInclude('d/{a.conf,sub,zz.conf}', dir), { paths: [join(dir, 'd/a.conf'), `${join(dir, 'd/sub')}/`], missing: ['d/zz.conf'] })
})
