// The Debian maintainer scripts (packaging/deb/postinst, prerm, postrm) as dpkg runs
// them, on a host where systemd runs (/run/systemd/system exists) and on one where it
// does not. systemctl is a recorder, and /run a private tmpfs in a mount namespace of
// the test's own, so that nothing of this machine's services is touched. What they
// must not do: enable or start vrrpd on install (it would fight a keepalived that
// holds the same VIPs), or touch keepalived at all.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireRoot } from '../helpers/netns.js'

const DEB = fileURLToPath(new URL('../../packaging/deb/', import.meta.url))

interface Run {
  status: number | null
  stdout: string
  /** Every systemctl command line, in order. */
  systemctl: string[]
  /** Whether /run/vrrpd is left after the script. */
  runDirLeft: boolean
}

/**
 * Runs `script args` with sh, as dpkg does, in a private mount namespace whose /run
 * has /run/systemd/system when `systemd` is set, and /run/vrrpd (a leftover of a
 * daemon run by hand). `active` lists the units the fake systemctl calls active.
 */
function maintainer(t: { teardown(fn: () => void): void }, script: string, args: string[], opts: { systemd: boolean; active?: string[] }): Run {
  const dir = mkdtempSync(join(tmpdir(), 'vrt-maint-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const log = join(dir, 'systemctl.log')
  writeFileSync(log, '')
  const fake = join(dir, 'bin')
  mkdirSync(fake)
  writeFileSync(join(fake, 'systemctl'), `#!/bin/sh
echo "$*" >> ${log}
if [ "$1" = is-active ]; then
  for unit in ${(opts.active ?? []).join(' ')}; do
    for arg in "$@"; do [ "$arg" = "$unit" ] && exit 0; done
  done
  exit 3
fi
exit 0
`)
  chmodSync(join(fake, 'systemctl'), 0o755)
  const setup = `mount -t tmpfs tmpfs /run && mkdir -p /run/vrrpd${opts.systemd ? ' /run/systemd/system' : ''}`
  const body = `${setup} && PATH=${fake}:/usr/sbin:/usr/bin:/sbin:/bin sh "$0" "$@"; rc=$?; [ -e /run/vrrpd ] && echo RUNDIR-LEFT; exit $rc`
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', body, join(DEB, script), ...args], { encoding: 'utf8', timeout: 30_000 })
  return {
    status: r.status,
    stdout: r.stdout.replace(/RUNDIR-LEFT\n/, ''),
    systemctl: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    runDirLeft: r.stdout.includes('RUNDIR-LEFT'),
  }
}

const starts = (calls: string[]) => calls.filter((c) => /^(enable|start|restart|reenable|try-restart|reload-or-restart)\b/.test(c))

t.test('install on a systemd host: daemon-reload, nothing enabled or started, the two commands printed', async (t) => {
  if (!requireRoot(t)) return
  const r = maintainer(t, 'postinst', ['configure', ''], { systemd: true, active: ['keepalived.service'] })
  t.equal(r.status, 0)
  t.same(starts(r.systemctl), [], 'no enable/start/restart')
  t.ok(r.systemctl.includes('daemon-reload'), 'the new unit is loaded')
  t.notOk(r.systemctl.some((c) => c.includes('keepalived')), 'keepalived is not touched')
  t.match(r.stdout, /installed, not started/)
  t.match(r.stdout, /systemctl disable --now keepalived; systemctl enable --now vrrpd/)
})

t.test('upgrade while vrrpd runs: it is restarted on the new code, and only then', async (t) => {
  if (!requireRoot(t)) return
  const running = maintainer(t, 'postinst', ['configure', '0.0.9'], { systemd: true, active: ['vrrpd.service'] })
  t.equal(running.status, 0)
  t.same(starts(running.systemctl), ['try-restart vrrpd.service'])
  t.notMatch(running.stdout, /not started/)
  const stopped = maintainer(t, 'postinst', ['configure', '0.0.9'], { systemd: true })
  t.same(starts(stopped.systemctl), [], 'a stopped vrrpd stays stopped on upgrade')
})

t.test('without systemd (a container, sysvinit): no systemctl call at all', async (t) => {
  if (!requireRoot(t)) return
  for (const [script, args] of [['postinst', ['configure', '']], ['prerm', ['remove']], ['postrm', ['remove']], ['postrm', ['purge']]] as const) {
    const r = maintainer(t, script, [...args], { systemd: false })
    t.equal(r.status, 0, `${script} ${args[0]} exits 0`)
    t.same(r.systemctl, [], `${script} ${args[0]}: systemctl not called`)
  }
})

t.test('remove stops vrrpd (priority 0, VIPs released); an upgrade does not stop it', async (t) => {
  if (!requireRoot(t)) return
  t.same(maintainer(t, 'prerm', ['remove'], { systemd: true, active: ['vrrpd.service'] }).systemctl, ['stop vrrpd.service'])
  t.same(maintainer(t, 'prerm', ['upgrade', '0.2.0'], { systemd: true, active: ['vrrpd.service'] }).systemctl, [], 'prerm upgrade: vrrpd keeps running until postinst restarts it')
})

t.test('purge removes /run/vrrpd and the failed state; remove keeps /run/vrrpd', async (t) => {
  if (!requireRoot(t)) return
  const purge = maintainer(t, 'postrm', ['purge'], { systemd: true })
  t.equal(purge.status, 0)
  t.same(purge.systemctl, ['daemon-reload', 'reset-failed vrrpd.service'])
  t.notOk(purge.runDirLeft, '/run/vrrpd is gone')
  const remove = maintainer(t, 'postrm', ['remove'], { systemd: true })
  t.same(remove.systemctl, ['daemon-reload'])
  t.ok(remove.runDirLeft, 'remove leaves runtime state alone')
})
