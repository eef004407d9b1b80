// The notify FIFO across reloads: reopened when its path, script or script_user
// changes, left open otherwise (issue 8 item 2).
import t from 'tap'
import { NotifyFifoSlot } from '../../src/daemon/notify-fifo-slot.js'
import type { NotifyFifoOptions } from '../../src/io/notify-fifo.js'
import { makeConfig, makeInstance } from '../helpers/sim-config.js'
import type { GlobalDefs } from '../../src/config/model.js'

function harness() {
  const events: string[] = []
  let failNext = false
  const open = async (o: NotifyFifoOptions) => {
    if (failNext) {
      failNext = false
      return { ok: false as const, error: `cannot open notify FIFO ${o.path}` }
    }
    events.push(`open ${o.path}${o.script ? ` ${o.script.join(' ')} as ${o.credentials?.uid}` : ''}`)
    return {
      ok: true as const,
      fifo: {
        write: (_k: 'INSTANCE' | 'GROUP', name: string) => void events.push(`write ${o.path} ${name}`),
        close: async () => void events.push(`close ${o.path}`),
      },
    }
  }
  const creds = async (spec: { user: string } | undefined) => ({ ok: true as const, creds: { uid: spec?.user === 'nobody' ? 65534 : 0, gid: 0, label: spec?.user ?? 'root' } })
  const logs: string[] = []
  const slot = new NotifyFifoSlot('vrrpNotifyFifo', (_l, m) => void logs.push(m), open, creds)
  return { slot, events, logs, failOnce: () => (failNext = true) }
}

const cfg = (g: Partial<GlobalDefs>) => makeConfig([makeInstance()], { globalDefs: g })

t.test('open at start; an unchanged FIFO stays open across a reload; a new path reopens', async (t) => {
  const { slot, events } = harness()
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a' } }))
  slot.write('INSTANCE', 'VI_1', 'MASTER', 100)
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a' } }))
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/b' } }))
  slot.write('INSTANCE', 'VI_2', 'BACKUP', 100)
  await slot.apply(cfg({}))
  slot.write('INSTANCE', 'VI_3', 'BACKUP', 100)
  t.same(events, ['open /run/a', 'write /run/a VI_1', 'close /run/a', 'open /run/b', 'write /run/b VI_2', 'close /run/b'])
})

t.test('a new reader script or script_user reopens it; the other FIFO keyword is not this slot', async (t) => {
  const { slot, events } = harness()
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a', script: '/bin/reader' } }))
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a', script: '/bin/reader' }, scriptUser: 'nobody' }))
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a', script: '/bin/reader' }, scriptUser: 'nobody', notifyFifo: { path: '/run/global' } }))
  t.same(events, ['open /run/a /bin/reader as 0', 'close /run/a', 'open /run/a /bin/reader as 65534'])
})

t.test('a FIFO that failed to open is tried again at the next reload', async (t) => {
  const { slot, events, logs, failOnce } = harness()
  failOnce()
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a' } }))
  t.same(logs, ['cannot open notify FIFO /run/a'])
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a' } }))
  t.same(events, ['open /run/a'])
})

t.test("the script line's own user (notify_fifo_script COMMAND USER) wins over script_user", async (t) => {
  const { slot, events } = harness()
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a', script: '/bin/reader', scriptUser: { user: 'nobody' } }, scriptUser: 'root' }))
  await slot.apply(cfg({ vrrpNotifyFifo: { path: '/run/a', script: '/bin/reader' }, scriptUser: 'root' }))
  t.same(events, ['open /run/a /bin/reader as 65534', 'close /run/a', 'open /run/a /bin/reader as 0'])
})
