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
