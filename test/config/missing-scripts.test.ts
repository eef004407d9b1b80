// Scripts that do not exist are dropped at load, as keepalived 2.2.7 does
// (vrrp.c check_vrrp_script_security): the instance runs as if untracked.
// test/lab/vrrpd-missing-script.test.ts runs keepalived beside vrrpd on this.
import t from 'tap'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'

function conf(dir: string, opts: { security?: boolean; check: string; notify: string }): string {
  const file = join(dir, 'k.conf')
  writeFileSync(
    file,
    `global_defs {\n${opts.security ? ' enable_script_security\n script_user root\n' : ''}}
vrrp_script chk {
 script "${opts.check}"
 weight 0
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 1
 priority 100
 virtual_ipaddress {
  10.0.0.100
 }
 track_script {
  chk
 }
 notify_master "${opts.notify}"
}
`,
  )
  return file
}

for (const security of [false, true]) {
  t.test(`a missing track script is disabled and untracked; a missing notify script dropped${security ? ' (enable_script_security)' : ''}`, async (t) => {
    const dir = t.testdir({})
    const r = loadConfig(conf(dir, { security, check: `${dir}/nope.sh --fast`, notify: `${dir}/notify.sh master` }), { interfaceExists: () => true })
    t.equal(r.exitCode, 5, 'a config error, as keepalived -t (exit 5)')
    const lines = r.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`)
    const shift = security ? 2 : 0 // the two global_defs lines
    t.ok(lines.includes(`${3 + shift}: error: Disabling track script chk since not found/accessible (${dir}/nope.sh)`), lines.join('\n'))
    t.ok(lines.includes(`${7 + shift}: warning: notify script ${dir}/notify.sh not found/accessible: it will not run`))
    t.notOk(lines.some((l) => /track script chk not found, ignoring|could not find script/.test(l)), 'no other word about it')
    t.same(r.config.scripts, {})
    t.same(r.config.instances[0]?.trackScripts, [], 'the instance tracks nothing')
    t.same(r.config.instances[0]?.notify, {})
  })
}

t.test('a script found on PATH stays; one not on PATH is disabled; a non-executable one is dropped with a warning', async (t) => {
  const dir = t.testdir({ 'plain.sh': '#!/bin/sh\nexit 0\n' })
  chmodSync(join(dir, 'plain.sh'), 0o644)
  const onPath = loadConfig(conf(dir, { check: 'true', notify: 'true' }), { interfaceExists: () => true })
  t.same(Object.keys(onPath.config.scripts), ['chk'])
  t.equal(onPath.config.instances[0]?.notify.master, 'true')
  const bare = loadConfig(conf(dir, { check: 'no-such-check-vrrpd', notify: 'true' }), { interfaceExists: () => true })
  // The notify script `true` still runs, without enable_script_security: keepalived -t says 6 here.
  t.equal(bare.exitCode, 6)
  t.ok(bare.diagnostics.some((d) => d.message === 'Disabling track script chk since not found/accessible (no-such-check-vrrpd)'))
  const plain = loadConfig(conf(dir, { check: join(dir, 'plain.sh'), notify: 'true' }), { interfaceExists: () => true })
  t.equal(plain.exitCode, 6, 'script security (the notify script runs without enable_script_security), as keepalived -t')
  t.notOk(plain.diagnostics.some((d) => d.severity === 'error' && d.message.includes('plain.sh')), 'the non-executable script is no config error (keepalived: only a log line)')
  t.ok(plain.diagnostics.some((d) => d.severity === 'warning' && d.message === `WARNING - script '${join(dir, 'plain.sh')}' is not executable - disabling track script chk`))
  t.same(plain.config.instances[0]?.trackScripts, [])
})

t.test('the check is the injected one when given (so tests need no real scripts)', async (t) => {
  const dir = t.testdir({})
  const r = loadConfig(conf(dir, { check: '/opt/chk.sh', notify: '/opt/n.sh' }), { interfaceExists: () => true, checkScript: (path) => ({ ok: true, path }) })
  t.equal(r.exitCode, 6, 'both scripts kept: they run without enable_script_security (keepalived -t: 6)')
  t.same(r.config.instances[0]?.trackScripts.map((s) => s.name), ['chk'])
})
