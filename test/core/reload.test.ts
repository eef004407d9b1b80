import t from 'tap'
import { Harness, messages, ofType } from '../helpers/sim-core.js'
import { hostOpts, makeConfig, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { reloadRouter } from '../../src/core/index.js'
import type { VrrpInstance } from '../../src/config/model.js'

function masterOf(instances: VrrpInstance[]): Harness {
  const h = new Harness(makeConfig(instances, { scripts: [makeScript('chk')] }))
  h.step({ type: 'startup' }, 0)
  for (const i of instances) if (h.inst(i.name).state === 'BACKUP') h.fire(i.name)
  return h
}

t.test('a matched MASTER keeps state and stats, runs no notify, gets only the VIP diff', (t) => {
  // RFC 3768 6.4.3 (Master keeps its role); keepalived SIGHUP reload
  const h = masterOf([makeInstance({ virtualIpAddresses: [vip('10.0.0.100'), vip('10.0.0.101')] })])
  const sent = h.inst().stats.advertSent
  const next = makeConfig([makeInstance({ virtualIpAddresses: [vip('10.0.0.101'), vip('10.0.0.102')] })])
  const { router, actions } = reloadRouter(h.router, next, h.now + 10, hostOpts('10.0.0.1'))
  const inst = router.instances.get('VI_1')!
  t.equal(inst.state, 'MASTER')
  t.ok(inst.stats.advertSent >= sent)
  t.equal(inst.stats.becomeMaster, 1)
  t.same(ofType(actions, 'runNotify'), [])
  t.same(ofType(actions, 'stateChanged'), [])
  t.same(ofType(actions, 'removeVips').flatMap((a) => a.vips.map((v) => v.address)), ['10.0.0.100'])
  t.same(ofType(actions, 'addVips').flatMap((a) => a.vips.map((v) => v.address)), ['10.0.0.102'])
  t.same(ofType(actions, 'sendAdvert')[0]!.advert.ipAddresses, ['10.0.0.101', '10.0.0.102'], 'the new list goes out at once')
  t.equal(ofType(actions, 'armTimer').length, 1, 'its timer is re-armed')
  t.end()
})

t.test('a matched BACKUP gets no VIP actions', (t) => {
  // RFC 3768 6.4.2 (Backup holds no VIPs); keepalived SIGHUP reload
  const h = new Harness(makeConfig([makeInstance()]))
  h.step({ type: 'startup' }, 0)
  const { router, actions } = reloadRouter(h.router, makeConfig([makeInstance({ virtualIpAddresses: [vip('10.0.0.200')] })]), 5, hostOpts('10.0.0.1'))
  t.equal(router.instances.get('VI_1')!.state, 'BACKUP')
  t.same(ofType(actions, 'addVips').length + ofType(actions, 'removeVips').length, 0)
  t.equal(router.instances.get('VI_1')!.masterDownAt, h.inst().masterDownAt, 'down timer kept')
  t.end()
})

t.test('a deleted MASTER sends priority 0 and removes its VIPs; a new instance starts', (t) => {
  // RFC 3768 6.4.3 Shutdown for the removed instance
  const h = masterOf([makeInstance()])
  const next = makeConfig([makeInstance({ name: 'VI_9', virtualRouterId: 9 })])
  const { router, actions } = reloadRouter(h.router, next, h.now + 10, hostOpts('10.0.0.1'))
  t.same(ofType(actions, 'sendAdvert').map((a) => [a.instance, a.advert.priority]), [['VI_1', 0]])
  t.same(ofType(actions, 'removeVips').map((a) => a.instance), ['VI_1'])
  t.ok(ofType(actions, 'cancelTimer').some((a) => a.instance === 'VI_1'))
  t.equal(router.instances.get('VI_9')!.state, 'BACKUP')
  t.ok(messages(actions).includes('(VI_9) Entering BACKUP STATE (init)'))
  t.notOk(router.instances.has('VI_1'))
  t.end()
})

t.test('matching is by VRID + family + interface, across a rename', (t) => {
  // RFC 3768 7.1 (a virtual router is VRID on an interface); keepalived reload matching
  const h = masterOf([makeInstance()])
  const { router, actions } = reloadRouter(h.router, makeConfig([makeInstance({ name: 'WEB' })]), h.now + 1, hostOpts('10.0.0.1'))
  t.equal(router.instances.get('WEB')!.state, 'MASTER')
  t.ok(ofType(actions, 'cancelTimer').some((a) => a.instance === 'VI_1'))
  t.ok(ofType(actions, 'armTimer').some((a) => a.instance === 'WEB'))
  t.same(ofType(actions, 'removeVips'), [])
  const moved = reloadRouter(router, makeConfig([makeInstance({ name: 'WEB', interface: 'eth1' })]), h.now + 2, hostOpts('10.0.0.1', ['eth0', 'eth1']))
  t.equal(moved.router.instances.get('WEB')!.state, 'BACKUP', 'another interface is another instance')
  t.end()
})

t.test('a failing weight-0 script keeps the instance in FAULT across a reload: no BACKUP, no notify', (t) => {
  // keepalived vrrp.c clear_diff_script: "VRRP_Script(chk) considered unsuccessful on reload"
  const h = new Harness(makeConfig([makeInstance({ trackScripts: [track('chk', 0)], notify: { backup: '/bin/nb' } })], { scripts: [makeScript('chk')] }))
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, 1)
  t.equal(h.inst().state, 'FAULT')
  const { router, actions } = reloadRouter(h.router, h.router.config, 2, hostOpts('10.0.0.1'))
  t.equal(router.instances.get('VI_1')!.state, 'FAULT')
  t.same(ofType(actions, 'runNotify'), [], 'notify_backup does not run')
  t.same(ofType(actions, 'stateChanged'), [])
  t.same(messages(actions).filter((m) => /Entering/.test(m)), [])
  t.end()
})

