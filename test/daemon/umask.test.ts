// -u/--umask values read as keepalived's strtoll(.., 0) reads them.
import t from 'tap'
import { parseUmask, DEFAULT_UMASK } from '../../src/daemon/umask.js'
import { parseCli } from '../../src/cli.js'

t.test('octal with a leading 0, hex with 0x, else decimal; permission bits only', async (t) => {
  t.equal(parseUmask('022'), 0o22)
  t.equal(parseUmask('0177'), 0o177)
  t.equal(parseUmask('0'), 0)
  t.equal(parseUmask('0x12'), 0o22)
  t.equal(parseUmask('18'), 0o22, 'decimal 18 is octal 22')
  t.equal(parseUmask('511'), 0o777)
  t.equal(parseUmask('512'), undefined, 'beyond the permission bits')
  t.equal(parseUmask('-1'), undefined)
  t.equal(parseUmask('089'), undefined, 'not octal')
  t.equal(parseUmask('22x'), undefined, 'trailing garbage')
  t.equal(parseUmask(''), undefined)
  t.equal(DEFAULT_UMASK, 0o22)
})

t.test('the command line takes -u/--umask and reports a bad one in keepalived words', async (t) => {
  t.match(await parseCli(['-u', '027']), { umask: 0o27, warnings: [] })
  t.match(await parseCli(['--umask=0x1f']), { umask: 0o37 })
  const bad = await parseCli(['--umask', '0999'])
  t.match(bad, { warnings: ['Invalid --umask option 0999'] })
  t.equal((bad as { umask?: number }).umask, undefined)
})
