// The status socket: answers, and a client that leaves early is not an internal error.
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'node:net'
import { queryControlSocket, startControlSocket } from '../../src/daemon/control-socket.js'
import { createLogger } from '../../src/log.js'

t.test('a status client that disconnects early is logged at debug, not as an error', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'vrrpd-ctl-')), 'vrrpd.sock')
  const lines: string[] = []
  const log = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l) })
  // Big enough that the write is still going when the client is gone: EPIPE or ECONNRESET.
  const big = { filler: 'x'.repeat(8 << 20) }
  const server = await startControlSocket(path, () => big, log)
  t.teardown(() => server.close())
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => {
      const c = createConnection(path, () => {
        c.destroy()
        resolve()
      })
    })
  }
  await new Promise((r) => setTimeout(r, 300))
  t.notOk(lines.some((l) => /error|uncaught/i.test(l) && !/went away/.test(l)), 'no error line')
  const answer = await queryControlSocket(path)
  t.ok(answer.ok, 'later clients are still answered')
})
