// The VIP worker over fake ports: VIP changes in order per instance, GARP bursts
// after the VIPs they announce, and no GARP for a VIP once it has been released
// (issue 8 item 8: a burst with vrrp_garp_interval used to outlive the release).
import t from 'tap'
import type { VipEntry } from '../../src/config/model.js'
import { RateLimiter } from '../../src/daemon/drop-counters.js'
import { VipWorker } from '../../src/daemon/vip-worker.js'
import type { InterfaceInfo } from '../../src/io/ports.js'
import { createLogger } from '../../src/log.js'
import { until } from '../helpers/until.js'

const at = { file: 'test.conf', line: 1 }
const vip = (address: string): VipEntry => ({ address, family: 4, prefixLength: 24, dev: 'eth0', at })
const ETH0: InterfaceInfo = { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', up: true, addresses: [] }

function worker() {
  const events: string[] = []
  const w = new VipWorker({
    addresses: {
      add: async (v) => {
        await new Promise((r) => setTimeout(r, 5))
        events.push(`add ${v.address}`)
        return { ok: true }
      },
      remove: async (v) => {
        events.push(`remove ${v.address}`)
        return { ok: true }
      },
      has: async () => false,
    },
    garp: {
      send: (_iface, address) => {
        events.push(`garp ${address}`)
        return { ok: true }
      },
      close: () => {},
    },
    iface: (name) => (name === 'eth0' ? ETH0 : undefined),
    log: createLogger({ format: 'text', level: 'fatal', write: () => {} }),
    limiter: new RateLimiter(10_000),
    now: () => performance.now(),
    onFailure: () => {},
  })
  return { w, events }
}

t.test('GARPs leave only after the VIP is added', async (t) => {
  const { w, events } = worker()
  w.add('VI_1', [vip('10.0.0.100')])
  w.garp('VI_1', [vip('10.0.0.100')], 2, 0)
  await w.settle()
  t.same(events, ['add 10.0.0.100', 'garp 10.0.0.100', 'garp 10.0.0.100'])
})

t.test('releasing the VIP cancels a running burst at once: no GARP after the removal', async (t) => {
  const { w, events } = worker()
  const v = vip('10.0.0.100')
  // vrrp_garp_interval 1 s, 3 GARPs: left alone, the burst would run for 2 s and more.
  w.add('VI_1', [v])
  w.garp('VI_1', [v], 3, 1000)
  t.ok(await until(() => events.includes('garp 10.0.0.100')), 'the burst started')
  const released = performance.now()
  w.remove('VI_1', [v])
  await w.settle()
  const waited = performance.now() - released
  t.ok(waited < 1500, `the removal did not wait behind the burst (${Math.round(waited)} ms)`)
  t.same(events, ['add 10.0.0.100', 'garp 10.0.0.100', 'remove 10.0.0.100'], 'one GARP, then the removal, then nothing')
  await new Promise((r) => setTimeout(r, 1200))
  t.same(events.slice(3), [], 'no GARP later either')
})

t.test('a burst queued behind the add is cancelled before it starts', async (t) => {
  const { w, events } = worker()
  const v = vip('10.0.0.100')
  w.add('VI_1', [v])
  w.garp('VI_1', [v], 5, 0)
  w.remove('VI_1', [v])
  await w.settle()
  t.same(events, ['add 10.0.0.100', 'remove 10.0.0.100'])
})

t.test('removing one VIP stops its GARPs only; the other VIPs of the burst keep theirs', async (t) => {
  const { w, events } = worker()
  const [a, b] = [vip('10.0.0.100'), vip('10.0.0.101')]
  w.add('VI_1', [a, b])
  w.garp('VI_1', [a, b], 3, 100)
  t.ok(await until(() => events.includes('garp 10.0.0.101')))
  w.remove('VI_1', [a])
  await w.settle()
  const cut = events.indexOf('remove 10.0.0.100')
  t.notOk(events.slice(cut).includes('garp 10.0.0.100'), 'no GARP for the removed VIP after its removal')
  t.equal(events.filter((e) => e === 'garp 10.0.0.101').length, 3, 'the kept VIP got its whole burst')
})

t.test("another instance's removal does not cancel this instance's burst; a new burst after a re-add runs", async (t) => {
  const { w, events } = worker()
  const v = vip('10.0.0.100')
  w.add('VI_1', [v])
  w.garp('VI_1', [v], 2, 20)
  w.remove('VI_2', [v])
  await w.settle()
  t.equal(events.filter((e) => e === 'garp 10.0.0.100').length, 2)
  events.length = 0
  w.remove('VI_1', [v])
  w.add('VI_1', [v])
  w.garp('VI_1', [v], 2, 0)
  await w.settle()
  t.same(events, ['remove 10.0.0.100', 'add 10.0.0.100', 'garp 10.0.0.100', 'garp 10.0.0.100'])
})

t.test('the first GARP leaves on the ACK of the add, in the same turn of the event loop', async (t) => {
  // The rtnetlink manager resolves as soon as the kernel's ACK is read (it is queued
  // inside sendto): nothing may put a timer or an I/O round between that and the GARP.
  const events: string[] = []
  const w = new VipWorker({
    addresses: { add: async (v) => (events.push(`add ${v.address}`), { ok: true }), remove: async () => ({ ok: true }), has: async () => false },
    garp: { send: (_iface, address) => (events.push(`garp ${address}`), { ok: true }), close: () => {} },
    iface: () => ETH0,
    log: createLogger({ format: 'text', level: 'fatal', write: () => {} }),
    limiter: new RateLimiter(10_000),
    now: () => performance.now(),
    onFailure: () => {},
  })
  setImmediate(() => events.push('next turn'))
  w.add('VI_1', [vip('10.0.0.100')])
  w.garp('VI_1', [vip('10.0.0.100')], 1, 0)
  await w.settle()
  t.same(events, ['add 10.0.0.100', 'garp 10.0.0.100'], 'sent before the loop turned')
  await new Promise((r) => setImmediate(r))
  t.same(events, ['add 10.0.0.100', 'garp 10.0.0.100', 'next turn'])
})
