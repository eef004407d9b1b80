// keepalived's per-instance rules, each on a minimal config.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'

const run = (t: Test, body: string, global = '') => {
  // A VIP unless the case gives its own: without one keepalived reports "No VIP specified".
  const vip = body.includes('virtual_ipaddress') ? '' : ' virtual_ipaddress {\n  10.9.9.9\n }\n'
  const dir = t.testdir({ 'k.conf': `global_defs {\n${global}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n${vip}${body}\n}\n` })
  const r = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true })
  return { r, i: r.config.instances[0], msgs: r.diagnostics.map((d) => `${d.severity}: ${d.message}`) }
}

t.test('state and priority defaults', async (t) => {
  t.match(run(t, 'state MASTER').i, { initialState: 'MASTER', priority: 255 }, 'state MASTER without priority -> 255')
  t.match(run(t, 'priority 255').i, { initialState: 'MASTER' }, 'no state, priority 255 -> MASTER')
  t.match(run(t, '').i, { initialState: 'BACKUP', priority: 100 }, 'no state -> BACKUP, default priority 100')
  t.match(run(t, 'state MASTER\npriority 120').i, { initialState: 'MASTER', priority: 120 })
  t.match(run(t, 'state BACKUP\nstate MASTER').i, { initialState: 'MASTER' }, 'the last of a repeated keyword wins')
})

t.test('an IPv6 VIP forces version 3', async (t) => {
  const a = run(t, 'virtual_ipaddress {\n fe80::1\n}')
  t.match(a.i, { family: 6, version: 3 })
  t.same(a.msgs, [])
  const b = run(t, 'version 2\nvirtual_ipaddress {\n fe80::1\n}')
  t.match(b.i, { version: 3 })
  t.same(b.msgs, ['warning: (VI_1) cannot use IPv6 with VRRP version 2; setting version 3'])
  t.match(run(t, 'virtual_ipaddress {\n fe80::1\n}', 'vrrp_version 2').i, { version: 3 }, 'also over the global')
})

t.test('advert_int: v2 whole seconds, v3 10 ms steps', async (t) => {
  t.match(run(t, 'advert_int 2.6').i, { advertIntervalMs: 3000 })
  t.match(run(t, 'version 3\nadvert_int 0.01').i, { advertIntervalMs: 10 })
  t.match(run(t, 'version 3\nadvert_int 40.95').i, { advertIntervalMs: 40950 })
  t.same(run(t, 'version 3\nadvert_int 60').msgs, ['warning: (VI_1) advert_int 60 is outside 0.01..40.95 or not in 10 ms steps for VRRPv3; using 40.95'])
  t.same(run(t, 'advert_int 0.4').msgs, ['warning: (VI_1) advert_int 0.4 is not a whole number of seconds (1..255) for VRRPv2; using 1'])
})

t.test('vrrp_strict defaults and rules', async (t) => {
  const s = run(t, 'priority 255\nvirtual_ipaddress {\n 10.0.0.1\n}', 'vrrp_strict')
  // keepalived: the address owner accepts unless told otherwise, strict or not.
  t.match(s.i, { strictMode: true, accept: true, lowerPrioNoAdvert: true, higherPrioSendAdvert: false })
  t.match(s.i?.garp, { lowerPrioRepeat: 0, lowerPrioDelayMs: 0 })
  t.same(s.msgs, [])
  t.match(run(t, 'priority 100', 'vrrp_strict').i, { accept: false }, 'strict: a non-owner defaults to no_accept')
  t.match(run(t, 'strict_mode\nversion 3\naccept').i, { strictMode: true, accept: true }, 'accept wins when written (VRRPv3)')
  const v2 = run(t, 'strict_mode\naccept\ngarp_lower_prio_repeat 3\ngarp_lower_prio_delay 2\nlower_prio_no_advert off')
  t.match(v2.i, { accept: false, lowerPrioNoAdvert: true })
  t.match(v2.i?.garp, { lowerPrioRepeat: 0, lowerPrioDelayMs: 0 })
  t.same(v2.msgs, [
    'error: (VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
    'error: (VI_1) Strict mode requires no repeat garps. resetting',
    'error: (VI_1) Strict mode requires no repeat garp delay. resetting',
    'error: (VI_1) Strict mode requires no lower priority advert. resetting',
  ], "keepalived's errors, in its order")
  t.match(run(t, 'no_accept\nversion 3').i, { strictMode: false, accept: false }, 'no_accept without strict mode')
})

