import t, { type Test } from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config/index.js'
import { DEFAULTS } from '../../../src/config/model.js'
import { GLOBAL_DEFS_IGNORED, GLOBAL_DEFS_KEYWORDS } from '../../../src/config/keywords/global-defs.js'

const load = (t: Test, globals: string) => {
  const dir = t.testdir({ 'k.conf': `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.9.9.9\n }\n}\n` })
  // The fifo scripts "exist and are safe", so that the host does not decide.
  return loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, checkScript: (c) => ({ ok: true, path: c }) })
}

t.test('defaults without global_defs', async (t) => {
  const r = load(t, '')
  t.match(r.config.globalDefs, { vrrpVersion: 2, mcastGroup4: '224.0.0.18', mcastGroup6: 'ff02::12', garp: DEFAULTS.garp, vrrpStrict: false, enableScriptSecurity: false, notificationEmail: [] })
})

t.test('fifos, script_user, mail, max_auto_priority', async (t) => {
  const r = load(t, [
    'vrrp_notify_fifo /run/vrrp.fifo',
    'vrrp_notify_fifo_script "/usr/local/bin/fifo-reader --x"',
    'notify_fifo_script /usr/local/bin/all root',
    'notify_fifo /run/all.fifo',
    'script_user nobody nogroup',
    'notification_email {\n a@x\n b@x\n}',
    'smtp_connect_timeout 2.5',
    'max_auto_priority',
    'vrrp_mcast_group6 FF02::0012',
    'vrrp_startup_delay 5.5',
  ].join('\n'))
  t.equal(r.exitCode, 6, 'fifo scripts without enable_script_security: keepalived says 6 too')
  const g = r.config.globalDefs
  t.same(g.vrrpNotifyFifo, { path: '/run/vrrp.fifo', script: '/usr/local/bin/fifo-reader --x' })
  t.same(g.notifyFifo, { path: '/run/all.fifo', script: '/usr/local/bin/all', scriptUser: { user: 'root' } }, 'the script may come first; its user is word 2')
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

t.test('notify_fifo PATH [USER [GROUP]] and notify_fifo_script COMMAND [USER [GROUP]], as keepalived 2.2.7', async (t) => {
  // keepalived global_parser.c notify_fifo: the words after the path are the FIFO's owner, not a script.
  let r = load(t, ['vrrp_notify_fifo /run/v.fifo root root', 'vrrp_notify_fifo_script "/bin/reader a\\tb" root'].join('\n'))
  // The line is decoded once here (`\t` is a tab), the command again when run.
  t.same(r.config.globalDefs.vrrpNotifyFifo, { path: '/run/v.fifo', user: { user: 'root', group: 'root' }, script: '/bin/reader a\tb', scriptUser: { user: 'root' } })
  // A script given as the FIFO's user: keepalived ignores the FIFO ("Invalid user/group").
  r = load(t, 'vrrp_notify_fifo /run/v.fifo /usr/local/bin/reader')
  t.equal(r.config.globalDefs.vrrpNotifyFifo, undefined)
  t.match(r.diagnostics.map((d) => d.message), [/^Invalid user\/group for vrrp_ fifo \/run\/v\.fifo - ignoring/])
  t.equal(r.exitCode, 0, 'logged by keepalived, not a config error')
  // The first of each wins, with keepalived's errors.
  r = load(t, ['notify_fifo /run/a.fifo', 'notify_fifo /run/b.fifo', 'notify_fifo_script /bin/a', 'notify_fifo_script /bin/b'].join('\n'))
  t.same(r.config.globalDefs.notifyFifo, { path: '/run/a.fifo', script: '/bin/a' })
  t.match(r.diagnostics.map((d) => d.message), ['notify_fifo already specified - ignoring /run/b.fifo', 'notify_fifo_script already specified - ignoring /bin/b', /SECURITY VIOLATION/])
  t.equal(r.exitCode, 6)
  // A script without a FIFO runs nowhere.
  r = load(t, 'vrrp_notify_fifo_script /bin/a')
  t.equal(r.config.globalDefs.vrrpNotifyFifo, undefined)
  t.match(r.diagnostics.map((d) => d.message), ['vrrp_notify_fifo_script without vrrp_notify_fifo - ignoring', /SECURITY VIOLATION/])
  t.equal(r.exitCode, 6, 'keepalived -t still counts it as a script that runs')
})
