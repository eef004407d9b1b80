// Files written as root: never through a link, never into a directory others
// can swap entries in, never over another user's file; modes from creation.
import t from 'tap'
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkDirectory, openFifoNoFollow, readFileNoFollow, writeFileSafely } from '../../src/io/safe-file.js'
import { spawnSync } from 'node:child_process'
import { constants } from 'node:fs'

const root = process.getuid?.() === 0
const NOBODY = 65534

function sandbox(): { dir: string; victim: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-safe-'))
  const victim = join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  return { dir, victim }
}

t.test('a new file gets its mode at creation, whatever the umask', async (t) => {
  const { dir } = sandbox()
  const old = process.umask(0)
  try {
    writeFileSafely(join(dir, 'dump'), 'x\n', 0o600, 'dump')
  } finally {
    process.umask(old)
  }
  t.equal(lstatSync(join(dir, 'dump')).mode & 0o777, 0o600)
  writeFileSafely(join(dir, 'dump'), 'y\n', 0o600, 'dump')
  t.equal(readFileSync(join(dir, 'dump'), 'utf8'), 'y\n', 'our own file is replaced')
})

t.test('a planted symbolic link is refused and its target untouched', async (t) => {
  const { dir, victim } = sandbox()
  const path = join(dir, 'vrrpd.pid')
  symlinkSync(victim, path)
  t.throws(() => writeFileSafely(path, '123\n', 0o644, 'pid file'), /refusing pid file .*vrrpd\.pid: it is a symbolic link to .*victim/)
  t.throws(() => readFileNoFollow(path, 'pid file'), /symbolic link/)
  t.equal(readFileSync(victim, 'utf8'), 'precious\n')
})

t.test('a file owned by another user is refused', { skip: !root && 'needs root to chown' }, async (t) => {
  const { dir } = sandbox()
  const path = join(dir, 'keepalived.data')
  writeFileSync(path, 'planted\n')
  chownSync(path, NOBODY, NOBODY)
  t.throws(() => writeFileSafely(path, 'x', 0o600, 'data dump'), /refusing data dump .*keepalived\.data: it is owned by uid 65534, not by root or vrrpd/)
  t.equal(readFileSync(path, 'utf8'), 'planted\n')
})

t.test('a directory others can write to without the sticky bit is refused; /tmp-like sticky ones are fine', async (t) => {
  const { dir } = sandbox()
  const open = join(dir, 'open')
  mkdirSync(open)
  chmodSync(open, 0o777)
  t.throws(() => checkDirectory(open, 'the pid file'), /writable by other users without the sticky bit \(mode 777\)/)
  chmodSync(open, 0o1777)
  t.doesNotThrow(() => checkDirectory(open, 'the pid file'))
  const link = join(dir, 'link')
  symlinkSync(open, link)
  if (root) {
    t.doesNotThrow(() => checkDirectory(link, 'the pid file'), "root's own directory link is followed")
    const other = join(dir, 'other')
    mkdirSync(other)
    chownSync(other, NOBODY, NOBODY)
    t.throws(() => checkDirectory(other, 'the pid file'), /owned by uid 65534/)
  }
})

t.test('a FIFO is opened without following links and checked after opening', async (t) => {
  const { dir, victim } = sandbox()
  const link = join(dir, 'fifo-link')
  symlinkSync(victim, link)
  t.throws(() => openFifoNoFollow(link, constants.O_RDWR | constants.O_NONBLOCK, 'notify FIFO'), /refusing notify FIFO .*: it is a symbolic link/)
  t.throws(() => openFifoNoFollow(victim, constants.O_RDWR | constants.O_NONBLOCK, 'notify FIFO'), /it is not a FIFO/)
  const fifo = join(dir, 'fifo')
  t.equal(spawnSync('mkfifo', [fifo]).status, 0)
  if (root) {
    chownSync(fifo, NOBODY, NOBODY)
    t.throws(() => openFifoNoFollow(fifo, constants.O_RDWR | constants.O_NONBLOCK, 'notify FIFO'), /owned by uid 65534/)
    t.doesNotThrow(() => openFifoNoFollow(fifo, constants.O_RDWR | constants.O_NONBLOCK, 'notify FIFO', [NOBODY]), 'unless it is its reader script user')
  }
})
