// The working configs: each loads with exit 0 and the model is checked field by field.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import type { VrrpInstance } from '../../src/config/model.js'
import { DEFAULTS } from '../../src/config/model.js'

const dir = fileURLToPath(new URL('../fixtures/config', import.meta.url))
const interfaceExists = (n: string): boolean => n === 'eth0' || n === 'eth1'
// Scripts "exist and are safe": the host's /etc/keepalived must not decide these tests.
const checkScript = (c: string) => ({ ok: true as const, path: c })
const load = (name: string, configId = 'h1') => loadConfig(join(dir, name), { configId, interfaceExists, checkScript, userExists: () => true })
const inst = (r: ReturnType<typeof load>, name: string): VrrpInstance => {
  const i = r.config.instances.find((x) => x.name === name)
  if (!i) throw new Error(`no instance ${name}`)
  return i
}
const vips = (i: VrrpInstance): string[] => i.virtualIpAddresses.map((v) => `${v.address}/${v.prefixLength} dev ${v.dev}`)

t.test('every working fixture passes -t with no error but script security (exit 6 as keepalived)', async (t) => {
  const runsScripts = new Set(['nginx-pair-master.conf', 'nginx-pair-backup.conf', 'sync-group.conf', 'utf8-comments.conf'])
  for (const f of ['nginx-pair-master.conf', 'nginx-pair-backup.conf', 'many-instances.conf', 'sync-group.conf', 'unicast.conf', 'includes.conf', 'macros.conf', 'lvs.conf', 'utf8-comments.conf']) {
    const r = load(f)
    const errors = r.diagnostics.filter((d) => d.severity !== 'warning').map((d) => d.message)
    if (runsScripts.has(f)) {
      t.equal(r.exitCode, 6, `${f}: scripts without enable_script_security`)
      t.same(errors, ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.'], `${f}: no other error`)
    } else {
      t.equal(r.exitCode, 0, f)
      t.same(errors, [], `${f}: no errors`)
    }
  }
})

t.test('classic nginx pair: MASTER 100 / BACKUP 90, PASS auth, one VIP, chk_nginx weight -20', async (t) => {
  const m = inst(load('nginx-pair-master.conf'), 'VI_1')
  const b = inst(load('nginx-pair-backup.conf'), 'VI_1')
  t.equal(m.initialState, 'MASTER')
  t.equal(m.priority, 100)
  t.equal(b.initialState, 'BACKUP')
  t.equal(b.priority, 90)
  for (const i of [m, b]) {
    t.equal(i.interface, 'eth0')
    t.equal(i.virtualRouterId, 51)
    t.equal(i.advertIntervalMs, 1000)
    t.equal(i.version, 2)
    t.equal(i.family, 4)
    t.same(i.authentication, { type: 'PASS', password: '1111' })
    t.same(vips(i), ['192.168.1.100/32 dev eth0'])
    t.same(i.trackScripts.map((s) => [s.name, s.weight, s.reverse]), [['chk_nginx', -20, false]])
    t.same(i.garp, DEFAULTS.garp)
  }
  const r = load('nginx-pair-master.conf')
  const s = r.config.scripts.chk_nginx
  t.equal(s?.script, '/usr/bin/pgrep nginx')
  t.equal(s?.intervalMs, 2000)
  t.equal(s?.timeoutMs, 2000, 'timeout defaults to the interval')
  t.equal(s?.fall, 2)
  t.equal(s?.rise, 1)
  t.equal(r.config.globalDefs.routerId, 'LVS_DEVEL')
  t.same(r.config.globalDefs.notificationEmail, ['admin@example.com'])
  t.equal(r.config.globalDefs.smtpConnectTimeoutMs, 30000)
})

t.test('many instances: globals, v3 intervals, IPv6, per-instance garp', async (t) => {
  const r = load('many-instances.conf')
  t.equal(r.config.instances.length, 4)
  const g = r.config.globalDefs
  t.equal(g.vrrpVersion, 3)
  // vrrp_garp_lower_prio_delay/_repeat default to vrrp_garp_master_delay/_repeat, as keepalived's.
  t.same(g.garp, { ...DEFAULTS.garp, masterDelayMs: 2000, masterRepeat: 3, intervalMs: 1, gnaIntervalMs: 2, lowerPrioDelayMs: 2000, lowerPrioRepeat: 3 })
  t.equal(g.skipCheckAdvAddr, true)
  const web = inst(r, 'VI_WEB')
  t.equal(web.version, 3)
  t.equal(web.advertIntervalMs, 500, 'v3 takes centisecond intervals')
  t.equal(web.nopreempt, true)
  t.equal(web.skipCheckAdvAddr, true, 'global vrrp_skip_check_adv_addr reaches instances')
  t.same(web.virtualIpAddresses.map((v) => [v.address, v.prefixLength, v.dev, v.label, v.broadcast, v.scope]), [
    ['10.0.0.10', 24, 'eth0', 'eth0:web', undefined, undefined],
    ['10.0.0.11', 24, 'eth0', undefined, '10.0.0.255', 'global'],
  ])
  const db = inst(r, 'VI_DB')
  t.equal(db.priority, 255)
  t.equal(db.initialState, 'MASTER', 'state omitted with priority 255 -> MASTER')
  t.equal(db.garp.masterDelayMs, 0, 'garp_master_delay overrides the global')
  t.equal(db.garp.masterRepeat, 3, 'other garp settings come from global_defs')
  t.same(db.virtualIpAddressesExcluded.map((v) => [v.address, v.family, v.prefixLength, v.dev]), [['2001:db8::10', 6, 64, 'eth1']])
  t.equal(db.family, 4, 'excluded addresses may be of the other family')
  const v6 = inst(r, 'VI_V6')
  t.equal(v6.family, 6)
  t.equal(v6.version, 3)
  t.equal(v6.initialState, 'BACKUP')
  t.equal(v6.preemptDelayMs, 30000)
  t.same(vips(v6), ['fe80::10/64 dev eth0', '2001:db8::20/128 dev eth0'], 'no prefix -> /128, canonical text')
  t.same(v6.trackInterfaces.map((x) => [x.name, x.weight]), [['eth1', -30], ['eth0', 0]])
  const cache = inst(r, 'VI_CACHE')
  t.equal(cache.priority, 255, 'state MASTER without priority -> 255')
  t.equal(cache.version, 2, 'instance version overrides global')
  t.equal(cache.advertIntervalMs, 3000)
  t.same(vips(cache), ['10.1.0.11/32 dev eth1'], 'content on the same line as {')
})

t.test('sync group: members, notify, track weights resolved', async (t) => {
  const r = load('sync-group.conf')
  const [g] = r.config.syncGroups
  t.equal(g?.name, 'G_EDGE')
  t.same(g?.members, ['VI_OUT', 'VI_IN'])
  // Unquoted, the word after the command is the user to run it as (keepalived's notify_script_init).
  t.same(g?.notify, { master: '/etc/keepalived/notify.sh master', backup: '/etc/keepalived/notify.sh', any: '/etc/keepalived/notify-all.sh' })
  t.same(g?.notifyUsers, { backup: { user: 'backup' } })
  t.same(g?.trackScripts.map((x) => [x.name, x.weight, x.reverse]), [['chk_haproxy', -5, false]], 'per-entry weight overrides')
  t.same(g?.trackFiles.map((x) => [x.name, x.weight, x.reverse]), [['maintenance', -50, false]], "the file's own weight")
  t.equal(inst(r, 'VI_OUT').syncGroup, 'G_EDGE')
  t.equal(inst(r, 'VI_IN').syncGroup, 'G_EDGE')
  const out = inst(r, 'VI_OUT')
  t.same(out.trackScripts.map((x) => [x.name, x.weight, x.reverse]), [['chk_haproxy', 10, true]], "the script's weight N reverse")
  t.same(out.trackFiles.map((x) => [x.name, x.weight, x.reverse]), [['maintenance', -20, true]])
  t.same(out.notify, { fault: "/usr/local/bin/alert 'VI_OUT fault'", stop: '/usr/local/bin/alert' })
  t.same(out.notifyUsers, { stop: { user: 'stop' } })
  const s = r.config.scripts.chk_haproxy
  t.same([s?.intervalMs, s?.timeoutMs, s?.rise, s?.fall, s?.user, s?.group, s?.initFail], [2000, 3000, 2, 3, 'nobody', 'nogroup', true])
  const f = r.config.trackFiles.maintenance
  t.same([f?.file, f?.weight, f?.initFile], ['/run/vrrpd-maintenance', -50, { value: 0, overwrite: true }])
})

t.test('unicast: peers with TTLs, source, checksum flag, flags with on/off', async (t) => {
  const r = load('unicast.conf')
  const i = inst(r, 'VI_1')
  t.equal(i.unicastSrcIp, '172.16.0.1')
  t.same(i.unicastPeers.map((p) => [p.address, p.minTtl, p.maxTtl]), [['172.16.0.2', undefined, undefined], ['172.16.0.3', 250, 255]])
  t.equal(i.v3ChecksumPseudoHeader, false, 'old_unicast_checksum')
  t.equal(i.lowerPrioNoAdvert, true)
  t.equal(i.higherPrioSendAdvert, false)
  t.equal(i.garp.masterRefreshMs, 60000)
  t.equal(i.garp.masterRefreshRepeat, 2)
  t.same(i.authentication, { type: 'PASS', password: 'secret12' })
  t.equal(r.config.globalDefs.checkUnicastSrc, true)
  t.equal(r.config.globalDefs.scriptUser, 'keepalived_script')
  t.equal(r.config.globalDefs.enableScriptSecurity, true)
})

t.test('include with globs: sorted, relative to the including file, non-matching files skipped', async (t) => {
  const r = load('includes.conf')
  t.same(r.config.instances.map((i) => i.name), ['VI_A', 'VI_B', 'VI_C'])
  t.match(inst(r, 'VI_B').at.file, /conf\.d\/20-second\.conf$/)
  t.equal(inst(r, 'VI_B').at.line, 1)
  t.equal(r.config.globalDefs.routerId, 'inc-test')
})

t.test('macros and conditional lines follow the config id', async (t) => {
  const h1 = inst(load('macros.conf', 'h1'), 'VI_eth0')
  t.equal(h1.priority, 200, '@h1 line kept for h1')
  t.equal(h1.nopreempt, false, '@h2 line dropped for h1')
  t.same(vips(h1), ['10.9.0.1/24 dev eth0', '10.9.0.2/24 dev eth0', '10.9.0.3/24 dev eth1'], 'multi-line definition expands to lines')
  const h2 = inst(load('macros.conf', 'h2'), 'VI_eth0')
  t.equal(h2.priority, 50, '@^h1 line kept for h2')
  t.equal(h2.nopreempt, true)
})

t.test('LVS sections are skipped with one warning each and recorded', async (t) => {
  const r = load('lvs.conf')
  t.same(r.config.ignored.map((x) => [x.keyword, x.at.line]), [['virtual_server_group', 18], ['virtual_server', 22]])
  t.match(r.config.staticRoutes, [{ destination: '192.168.2.0', prefixLength: 24, via: '192.168.1.100', dev: 'eth0' }], 'static_routes is read (not skipped)')
  t.equal(r.diagnostics.filter((d) => /virtual_server/.test(d.message)).length, 2, 'nested real_server/HTTP_GET blocks give no extra warning')
  t.same(r.config.instances.map((i) => i.name), ['VI_1'])
})

t.test('UTF-8 comments, # and ! in quotes, escaped \\#', async (t) => {
  const i = inst(load('utf8-comments.conf'), 'VI_1')
  t.equal(i.authentication?.password, 'pa#ss!1')
  t.equal(i.virtualIpAddresses[0]?.label, 'eth0:vip#1')
  t.equal(i.notify.master, "/usr/local/bin/notify 'ä ö'")
  t.equal(i.at.line, 3)
})

t.test('a missing main file is fatal, with no stack trace', async (t) => {
  const r = loadConfig('/nonexistent/vrrpd/keepalived.conf', { interfaceExists })
  t.equal(r.exitCode, 4)
  t.same(r.diagnostics, [{ file: '/nonexistent/vrrpd/keepalived.conf', line: 0, severity: 'fatal', message: 'cannot read configuration file /nonexistent/vrrpd/keepalived.conf: no such file' }])
  t.same(r.config.instances, [])
})

t.test('an included file that exists but cannot be read, or a reader limit, makes the config incomplete (a reload keeps the running one)', async (t) => {
  const dir = t.testdir({ 'keepalived.conf': 'include fifo.conf\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  10.0.0.100\n }\n}\n' })
  execFileSync('mkfifo', [join(dir, 'fifo.conf')])
  const r = loadConfig(join(dir, 'keepalived.conf'), { interfaceExists: () => true })
  t.equal(r.exitCode, 0, "skipped with keepalived's warning and verdict")
  t.same(r.incomplete, [`configuration file '${join(dir, 'fifo.conf')}' is not a regular non-executable file - skipping`])
  t.equal(r.config.instances.length, 1)
  const plain = loadConfig(join(dir, 'keepalived.conf').replace('keepalived.conf', 'none.conf'), { interfaceExists: () => true })
  t.equal(plain.incomplete, undefined, 'a missing main file is fatal, not an unreadable include')
  const bomb = join(dir, 'bomb.conf')
  writeFileSync(bomb, `$A=aaaaaaaaaaaaaaaa\n${'$A=$A$A\n'.repeat(40)}vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.100/24 label $A\n }\n}\n`)
  const b = loadConfig(bomb, { interfaceExists: () => true })
  t.match(b.incomplete, [/macro (substitutions|expansion)/], 'a macro bomb stops at its limit, and says so')
})
