import t from 'tap'
import { chmodSync, chownSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScriptSecurity, resolveScriptPath } from '../../src/config/script-security.js'
import { loadConfig } from '../../src/config/index.js'

const isRoot = process.getuid?.() === 0

t.test('a root-owned script in root-owned dirs is safe; PATH lookup', async (t) => {
  t.match(checkScriptSecurity('/bin/sh'), { ok: true })
  t.match(resolveScriptPath('sh', '/nonexistent:/bin'), /^\/bin\/sh$/)
  t.equal(resolveScriptPath('no-such-cmd-vrrpd', '/bin'), undefined)
  t.match(checkScriptSecurity('no-such-cmd-vrrpd'), { ok: false, reason: 'not-found' })
})

t.test('writable by others, or owned by a non-root user, is unsafe', { skip: !isRoot && 'needs root to own files as root' }, async (t) => {
  const dir = t.testdir({ 'ok.sh': '#!/bin/sh\n', 'open.sh': '#!/bin/sh\n', 'user.sh': '#!/bin/sh\n', sub: { 'x.sh': '#!/bin/sh\n' } })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'ok.sh'), 0o755)
  chmodSync(join(dir, 'open.sh'), 0o777)
  chownSync(join(dir, 'user.sh'), 1000, 0)
  chmodSync(join(dir, 'sub'), 0o777)
  t.match(checkScriptSecurity(join(dir, 'ok.sh')), { ok: true })
  t.match(checkScriptSecurity(join(dir, 'open.sh')), { ok: false, reason: 'insecure', message: `Unsafe permissions found for script '${join(dir, 'open.sh')}' - disabling.` })
  t.match(checkScriptSecurity(join(dir, 'user.sh')), { ok: false, reason: 'insecure' })
  t.match(checkScriptSecurity(join(dir, 'sub/x.sh')), { ok: false, reason: 'insecure' }, 'a world-writable directory on the path')
})

t.test('under enable_script_security an unsafe track script is disabled: exit 5 as keepalived', { skip: !isRoot && 'needs root' }, async (t) => {
  const dir = t.testdir({ 'chk.sh': '#!/bin/sh\n' })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'chk.sh'), 0o777)
  const conf = join(dir, 'k.conf')
  writeFileSync(conf, `global_defs {\n enable_script_security\n script_user root\n}\nvrrp_script chk {\n script "${join(dir, 'chk.sh')} arg"\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.9.9.9\n }\n track_script {\n  chk\n }\n}\n`)
  const r = loadConfig(conf, { interfaceExists: () => true })
  t.equal(r.exitCode, 5)
  t.same(r.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`), [
    `5: warning: Unsafe permissions found for script '${join(dir, 'chk.sh')}' - disabling.`,
    '5: error: Disabling track script chk due to insecure',
    '15: error: (VI_1) track script chk not found, ignoring...',
  ])
  t.same(r.config.scripts, {})
  chmodSync(join(dir, 'chk.sh'), 0o755)
  t.equal(loadConfig(conf, { interfaceExists: () => true }).exitCode, 0, 'the same config with a safe script')
})

t.test('without enable_script_security, a script that will run is a SECURITY VIOLATION: exit 6', async (t) => {
  const dir = t.testdir({ 'k.conf': 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.9.9.9\n }\n notify_master "/opt/x.sh master"\n}\n' })
  const ok = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, checkScript: (p) => ({ ok: true, path: p }) })
  t.equal(ok.exitCode, 6)
  t.same(ok.diagnostics.map((d) => d.message), ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.'])
  const missing = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, checkScript: (p) => ({ ok: false, path: p, reason: 'not-found', message: 'x' }) })
  t.equal(missing.exitCode, 0, 'a notify script that is not there is dropped quietly, as keepalived does')
  t.same(missing.config.instances[0]?.notify, {})
})

t.test('enable_script_security without script_user and without a keepalived_script user', async (t) => {
  const dir = t.testdir({ 'k.conf': 'global_defs {\n enable_script_security\n}\nvrrp_script chk {\n script /bin/true\n}\nvrrp_script mine {\n script /bin/true\n user root\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.9.9.9\n }\n}\n' })
  const r = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, userExists: () => false, checkScript: (p) => ({ ok: true, path: p }) })
  t.equal(r.exitCode, 5)
  t.same(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [
    'Unable to set default user for vrrp script chk - removing',
    'Unable to set default user keepalived_script for script',
  ])
  t.same(Object.keys(r.config.scripts), ['mine'], 'a script with its own user is kept')
  const withUser = loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true, userExists: (u) => u === 'keepalived_script', checkScript: (p) => ({ ok: true, path: p }) })
  t.equal(withUser.exitCode, 0)
})

t.test('an injected checker decides (deterministic for non-root runs)', async (t) => {
  const dir = t.testdir({ 'k.conf': 'global_defs {\n enable_script_security\n script_user root\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.9.9.9\n }\n notify_master "/opt/x.sh master"\n}\n' })
  const seen: string[] = []
  const r = loadConfig(join(dir, 'k.conf'), {
    interfaceExists: () => true,
    checkScript: (p) => (seen.push(p), { ok: false, path: p, reason: 'insecure', message: `Unsafe permissions found for script '${p}' - disabling.` }),
  })
  t.same([...new Set(seen)], ['/opt/x.sh'], 'argv[0] of the command line is checked')
  t.equal(r.exitCode, 0, 'keepalived drops an unsafe notify script without a config error')
  t.same(r.config.instances[0]?.notify, {}, 'the unsafe notify script is dropped')
})
