import t, { type Test } from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config/index.js'
import { DEFAULTS } from '../../../src/config/model.js'
import { GLOBAL_DEFS_IGNORED, GLOBAL_DEFS_KEYWORDS } from '../../../src/config/keywords/global-defs.js'

const load = (t: Test, globals: string) => {
  const dir = t.testdir({ 'k.conf': `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n` })
  // Scripts named here do not exist on this host: trust them (test/config/missing-scripts.test.ts drops missing ones).
  return loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, checkScript: (path) => ({ ok: true, path }) })
}

t.test('defaults without global_defs', async (t) => {
  const r = load(t, '')
  t.match(r.config.globalDefs, { vrrpVersion: 2, mcastGroup4: '224.0.0.18', mcastGroup6: 'ff02::12', garp: DEFAULTS.garp, vrrpStrict: false, enableScriptSecurity: false, notificationEmail: [] })
})

t.test('fifos, script_user, mail, max_auto_priority', async (t) => {
  const r = load(t, [
    'vrrp_notify_fifo /run/vrrp.fifo',
    'vrrp_notify_fifo_script "/usr/local/bin/fifo-reader --x"',
    'notify_fifo /run/all.fifo /usr/local/bin/all',
    'script_user nobody nogroup',
    'notification_email {\n a@x\n b@x\n}',
    'smtp_connect_timeout 2.5',
    'max_auto_priority',
    'vrrp_mcast_group6 FF02::0012',
    'vrrp_startup_delay 5.5',
  ].join('\n'))
  t.equal(r.exitCode, 0)
  const g = r.config.globalDefs
  t.same(g.vrrpNotifyFifo, { path: '/run/vrrp.fifo', script: '/usr/local/bin/fifo-reader --x' })
  t.same(g.notifyFifo, { path: '/run/all.fifo', script: '/usr/local/bin/all' })
  t.same([g.scriptUser, g.scriptGroup], ['nobody', 'nogroup'])
  t.same(g.notificationEmail, ['a@x', 'b@x'])
  t.equal(g.smtpConnectTimeoutMs, 2500)
  t.equal(g.maxAutoPriority, -1)
  t.equal(g.mcastGroup6, 'ff02::12')
  t.equal(g.startupDelayMs, 5500)
})

t.test("every other keepalived global is ignored with one warning, never an error", async (t) => {
  const r = load(t, GLOBAL_DEFS_IGNORED.map((k) => `${k} x`).join('\n'))
  t.equal(r.exitCode, 0)
  t.equal(r.diagnostics.length, GLOBAL_DEFS_IGNORED.length)
  t.ok(r.diagnostics.every((d) => d.severity === 'warning' && d.message.endsWith('is not supported by vrrpd and is ignored')))
  t.same(GLOBAL_DEFS_IGNORED.filter((k) => Object.hasOwn(GLOBAL_DEFS_KEYWORDS, k)), [], 'no keyword is both handled and ignored')
})
