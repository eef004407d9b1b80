import t from 'tap'
import { createReadStream, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fifoLine, openNotifyFifo } from '../../src/io/notify-fifo.js'
import type { ProcLogLevel } from '../../src/io/proc-log.js'
import { until } from '../helpers/until.js'

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-fifo-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))


t.test("keepalived's line format", async (t) => {
  t.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n')
  t.equal(fifoLine('GROUP', 'G1', 'BACKUP', 150), 'GROUP "G1" BACKUP 0\n', 'a group always says 0')
  t.equal(fifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 90), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 90\n')
})

t.test('creates the FIFO and a reader gets the lines in order', async (t) => {
  const path = join(dir, 'a.fifo')
  const r = await openNotifyFifo({ path })
  if (!r.ok) throw new Error(r.error)
  t.ok(lstatSync(path).isFIFO(), 'mkfifo made it')
  const chunks: string[] = []
  const reader = createReadStream(path, { encoding: 'utf8' })
  reader.on('data', (c) => chunks.push(String(c)))
  await new Promise((res) => reader.once('open', res))
  r.fifo.write('INSTANCE', 'VI_1', 'BACKUP', 100)
  r.fifo.write('INSTANCE', 'VI_1', 'MASTER', 100)
  r.fifo.write('GROUP', 'G1', 'MASTER', 100)
  await r.fifo.close()
  await new Promise<void>((res) => reader.once('close', () => res()))
  t.equal(chunks.join(''), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nGROUP "G1" MASTER 0\n', 'and EOF once closed')
})

t.test('no reader: writes never block; a full pipe drops lines with a warning', async (t) => {
  const path = join(dir, 'b.fifo')
  const logs: Array<[ProcLogLevel, string]> = []
  const r = await openNotifyFifo({ path, log: (l, m) => logs.push([l, m]) })
  if (!r.ok) throw new Error(r.error)
  const started = Date.now()
  // 5000 lines of ~30 bytes overflow a 64 KiB pipe.
  for (let i = 0; i < 5000; i++) r.fifo.write('INSTANCE', 'VI_1', 'MASTER', i % 255)
  t.ok(Date.now() - started < 1000, 'returned without waiting for a reader')
  t.match(logs[0], ['warn', /line\(s\) dropped \(EAGAIN\)/])
  await r.fifo.close()
  r.fifo.write('INSTANCE', 'VI_1', 'MASTER', 1)
  t.pass('a write after close is ignored')
})

t.test('an existing FIFO is reused; a regular file is refused', async (t) => {
  const path = join(dir, 'b.fifo')
  const r = await openNotifyFifo({ path })
  t.equal(r.ok, true)
  if (r.ok) await r.fifo.close()
  const file = join(dir, 'plain')
  writeFileSync(file, '')
  t.same(await openNotifyFifo({ path: file }), { ok: false, error: `refusing notify FIFO ${file}: it exists and is not a FIFO` })
  const bad = await openNotifyFifo({ path: join(dir, 'no/such/dir/x.fifo') })
  t.match(bad, { ok: false, error: /cannot use directory .*no\/such\/dir for the notify FIFO: ENOENT/ })
})

t.test('issue 12: a notify FIFO path planted as a symbolic link is refused, its target untouched', async (t) => {
  const victim = join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const path = join(dir, 'planted.fifo')
  symlinkSync(victim, path)
  t.match(await openNotifyFifo({ path }), { ok: false, error: /refusing notify FIFO .*planted\.fifo: it is a symbolic link/ })
  t.equal(readFileSync(victim, 'utf8'), 'precious\n')
})

t.test('the FIFO script gets the path, reads the lines, and is restarted when it exits', async (t) => {
  const path = join(dir, 'c.fifo')
  const out = join(dir, 'c.out')
  const starts = join(dir, 'c.starts')
  const reader = join(dir, 'reader.sh')
  // First run exits at once (to be restarted); later runs copy the FIFO until EOF.
  writeFileSync(reader, `#!/bin/sh\necho "$1" >> ${starts}\n[ $(wc -l < ${starts}) -eq 1 ] && exit 1\nexec cat "$1" >> ${out}\n`)
  chmodSync(reader, 0o755)
  const logs: Array<[ProcLogLevel, string]> = []
  const r = await openNotifyFifo({ path, script: [reader], restartDelayMs: 50, log: (l, m) => logs.push([l, m]) })
  if (!r.ok) throw new Error(r.error)
  t.ok(await until(() => existsSync(starts) && readFileSync(starts, 'utf8').split('\n').filter(Boolean).length === 2), 'restarted')
  t.equal(readFileSync(starts, 'utf8').split('\n')[0], path, 'the script gets the FIFO path as its argument')
  t.ok(logs.some(([, m]) => m.includes('ended (exited with status 1); restarting in 50 ms')))
  r.fifo.write('INSTANCE', 'VI_9', 'FAULT', 0)
  t.ok(await until(() => existsSync(out) && readFileSync(out, 'utf8').length > 0))
  const closing = Date.now()
  await r.fifo.close()
  t.ok(Date.now() - closing < 900, 'the script ended on EOF, not by the kill after the grace time')
  t.equal(readFileSync(out, 'utf8'), 'INSTANCE "VI_9" FAULT 0\n')
})
