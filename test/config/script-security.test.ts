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

t.test('-t exits 6 for an unsafe script under enable_script_security, and drops it', { skip: !isRoot && 'needs root' }, async (t) => {
  const dir = t.testdir({ 'chk.sh': '#!/bin/sh\n' })
  chmodSync(dir, 0o755)
  chmodSync(join(dir, 'chk.sh'), 0o777)
  const conf = join(dir, 'k.conf')
  writeFileSync(conf, `global_defs {\n enable_script_security\n}\nvrrp_script chk {\n script "${join(dir, 'chk.sh')} arg"\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }\n}\n`)
  const r = loadConfig(conf, { interfaceExists: () => true })
  t.equal(r.exitCode, 6)
  t.same(r.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`), [
    `4: error: Unsafe permissions found for script '${join(dir, 'chk.sh')}' - disabling.`,
    '4: error: Disabling track script chk due to insecure',
    '11: warning: (VI_1) track script chk not found, ignoring',
  ])
  t.same(r.config.scripts, {})
  chmodSync(join(dir, 'chk.sh'), 0o755)
  t.equal(loadConfig(conf, { interfaceExists: () => true }).exitCode, 0, 'the same config with a safe script')
})

t.test('an injected checker decides (deterministic for non-root runs)', async (t) => {
  const dir = t.testdir({ 'k.conf': 'global_defs {\n enable_script_security\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n notify_master "/opt/x.sh master"\n}\n' })
  const seen: string[] = []
  const r = loadConfig(join(dir, 'k.conf'), {
    interfaceExists: () => true,
    checkScript: (p) => (seen.push(p), { ok: false, path: p, reason: 'insecure', message: `Unsafe permissions found for script '${p}' - disabling.` }),
  })
  t.same([...new Set(seen)], ['/opt/x.sh'], 'argv[0] of the command line is checked')
  t.equal(r.exitCode, 6)
  t.same(r.config.instances[0]?.notify, {}, 'the unsafe notify script is dropped')
})
