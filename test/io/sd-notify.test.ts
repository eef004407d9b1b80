// systemd's notify protocol, in-process: a test socket stands in for systemd.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createSdNotifier, statusSummary } from '../../src/io/sd-notify.js'
import { openUnixDatagram, type UnixDatagramSocket } from '../../src/io/unix-datagram.js'

function listener(t: { teardown(fn: () => void): void }): { name: string; socket: UnixDatagramSocket; drain(): string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'vrt-sdnotify-'))
  const name = join(dir, 'notify.sock')
  const socket = openUnixDatagram(name)
  t.teardown(() => {
    socket.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    name,
    socket,
    drain() {
      const out: string[] = []
      for (let m = socket.tryReceive(); m; m = socket.tryReceive()) out.push(m.toString())
      return out
    },
  }
}

t.test('READY, STATUS, RELOADING, STOPPING arrive in order; the variables leave the environment', async (t) => {
  const l = listener(t)
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: l.name, PATH: '/bin' }
  const sd = createSdNotifier({ env, monotonicUsec: () => 1234n })
  t.equal(sd.enabled, true)
  t.same(Object.keys(env), ['PATH'], 'NOTIFY_SOCKET is not inherited by scripts')
  sd.ready('1 instance: VI_1 BACKUP')
  sd.status('1 instance: VI_1\nMASTER')
  sd.reloading()
  sd.ready('1 instance: VI_1 MASTER')
  sd.stopping()
  sd.close()
  t.same(l.drain(), [
    'READY=1\nSTATUS=1 instance: VI_1 BACKUP',
    'STATUS=1 instance: VI_1 MASTER',
    'RELOADING=1\nMONOTONIC_USEC=1234',
    'READY=1\nSTATUS=1 instance: VI_1 MASTER',
    'STOPPING=1',
  ])
})

t.test('an abstract NOTIFY_SOCKET (@name), as systemd may give', async (t) => {
  const name = `@vrt-sdnotify-${process.pid}-${Date.now()}`
  const socket = openUnixDatagram(name)
  t.teardown(() => socket.close())
  const sd = createSdNotifier({ env: { NOTIFY_SOCKET: name } })
  sd.ready('0 instances')
  sd.stopping()
  sd.close()
  t.equal(socket.tryReceive()?.toString(), 'READY=1\nSTATUS=0 instances')
  t.equal(socket.tryReceive()?.toString(), 'STOPPING=1')
})

t.test('without NOTIFY_SOCKET nothing is sent and nothing fails', async (t) => {
  const sd = createSdNotifier({ env: {} })
  t.equal(sd.enabled, false)
  t.equal(sd.watchdogMs, undefined)
  sd.ready('x')
  sd.startWatchdog()
  sd.close()
  t.pass()
})

t.test('an unreachable socket is warned about once, not thrown', async (t) => {
  const warnings: string[] = []
  const sd = createSdNotifier({ env: { NOTIFY_SOCKET: '/nonexistent/vrt/notify.sock' }, warn: (m) => warnings.push(m) })
  sd.ready()
  sd.status('a')
  sd.stopping()
  sd.close()
  t.equal(warnings.length, 1)
  t.match(warnings[0], /notify socket \/nonexistent\/vrt\/notify\.sock: No such file/)
})

t.test('the watchdog pings from the event loop at a third of WATCHDOG_USEC', async (t) => {
  const l = listener(t)
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: l.name, WATCHDOG_USEC: '300000', WATCHDOG_PID: String(process.pid) }
  const sd = createSdNotifier({ env })
  t.equal(sd.watchdogMs, 300)
  t.equal(env.WATCHDOG_USEC, undefined, 'WATCHDOG_USEC is not inherited either')
  sd.startWatchdog()
  await sleep(1000)
  sd.close()
  const pings = l.drain().filter((m) => m === 'WATCHDOG=1')
  // One at once, then every 100 ms: about 11 in a second; a loaded machine may run late.
  t.ok(pings.length >= 4, `${pings.length} pings in 1 s with a 300 ms watchdog`)
  await sleep(300)
  t.same(l.drain(), [], 'no ping after close')
})

t.test("WATCHDOG_PID of another process: the watchdog is not ours", async (t) => {
  const sd = createSdNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid + 1) } })
  t.equal(sd.watchdogMs, undefined)
})

t.test('STATUS summary: names up to 8 instances, then counts per state', async (t) => {
  t.equal(statusSummary([]), '0 instances')
  t.equal(statusSummary([{ name: 'VI_1', state: 'MASTER' }]), '1 instance: VI_1 MASTER')
  t.equal(statusSummary([{ name: 'VI_1', state: 'MASTER' }, { name: 'VI_2', state: 'BACKUP' }]), '2 instances: VI_1 MASTER, VI_2 BACKUP')
  const many = Array.from({ length: 10 }, (_, i) => ({ name: `VI_${i}`, state: i < 7 ? 'MASTER' : 'BACKUP' }))
  t.equal(statusSummary(many), '10 instances: 7 MASTER, 3 BACKUP')
})
