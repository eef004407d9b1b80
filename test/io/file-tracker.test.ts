import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TrackFile } from '../../src/config/model.js'
import { createFileTracker, parseTrackFileValue, readTrackFile } from '../../src/io/file-tracker.js'
import { until } from '../helpers/until.js'

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-tf-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const tf = (name: string, file: string, initFile?: TrackFile['initFile']): TrackFile => ({
  name,
  file,
  weight: 1,
  reverse: false,
  at: { file: 'test.conf', line: 1 },
  ...(initFile ? { initFile } : {}),
})


t.test('parsing: an integer with white space, anything else undefined', async (t) => {
  t.equal(parseTrackFileValue('42\n'), 42)
  t.equal(parseTrackFileValue('  -7 '), -7)
  t.equal(parseTrackFileValue('+3'), 3)
  t.equal(parseTrackFileValue(''), undefined)
  t.equal(parseTrackFileValue('12abc'), undefined)
  t.equal(parseTrackFileValue('1.5'), undefined)
  t.equal(parseTrackFileValue('1\n2\n'), undefined)
  t.equal(await readTrackFile(join(dir, 'absent')), undefined)
})

t.test('reports the starting value, then each change, and nothing for a rewrite of the same value', async (t) => {
  const p = join(dir, 'a')
  writeFileSync(p, '5\n')
  const seen: Array<[string, number | undefined]> = []
  const tr = createFileTracker({ pollMs: 30 })
  t.teardown(() => tr.stop())
  tr.start([tf('fa', p)], (name, value) => seen.push([name, value]))
  t.ok(await until(() => seen.length === 1))
  t.same(seen, [['fa', 5]])
  writeFileSync(p, '-20\n')
  t.ok(await until(() => seen.length === 2))
  t.same(seen[1], ['fa', -20])
  writeFileSync(p, '-20')
  await new Promise((r) => setTimeout(r, 150))
  t.equal(seen.length, 2, 'same value: no report')
  writeFileSync(p, 'garbage')
  t.ok(await until(() => seen.length === 3))
  t.same(seen[2], ['fa', undefined], 'not a number: undefined (a failed track for the core)')
  rmSync(p)
  writeFileSync(join(dir, 'a.tmp'), '9')
  renameSync(join(dir, 'a.tmp'), p)
  t.ok(await until(() => seen.length === 4), 'a file replaced by rename is seen')
  t.same(seen[3], ['fa', 9])
  rmSync(p)
  t.ok(await until(() => seen.length === 5))
  t.same(seen[4], ['fa', undefined], 'a deleted file is undefined')
  tr.stop()
  writeFileSync(p, '1')
  await new Promise((r) => setTimeout(r, 150))
  t.equal(seen.length, 5, 'nothing after stop')
})

t.test('a file that does not exist yet reports undefined, then its value when it appears', async (t) => {
  const p = join(dir, 'later')
  const seen: Array<number | undefined> = []
  const tr = createFileTracker({ pollMs: 30 })
  t.teardown(() => tr.stop())
  tr.start([tf('fl', p)], (_n, v) => seen.push(v))
  t.ok(await until(() => seen.length === 1))
  writeFileSync(p, '3')
  t.ok(await until(() => seen.length === 2))
  t.same(seen, [undefined, 3])
})

t.test('init_file creates the file; overwrite replaces an existing one', async (t) => {
  const fresh = join(dir, 'init-fresh')
  const kept = join(dir, 'init-kept')
  const over = join(dir, 'init-over')
  writeFileSync(kept, '7\n')
  writeFileSync(over, '7\n')
  const seen = new Map<string, number | undefined>()
  const tr = createFileTracker({ pollMs: 30 })
  t.teardown(() => tr.stop())
  tr.start(
    [
      tf('fresh', fresh, { value: 10, overwrite: false }),
      tf('kept', kept, { value: 10, overwrite: false }),
      tf('over', over, { value: 0, overwrite: true }),
    ],
    (n, v) => seen.set(n, v),
  )
  t.ok(await until(() => seen.size === 3))
  t.same(Object.fromEntries(seen), { fresh: 10, kept: 7, over: 0 })
  t.ok(existsSync(fresh))
  t.equal(readFileSync(over, 'utf8'), '0\n')
})
