// The logger's bounded queue: when the destination stops reading (a stalled
// journald, a full pipe), lines are dropped and counted instead of piling up in
// memory, and the first line that fits again says how many were lost.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readSync, constants } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { boundedWriter, createLogger, droppedLogLines, formatTextLine, type QueueDestination } from '../src/log.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

t.test('text lines keep the keepalived wording at the end', async (t) => {
  const line = formatTextLine(JSON.stringify({ level: 30, time: 0, msg: '(VI_1) Entering MASTER STATE', instance: 'VI_1' }))
  t.equal(line, '1970-01-01T00:00:00.000Z INFO  (VI_1) Entering MASTER STATE')
})

t.test('a dropped line is counted and reported by the next line that fits', async (t) => {
  const written: string[] = []
  let full = true
  const listeners: Record<string, ((arg: unknown) => void)[]> = {}
  const dest: QueueDestination = {
    write(data) {
      if (full) for (const fn of listeners.drop ?? []) fn(data)
      else written.push(data)
      return true
    },
    on(event, fn) {
      ;(listeners[event] ??= []).push(fn)
      return dest
    },
  }
  const write = boundedWriter(dest, 'text')
  for (let i = 0; i < 3; i++) write(`line ${i}\n`)
  full = false
  write('line 3\n')
  t.equal(written.length, 2)
  t.match(written[0], /WARN  3 log lines dropped: the log destination is slower/)
  t.equal(written[1], 'line 3\n')
})

t.test('a destination that stops reading: memory stays flat, drops are counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-log-'))
  const fifo = join(dir, 'stalled')
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo')
  // The reader end exists (so the writer can open) but reads nothing until the end.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  const writer = openSync(fifo, constants.O_WRONLY)
  const log = createLogger({ format: 'text', level: 'info', fd: writer, maxQueueBytes: 256 * 1024 })
  const droppedBefore = droppedLogLines()
  gc()
  const base = process.memoryUsage().heapUsed + process.memoryUsage().external
  for (let i = 0; i < 200_000; i++) log.warn(`(VI_1) dropped advert from 10.0.${i >> 8 & 255}.${i & 255} on eth0: vrid (no instance for VRID 52 on eth0)`)
  gc()
  const grown = process.memoryUsage().heapUsed + process.memoryUsage().external - base
  const dropped = droppedLogLines() - droppedBefore
  t.ok(dropped > 150_000 && dropped < 200_000, `most lines were dropped while nobody read (${dropped})`)
  t.ok(grown < 8 * 1024 * 1024, `memory grew ${(grown / 1024).toFixed(0)} KiB for 200k lines (about 25 MB of text)`)

  // Read what was queued; then one more line goes out with the drop notice before it.
  const buf = Buffer.alloc(1 << 20)
  let text = ''
  const drain = async () => {
    for (let idle = 0; idle < 20; ) {
      try {
        const n = readSync(reader, buf)
        if (n > 0) text += buf.subarray(0, n).toString()
        idle = 0
      } catch {
        idle++
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }
  await drain()
  log.warn('after the stall')
  await drain()
  t.match(text, new RegExp(`WARN  \\d+ log lines dropped: the log destination is slower than the daemon writes`))
  t.match(text, /WARN  after the stall\n/)
  closeSync(reader)
})
