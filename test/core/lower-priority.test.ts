// A MASTER hearing a lower priority (keepalived vrrp.c vrrp_state_master_rx):
// GARPs now and after garp_lower_prio_delay, the sync group's other masters too,
// and the MASTER_RX_LOWER_PRI event; priority changes as FIFO events; the
// firewall drop rule's log lines around the VIPs.
import t from 'tap'
import { Harness, messages, ofType } from '../helpers/sim-core.js'
import { advertFrom, makeConfig, makeGroup, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { DEFAULTS, type VrrpInstance } from '../../src/config/model.js'
import type { Advert } from '../../src/protocol/types.js'

const garp = (over: Partial<VrrpInstance['garp']>) => ({ ...DEFAULTS.garp, masterDelayMs: 0, masterRefreshMs: 0, ...over })

function master(over: Partial<VrrpInstance> = {}): Harness {
  const h = new Harness(makeConfig([makeInstance(over)]))
  h.step({ type: 'startup' }, 0)
  h.fire()
  if (h.inst().state !== 'MASTER') throw new Error('not master')
  return h
}
function rx(h: Harness, advert: Partial<Advert>, at: number, name = 'VI_1', source = '10.0.0.2') {
  const base = advertFrom(h.inst(name).config)
  return h.step({ type: 'advertReceived', interface: h.inst(name).config.interface, source, advert: { ...base, ...advert } }, at)
}

t.test('a lower priority: GARPs now and after the delay, and the MASTER_RX_LOWER_PRI event with our priority', (t) => {
  const h = master({ priority: 100, garp: garp({ lowerPrioRepeat: 2, lowerPrioDelayMs: 3000 }) })
  const start = h.now
  const actions = rx(h, { priority: 50 }, start + 100)
  t.same(ofType(actions, 'sendGarp').map((a) => [a.repeat, a.vips.map((v) => v.address)]), [[2, ['10.0.0.100']]], 'a burst of garp_lower_prio_repeat at once')
  t.same(ofType(actions, 'instanceEvent'), [{ type: 'instanceEvent', instance: 'VI_1', event: 'MASTER_RX_LOWER_PRI', priority: 100 }])
  t.equal(h.inst().garpLowerPrioAt, start + 3100, 'the repeat is due after garp_lower_prio_delay')
  // The advert timer fires in between; the delayed burst comes at its own deadline.
  while ((h.inst().armedAt ?? Infinity) < start + 3100) h.fire()
  const later = h.fire()
  t.equal(h.now, start + 3100)
  t.same(ofType(later, 'sendGarp').map((a) => a.repeat), [2], 'the same burst again after the delay')
  t.equal(h.inst().garpLowerPrioAt, undefined)
  t.end()
})

t.test('repeat 0: no GARPs and no timer; the event still comes (keepalived sends it unconditionally)', (t) => {
  const h = master({ garp: garp({ lowerPrioRepeat: 0, lowerPrioDelayMs: 3000 }), lowerPrioNoAdvert: true })
  const actions = rx(h, { priority: 50 }, h.now + 100)
  t.same(ofType(actions, 'sendGarp'), [])
  t.same(ofType(actions, 'sendAdvert'), [], 'lower_prio_no_advert: no advert either')
  t.equal(h.inst().garpLowerPrioAt, undefined)
  t.equal(ofType(actions, 'instanceEvent').length, 1)
  t.end()
})

t.test('equal priority from a lower address counts as lower; higher priority and priority 0 do not', (t) => {
  const h = master({ priority: 100 })
  t.equal(ofType(rx(h, { priority: 100 }, h.now + 100, 'VI_1', '10.0.0.0'), 'instanceEvent').length, 1, 'same priority, lower address')
  t.equal(ofType(rx(h, { priority: 0 }, h.now + 2000), 'instanceEvent').length, 0, 'priority 0')
  const higher = rx(h, { priority: 200 }, h.now + 2000)
  t.equal(ofType(higher, 'instanceEvent').length, 0, 'higher priority')
  t.equal(h.inst().state, 'BACKUP')
  t.end()
})

t.test('a flood of lower adverts is followed up at most once per half interval', (t) => {
  const h = master({ advertIntervalMs: 1000, garp: garp({ lowerPrioRepeat: 1, lowerPrioDelayMs: 0 }) })
  const start = h.now
  let events = 0
  let bursts = 0
  for (let i = 1; i <= 100; i++) {
    const a = rx(h, { priority: 50 }, start + i * 4)
    events += ofType(a, 'instanceEvent').length
    bursts += ofType(a, 'sendGarp').length
  }
  t.equal(events, 1, '100 adverts in 400 ms: one event')
  t.equal(bursts, 1, 'and one burst')
  const next = rx(h, { priority: 50 }, start + 1000)
  t.equal(ofType(next, 'instanceEvent').length, 1, "the lower master's next advert, one interval on, is followed up")
  t.end()
})

t.test("the sync group's other MASTER members send their lower-priority GARPs too", (t) => {
  const cfg = makeConfig(
    [
      makeInstance({ name: 'VI_1', garp: garp({ lowerPrioRepeat: 1, lowerPrioDelayMs: 0 }) }),
      makeInstance({ name: 'VI_2', interface: 'eth1', virtualRouterId: 52, virtualIpAddresses: [vip('10.1.0.100', 'eth1')], garp: garp({ lowerPrioRepeat: 3, lowerPrioDelayMs: 0 }) }),
    ],
    { syncGroups: [makeGroup('G1', ['VI_1', 'VI_2'])] },
  )
  const h = new Harness(cfg, '10.0.0.1', ['eth0', 'eth1'])
  h.step({ type: 'startup' }, 0)
  h.fire('VI_1')
  h.fire('VI_2')
  t.same([h.inst('VI_1').state, h.inst('VI_2').state], ['MASTER', 'MASTER'])
  const actions = rx(h, { priority: 50 }, h.now + 100)
  t.same(ofType(actions, 'sendGarp').map((a) => [a.instance, a.repeat]), [['VI_1', 1], ['VI_2', 3]])
  t.same(ofType(actions, 'instanceEvent').map((a) => a.instance), ['VI_1'], 'the event is the receiving instance only')
  t.end()
})

t.test('notify_priority_changes: a FIFO event per effective priority change, by state', (t) => {
  const cfg = (notifyPriorityChanges: boolean) =>
    makeConfig([makeInstance({ priority: 100, trackScripts: [track('chk', -20)], notifyPriorityChanges })], { scripts: [makeScript('chk', { weight: -20 })] })
  const h = new Harness(cfg(true))
  h.step({ type: 'startup' }, 0)
  const down = h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, 10)
  t.same(ofType(down, 'instanceEvent'), [{ type: 'instanceEvent', instance: 'VI_1', event: 'BACKUP_PRIORITY', priority: 80 }])
  h.fire()
  t.equal(h.inst().state, 'MASTER')
  const up = h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: true }, h.now + 10)
  t.same(ofType(up, 'instanceEvent'), [{ type: 'instanceEvent', instance: 'VI_1', event: 'MASTER_PRIORITY', priority: 100 }])
  const off = new Harness(cfg(false))
  off.step({ type: 'startup' }, 0)
  t.same(ofType(off.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, 10), 'instanceEvent'), [], 'off: none')
  t.end()
})

t.test('the firewall drop rule is set before the VIPs and removed after them, without accept mode only', (t) => {
  const lines = (over: Partial<VrrpInstance>) => {
    const h = new Harness(makeConfig([makeInstance(over)]))
    const started = h.step({ type: 'startup' }, 0)
    const up = messages([...started, ...(h.inst().state === 'MASTER' ? [] : h.fire())]).filter((m) => /VIPs|firewall/.test(m))
    const down = messages(h.step({ type: 'shutdown' }, h.now + 10)).filter((m) => /VIPs|firewall/.test(m))
    return [...up, ...down]
  }
  t.same(lines({ accept: false, priority: 100 }), ['(VI_1) setting firewall drop rule', '(VI_1) setting VIPs.', '(VI_1) removing VIPs.', '(VI_1) removing firewall drop rule'])
  t.same(lines({ accept: true }), ['(VI_1) setting VIPs.', '(VI_1) removing VIPs.'], 'accept mode: no rule')
  t.same(lines({ accept: false, priority: 255 }), ['(VI_1) setting VIPs.', '(VI_1) removing VIPs.'], 'the address owner: no rule')
  t.end()
})
