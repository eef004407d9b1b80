import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readConfigSource } from '../../src/config/source-file.js'

t.test('only regular, non-executable files of bounded size are read; nothing blocks', async (t) => {
  const dir = t.testdir({ 'ok.conf': 'a\n', 'big.conf': 'x'.repeat(101), 'exec.conf': 'x', d: {} })
  chmodSync(join(dir, 'exec.conf'), 0o755)
  execFileSync('mkfifo', [join(dir, 'fifo')])
  symlinkSync(join(dir, 'ok.conf'), join(dir, 'link.conf'))
  const r = (name: string) => readConfigSource(name.startsWith('/') ? name : join(dir, name), 100)
  t.match(r('ok.conf'), { ok: true, text: 'a\n', real: join(dir, 'ok.conf') })
  t.match(r('link.conf'), { ok: true, real: join(dir, 'ok.conf') }, 'a symlink to a regular file is fine (stat, as keepalived)')
  t.match(r('big.conf'), { ok: false, reason: 'too-big' })
  t.match(r('exec.conf'), { ok: false, reason: 'not-regular' })
  t.match(r('fifo'), { ok: false, reason: 'not-regular' }, 'a FIFO without a writer does not block')
  t.match(r('d'), { ok: false, reason: 'directory' })
  t.match(r('/dev/zero'), { ok: false, reason: 'not-regular' })
  t.match(r('none.conf'), { ok: false, reason: 'missing' })
})
