import t from 'tap'
import { loadLibc } from '../../src/io/libc.js'
import { createFdPoller } from '../../src/io/fd-poller.js'
import { waitFor } from '../helpers/netns.js'

const libc = loadLibc()
const EFD_NONBLOCK = 0o4000

t.test('readiness of fds Node cannot watch, off the event loop', { skip: libc instanceof Error ? 'no koffi' : false }, async (t) => {
  if (libc instanceof Error) return
  const poller = createFdPoller(libc)
  const one = Buffer.alloc(8)
  one.writeBigUInt64LE(1n)
  const sink = Buffer.alloc(8)
  const fds = [libc.eventfd(0, EFD_NONBLOCK), libc.eventfd(0, EFD_NONBLOCK)]
  const seen: number[] = []
  for (const fd of fds) poller.add(fd, { onReadable: () => (libc.read(fd, sink, 8), seen.push(fd)) })
  t.equal(poller.size, 2)

  // Both fds are watched by one poll: the one added while a poll runs wakes it.
  libc.write(fds[1]!, one, 8)
  await waitFor('the second fd to be reported', () => seen.includes(fds[1]!), 3000)
  libc.write(fds[0]!, one, 8)
  await waitFor('the first fd to be reported', () => seen.includes(fds[0]!), 3000)
  t.same([...new Set(seen)].sort(), [...fds].sort(), 'each fd reported when readable')

  // Closed: no more callbacks, and the fd is closed once the poll has let go of it.
  const before = seen.length
  for (const fd of fds) poller.closeFd(fd)
  t.equal(poller.size, 0)
  await new Promise((r) => setTimeout(r, 200))
  t.equal(libc.write(fds[0]!, one, 8), -1, 'the fd was closed')
  t.equal(seen.length, before, 'no callback after closeFd')
})
