// man/vrrpd.8, installed as vrrpd(8) by the Debian package: it renders without
// warnings, and it documents every option `vrrpd --help` offers.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseCli } from '../../src/cli.js'

const PAGE = fileURLToPath(new URL('../../man/vrrpd.8', import.meta.url))
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

t.test('renders with groff and man -l, without warnings', { skip: !has('groff') && 'groff is not installed' }, async (t) => {
  const groff = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', PAGE], { encoding: 'utf8' })
  t.equal(groff.status, 0)
  t.equal(groff.stderr, '', 'no groff warnings')
  if (!has('man')) return
  const man = spawnSync('man', ['-l', PAGE], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } })
  t.equal(man.status, 0, 'man -l')
  for (const section of ['NAME', 'SYNOPSIS', 'OPTIONS', 'SIGNALS', 'SYSTEMD', 'FILES', 'EXIT STATUS', 'SEE ALSO']) t.match(man.stdout, new RegExp(`^${section}$`, 'm'), section)
})

t.test('every option of --help is in the page', async (t) => {
  const help = await parseCli(['--help'])
  const text = 'message' in help ? String(help.message) : ''
  const options = [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z_-]+/g)].map((m) => m[0]))]
  t.ok(options.length >= 15, `${options.length} long options in --help`)
  const page = readFileSync(PAGE, 'utf8').replace(/\\-/g, '-')
  t.same(options.filter((o) => !page.includes(o)), [], 'none missing from vrrpd(8)')
})
