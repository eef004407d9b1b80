// The reload parser runs in its own process with a time budget and a memory limit:
// whatever it does, our loop keeps running and the outcome is a result or a reason.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { loadConfig } from '../../src/config/index.js'
import { loadConfigIsolated } from '../../src/daemon/config-isolated.js'

const MISBEHAVING = new URL('../fixtures/daemon/misbehaving-parser.ts', import.meta.url).pathname

const CONF = `
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`

/** The longest the loop went without running a 10 ms interval while `work` ran. */
async function longestStall<T>(work: Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = Date.now()
  let stallMs = 0
  const tick = setInterval(() => {
    const now = Date.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }, 10)
  const value = await work
  clearInterval(tick)
  return { value, stallMs }
}

t.test('a config parses to what loadConfig gives in-process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-iso-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, CONF)
  const got = await loadConfigIsolated(file, { configId: 'h1', timeoutMs: 60_000 }).done
  t.ok(got.ok)
  if (got.ok) t.same(got.result, loadConfig(file, { configId: 'h1' }))
})

t.test('a parse stuck on a FIFO is abandoned at its budget, without stalling the loop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-iso-'))
  const fifo = join(dir, 'fifo.conf')
  execFileSync('mkfifo', [fifo])
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, `include ${fifo}\n${CONF}`)
  const { value, stallMs } = await longestStall(loadConfigIsolated(file, { timeoutMs: 3000 }).done)
  t.same(value, { ok: false, error: 'parsing took longer than 3 s' })
  // A loop blocked by the parse would stall for the whole 3 s budget; scheduling on a loaded machine adds far less.
  t.ok(stallMs < 2500, `the loop kept running (longest stall ${stallMs} ms)`)
})

t.test('a parser in a loop is killed at its budget', async (t) => {
  const got = await loadConfigIsolated('hang', { timeoutMs: 2000, script: MISBEHAVING }).done
  t.same(got, { ok: false, error: 'parsing took longer than 2 s' })
})

t.test('a parser that outgrows its memory limit is abandoned with that reason', async (t) => {
  const got = await loadConfigIsolated('grow', { timeoutMs: 60_000, maxMemoryMb: 48, script: MISBEHAVING }).done
  t.same(got, { ok: false, error: 'parsing ran out of memory (limit 48 MB)' })
})

t.test('a parser that dies says how', async (t) => {
  const got = await loadConfigIsolated('crash', { timeoutMs: 60_000, script: MISBEHAVING }).done
  t.same(got, { ok: false, error: 'the parser ended with exit code 3: something went wrong' })
})

t.test('cancel ends the parse at once', async (t) => {
  const pending = loadConfigIsolated('hang', { timeoutMs: 60_000, script: MISBEHAVING })
  setTimeout(() => pending.cancel(), 200)
  t.same(await pending.done, { ok: false, error: 'cancelled' })
})