t.test('an IPv6 instance whose first VIP is not link-local', async (t) => {
  const six = 'virtual_ipaddress {\n 2001:db8::1\n fe80::1\n}'
  t.same(run(t, six).msgs, ['warning: (VI_1) the first IPv6 VIP address should be link local'])
  t.same(run(t, `${six}\nstrict_mode`).msgs, ['error: (VI_1) the first IPv6 VIP address must be link local'])
  t.same(run(t, 'virtual_ipaddress {\n fe80::1\n 2001:db8::1\n}\nstrict_mode').msgs, [], 'link-local first: nothing')
  t.same(run(t, `${six}\nunicast_peer {\n 2001:db8::2\n}`).msgs, [], 'unicast: nothing (keepalived checks multicast only)')
})

t.test('nftables globals and notify_priority_changes', async (t) => {
  const g = run(t, 'notify_priority_changes off', 'nftables t1\nnftables_priority -5\nnftables_counters\nnftables_ifindex\nvrrp_notify_priority_changes')
  t.match(g.r.config.globalDefs, { nftablesTable: 't1', nftablesPriority: -5, nftablesCounters: true, nftablesIfindex: true, notifyPriorityChanges: true })
  t.equal(g.i?.notifyPriorityChanges, false, 'the instance keyword wins')
  t.equal(run(t, '', 'vrrp_notify_priority_changes').i?.notifyPriorityChanges, true, 'the global is the default')
  t.equal(run(t, '', 'nftables_priority -5\nnftables').r.config.globalDefs.nftablesPriority, -1, 'nftables resets the priority (keepalived)')
  t.equal(run(t, '', 'nftables').r.config.globalDefs.nftablesTable, 'keepalived', "keepalived's default name (vrrpd maps it to its own table)")
  t.same(run(t, '', 'nftables a\nnftables b\nnftables_priority x5\nvrrp_notify_priority_changes maybe').msgs, [
    'error: nftables already specified - ignoring',
    "error: invalid number 'x5'",
    "error: invalid nftables chain priority 'x5'",
    "error: Invalid value 'maybe' for global vrrp_notify_priority_changes specified",
  ])
})

t.test('vrrp_garp_interval 0 is accepted (keepalived rejects it)', async (t) => {
  const a = run(t, '', 'vrrp_garp_interval 0')
  t.equal(a.r.exitCode, 0)
  t.equal(a.i?.garp.intervalMs, 0)
})

t.test('global overrides reach the instance, instance keywords win', async (t) => {
  const a = run(t, 'garp_master_repeat 2\nskip_check_adv_addr off', 'vrrp_garp_master_repeat 9\nvrrp_garp_master_refresh 30\nvrrp_skip_check_adv_addr')
  t.match(a.i?.garp, { masterRepeat: 2, masterRefreshMs: 30000 })
  t.equal(a.i?.skipCheckAdvAddr, false)
})

t.test('preempt after nopreempt turns it back off; virtual_routes kept raw', async (t) => {
  const a = run(t, 'nopreempt\npreempt\nvirtual_routes {\n 10.1.0.0/16 via 10.0.0.254 dev eth0\n}')
  t.equal(a.i?.nopreempt, false)
  t.same(a.i?.virtualRoutes, ['10.1.0.0/16 via 10.0.0.254 dev eth0'])
})

t.test("notify_priority_changes: the instance's, else its sync group's, else the global", async (t) => {
  const dir = t.testdir({
    'k.conf': `global_defs {
 vrrp_notify_priority_changes off
}
vrrp_sync_group G1 {
 group {
  A
  B
 }
 notify_priority_changes
}
vrrp_instance A {
 interface eth0
 virtual_router_id 1
 virtual_ipaddress {
  10.0.0.1
 }
}
vrrp_instance B {
 interface eth0
 virtual_router_id 2
 notify_priority_changes off
 virtual_ipaddress {
  10.0.0.2
 }
}
vrrp_instance C {
 interface eth0
 virtual_router_id 3
 virtual_ipaddress {
  10.0.0.3
 }
}
`,
  })
  const r = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true })
  t.same(r.config.instances.map((i) => [i.name, i.notifyPriorityChanges]), [['A', true], ['B', false], ['C', false]])
})