t.test('a failing weighted script keeps its weight across a reload: the MASTER stays at its priority', (t) => {
  const cfg = (weight: number) => makeConfig([makeInstance({ trackScripts: [track('chk', weight)] })], { scripts: [makeScript('chk', { weight })] })
  const h = new Harness(cfg(-20))
  h.step({ type: 'startup' }, 0)
  h.fire()
  t.equal(h.inst().state, 'MASTER')
  h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, h.now + 1)
  t.equal(h.inst().effectivePriority, 80)
  const same = reloadRouter(h.router, cfg(-20), h.now + 2, hostOpts('10.0.0.1'))
  const inst = same.router.instances.get('VI_1')!
  t.equal(inst.state, 'MASTER')
  t.equal(inst.effectivePriority, 80, 'still 80, not back to 100')
  t.same(messages(same.actions).filter((m) => /priority|Entering/.test(m)), [], 'no priority change, no transition')
  t.same(ofType(same.actions, 'sendAdvert'), [], 'nothing changed: no extra advert')
  t.same(ofType(same.actions, 'addVips').length + ofType(same.actions, 'removeVips').length + ofType(same.actions, 'runNotify').length, 0)
  // A changed weight applies to the kept result (the script is matched by name).
  const heavier = reloadRouter(same.router, cfg(-30), h.now + 3, hostOpts('10.0.0.1'))
  t.equal(heavier.router.instances.get('VI_1')!.effectivePriority, 70)
  t.ok(messages(heavier.actions).includes('(VI_1) Changing effective priority from 80 to 70'))
  t.end()
})

t.test('a script removed by reload no longer counts; a new one starts as at startup', (t) => {
  const h = new Harness(makeConfig([makeInstance({ trackScripts: [track('chk', 0)] })], { scripts: [makeScript('chk')] }))
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'trackChanged', kind: 'script', name: 'chk', ok: false }, 1)
  t.equal(h.inst().state, 'FAULT')
  const untracked = reloadRouter(h.router, makeConfig([makeInstance()]), 2, hostOpts('10.0.0.1'))
  t.equal(untracked.router.instances.get('VI_1')!.state, 'BACKUP', 'the fault left with the script')
  t.notOk(untracked.router.trackValues.has('script:chk'))
  // Back under the same name: a new script, OK until it reports (init_fail: FAILED).
  const fresh = reloadRouter(untracked.router, makeConfig([makeInstance({ trackScripts: [track('chk', 0)] })], { scripts: [makeScript('chk')] }), 3, hostOpts('10.0.0.1'))
  t.equal(fresh.router.instances.get('VI_1')!.state, 'BACKUP')
  const initFail = reloadRouter(fresh.router, makeConfig([makeInstance({ trackScripts: [track('other', 0)] })], { scripts: [makeScript('other', { initFail: true })] }), 4, hostOpts('10.0.0.1'))
  t.equal(initFail.router.instances.get('VI_1')!.state, 'FAULT', 'a new init_fail script starts FAILED')
  t.end()
})

t.test('track files keep their value across a reload', (t) => {
  // RFC 3768 5.3.4 Priority; keepalived reload
  const h = new Harness(makeConfig([makeInstance({ trackFiles: [track('f', 1)] })]))
  h.step({ type: 'startup' }, 0)
  h.step({ type: 'trackChanged', kind: 'file', name: 'f', ok: true, value: 20 }, 1)
  const { router } = reloadRouter(h.router, h.router.config, 2, hostOpts('10.0.0.1'))
  t.equal(router.instances.get('VI_1')!.effectivePriority, 120)
  t.end()
})
