// The reload parser runs in a worker thread with a time budget and a memory limit:
// whatever it does, our loop keeps running and the outcome is a result or a reason.
import t from 'tap'
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { loadConfig } from '../../src/config/index.js'
import { loadConfigIsolated, stuckParses } from '../../src/daemon/config-isolated.js'

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const MISBEHAVING = new URL('../fixtures/daemon/misbehaving-parser.ts', import.meta.url)

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

/**
 * Whether a thread of this process is blocked opening a FIFO that has no writer (the
 * worker, on ours): in openat(2) and asleep in the kernel's wait_for_partner. The
 * syscall alone is not enough: a loaded worker may be in openat for a module file.
 */
function threadInFifoOpen(): boolean {
  const nr = process.arch === 'x64' ? '257' : '56'
  return readdirSync('/proc/self/task').some((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').split(' ')[0] === nr && readFileSync(`/proc/self/task/${tid}/wchan`, 'utf8').trim() === 'wait_for_partner'
    } catch {
      return false
    }
  })
}

t.test('a parse stuck in open(2) does not stall the loop; abandoned, it is counted until the kernel lets it go', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-iso-'))
  const fifo = join(dir, 'fifo.conf')
  execFileSync('mkfifo', [fifo])
  // The reader itself refuses FIFOs without opening them (src/config/source-file.ts), so a
  // stand-in parser blocks in open(2) on one: the last line of defence, for what else may block.
  // (The budget itself is tested with a busy parser below: here the worker may take long to
  // load the TypeScript sources, so it is cancelled once it waits on the FIFO.)
  const pending = loadConfigIsolated(`block:${fifo}`, { timeoutMs: 120_000, script: MISBEHAVING })
  await waitFor(threadInFifoOpen, 60_000)
  const { stallMs } = await longestStall(new Promise((r) => setTimeout(r, 1000)))
  t.ok(stallMs < 500, `the loop keeps running while the parser waits (longest stall ${stallMs} ms)`)
  pending.cancel()
  t.same(await pending.done, { ok: false, error: 'cancelled' })
  t.equal(stuckParses(), 1, 'the worker is still blocked in open(2): counted, so the daemon ends with _exit')
  // A writer ends the open; the terminated worker then goes.
  closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
  await waitFor(() => stuckParses() === 0)
  t.pass('unblocked, it stopped')
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
  t.same(got, { ok: false, error: 'the parser failed: something went wrong' })
})

t.test('cancel ends the parse at once', async (t) => {
  const pending = loadConfigIsolated('hang', { timeoutMs: 60_000, script: MISBEHAVING })
  setTimeout(() => pending.cancel(), 200)
  t.same(await pending.done, { ok: false, error: 'cancelled' })
})
