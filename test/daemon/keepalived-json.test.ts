// keepalived.json and keepalived.stats from vrrpd's view, read with
// keepalived-exporter's rules (the lab test keepalived-dumps compares them with
// keepalived's own files).
import t from 'tap'
import { createRouter, describeRouter } from '../../src/core/index.js'
import type { DumpInput } from '../../src/daemon/keepalived-data.js'
import { KEEPALIVED_STATE_NUMBERS, renderKeepalivedJson, renderKeepalivedStats } from '../../src/daemon/keepalived-json.js'
import { hostOpts, makeConfig, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { parseJson, parseStats } from '../helpers/keepalived-exporter-rules.js'

function input(state: 'MASTER' | 'BACKUP' | 'FAULT' | 'INIT'): DumpInput {
  const config = makeConfig(
    [makeInstance({ virtualIpAddresses: [vip('10.0.0.100', 'eth0', 24)], trackScripts: [track('chk')], notify: { master: '/bin/true master' } })],
    { scripts: [makeScript('chk', { script: '/bin/true' })] },
  )
  const router = createRouter(config, hostOpts('10.0.0.1'))
  const view = describeRouter(router)
  const i = view.instances[0]!
  i.state = state
  i.masterPriority = state === 'BACKUP' ? 200 : null
  i.stats = { ...i.stats, advertSent: 7, priZeroSent: 1, dropped: { authData: 2, addressList: 1, addressCount: 1, checksum: 5 } }
  return { view: { daemon: { name: 'vrrpd', pid: 1, startedAt: '', config: 'x' }, instances: view.instances, syncGroups: [], unattributedDrops: {} }, config, interfaces: new Map(), lastTransition: new Map([['VI_1', 1_700_000_000_123.456]]), now: 1_700_000_001_000 }
}

t.test('keepalived.json: keepalived\'s keys, state numbers and the exporter\'s types', (t) => {
  for (const state of ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const) {
    const text = renderKeepalivedJson(input(state))!
    const [e] = parseJson(text)
    t.equal(e!.data.state, KEEPALIVED_STATE_NUMBERS[state], `${state} is ${KEEPALIVED_STATE_NUMBERS[state]}`)
    t.equal(e!.data.state, ['INIT', 'BACKUP', 'MASTER', 'FAULT'].indexOf(state), "the exporter's VRRPStates order")
  }
  const text = renderKeepalivedJson(input('MASTER'))!
  t.notMatch(text, /[^\\]\//, 'every / escaped as keepalived writes it')
  const [e] = parseJson(text)
  t.same(e!.data.vips, ['10.0.0.100/24 dev eth0 scope global set'])
  t.equal(e!.data.vipset, true)
  t.equal(e!.data.master_priority, 0, 'a master reports 0, as keepalived')
  t.equal(e!.data.last_transition, 1_700_000_000.123456, 'seconds with microseconds')
  t.match(e!.data.script_master, /^'\/.*true' 'master'$/, 'notify scripts as cmd_str')
  t.match((e!.data.track_script as string[])[0], /^'\/.*true'$/, 'tracked scripts by command')
  t.match(e!.stats, { advert_sent: 7, pri_zero_sent: 1, auth_failure: 2, addr_list_err: 2 }, 'keepalived counters from vrrpd drop reasons')
  const backup = parseJson(renderKeepalivedJson(input('BACKUP'))!)[0]!
  t.equal(backup.data.master_priority, 200)
  t.equal(backup.data.vipset, false)
  t.same(backup.data.vips, ['10.0.0.100/24 dev eth0 scope global'], 'no "set" while the VIPs are not on')
  const empty = input('MASTER')
  empty.view.instances = []
  t.equal(renderKeepalivedJson(empty), undefined, 'no instances: no file, as keepalived')
  t.end()
})

t.test('keepalived.stats: keepalived\'s lines only, parsed by the exporter', (t) => {
  const text = renderKeepalivedStats(input('MASTER').view)
  const stats = parseStats(text).get('VI_1')!
  t.match(stats, { advert_sent: 7, auth_failure: 2, addr_list_err: 2, pri_zero_sent: 1, become_master: 0 })
  t.equal(Object.keys(stats).length, 14, "all of keepalived's 14 counters")
  t.notMatch(text, /checksum|Dropped/, 'no vrrpd-only counter')
  t.equal(text.split('\n').filter(Boolean).length, 19, "keepalived's 19 lines per instance")
  t.end()
})
