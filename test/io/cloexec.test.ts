import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readlinkSync } from 'node:fs'
import { openCloseOnExec } from '../../src/io/cloexec.js'
import { loadLibc } from '../../src/io/libc.js'

const libc = loadLibc()
const AF_UNIX = 1
const SOCK_DGRAM = 2

/** The inode of a socket fd, as children would list it in /proc/PID/fd. */
const inode = (fd: number) => readlinkSync(`/proc/self/fd/${fd}`)
/** What a child process started now holds open. */
const childFds = () => execFileSync('sh', ['-c', 'ls -l /proc/$$/fd'], { encoding: 'utf8' })

t.test('a socket opened without SOCK_CLOEXEC is marked close-on-exec: children do not inherit it', { skip: libc instanceof Error && 'koffi not available' }, async (t) => {
  if (libc instanceof Error) return
  const plain = libc.socket(AF_UNIX, SOCK_DGRAM, 0)
  t.teardown(() => libc.close(plain))
  t.ok(childFds().includes(inode(plain)), 'without it a child inherits the socket (the defect)')
  const warnings: string[] = []
  const fd = openCloseOnExec(() => libc.socket(AF_UNIX, SOCK_DGRAM, 0), (m) => warnings.push(m))
  t.teardown(() => libc.close(fd))
  t.ok(fd >= 0)
  t.equal(libc.fcntl(fd, 1 /* F_GETFD */, 0) & 1, 1, 'FD_CLOEXEC set')
  t.notOk(childFds().includes(inode(fd)), 'a child does not hold it')
  t.equal(libc.fcntl(plain, 1, 0) & 1, 0, 'sockets opened before are left alone')
  t.same(warnings, [])
})
