// issue 12: the control socket is created 0600 and never over someone else's file.
import t from 'tap'
import { lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { queryControlSocket, startControlSocket } from '../../src/daemon/control-socket.js'
import { createLogger } from '../../src/log.js'

const log = createLogger({ format: 'text', level: 'silent', write: () => undefined })

t.test('created rw------- and answers; a stale socket of ours is replaced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-ctl-'))
  const path = join(dir, 'vrrpd.sock')
  const first = await startControlSocket(path, () => ({ n: 1 }), log)
  t.equal(lstatSync(path).mode & 0o777, 0o600)
  t.same(await queryControlSocket(path), { ok: true, status: { n: 1 } })
  // A crash leaves the socket file behind; the next start takes it over.
  const second = await startControlSocket(path, () => ({ n: 2 }), log)
  t.same(await queryControlSocket(path), { ok: true, status: { n: 2 } })
  await second.close()
  await first.close()
})

t.test('a planted link or regular file at the socket path is refused, not removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-ctl-'))
  const victim = join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const link = join(dir, 'vrrpd.sock')
  symlinkSync(victim, link)
  await t.rejects(startControlSocket(link, () => ({}), log), /refusing control socket .*vrrpd\.sock: it is a symbolic link/)
  t.ok(lstatSync(link).isSymbolicLink(), 'the link is left in place')
  const file = join(dir, 'other.sock')
  writeFileSync(file, 'data\n')
  await t.rejects(startControlSocket(file, () => ({}), log), /it exists and is not a socket/)
  t.equal(readFileSync(victim, 'utf8'), 'precious\n')
})
