// The pid file: refuse a live other daemon, and never write through a planted link.
import t from 'tap'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquirePidFile, releasePidFile } from '../../src/daemon/pid-file.js'

t.test('writes our pid with mode 0644 and removes it at release', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-pid-'))
  const path = join(dir, 'run', 'vrrpd.pid')
  t.same(acquirePidFile(path), { ok: true })
  t.equal(readFileSync(path, 'utf8'), `${process.pid}\n`)
  t.equal(lstatSync(path).mode & 0o777, 0o644)
  releasePidFile(path)
  t.throws(() => lstatSync(path))
})

t.test('a live process in the pid file: refuse to start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-pid-'))
  const path = join(dir, 'vrrpd.pid')
  writeFileSync(path, `${process.ppid}\n`)
  t.match(acquirePidFile(path), { ok: false, error: `vrrpd is already running with pid ${process.ppid}` })
})

t.test('issue 12: a pid file planted as a link to a root-owned file in a world-writable directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-pid-'))
  const shared = join(dir, 'shared')
  mkdirSync(shared)
  chmodSync(shared, 0o1777)
  const victim = join(dir, 'shadow')
  writeFileSync(victim, 'root:*:19000:0:99999:7:::\n')
  const path = join(shared, 'vrrpd.pid')
  symlinkSync(victim, path)
  const r = acquirePidFile(path)
  t.match(r, { ok: false, error: /refusing pid file .*vrrpd\.pid: it is a symbolic link to .*shadow/ })
  t.equal(readFileSync(victim, 'utf8'), 'root:*:19000:0:99999:7:::\n', 'the target is untouched')
  releasePidFile(path)
  t.ok(lstatSync(path).isSymbolicLink(), 'release does not remove what is not ours')
})
