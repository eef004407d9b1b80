import t from 'tap'
import { createServer } from 'node:http'
import { WebClient, errorWindow, type FetchResult } from '../../src/lab/client.js'
import { LoggedProcess } from '../../src/lab/proc.js'

t.test('the error window spans the failed fetches inside the range', async (t) => {
  const r = (at: number, ok: boolean): FetchResult => ({ at, ok })
  const results = [r(0, true), r(100, false), r(200, false), r(300, false), r(400, true), r(900, false)]
  t.same(errorWindow(results, 50, 500), { failed: 3, total: 4, spanMs: 200 })
  t.same(errorWindow(results, 350, 500), { failed: 0, total: 1, spanMs: 0 })
})

t.test('the client loop reports pages and errors as they happen', async (t) => {
  // The loop itself, against a local server (no namespace needed): the host
  // runs the command directly.
  let up = true
  const server = createServer((_req, res) => {
    if (up) res.end('served by local\n')
    else res.destroy()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const host = { spawn: (_h: string, name: string, cmd: string, args: string[]) => LoggedProcess.spawn(name, cmd, args) }
  const c = new WebClient(host, 'here', `http://127.0.0.1:${port}/`, { intervalMs: 50, timeoutMs: 200, maxMs: 10_000 })
  t.teardown(() => c.stop())
  const first = await c.waitForServedBy('local', 5000)
  t.match(first, { ok: true, status: 200, body: 'served by local' })
  up = false
  const since = performance.now()
  const err = await c.waitForError(2000, since)
  t.equal(err.ok, false)
  t.type(err.error, 'string')
  up = true
  const back = await c.waitForServedBy('local', 2000, err.at)
  t.ok(back.at > err.at)
  t.ok(c.results(since).some((x) => !x.ok), 'results() holds the failure')
})
