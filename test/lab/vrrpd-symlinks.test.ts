// issue 12, the file rows, beside keepalived 2.2.7 in the same test: each daemon
// runs in a private /tmp (a tmpfs in its own mount namespace: keepalived's dump
// paths are fixed, and other tests may run keepalived at the same time), where a
// root-owned "victim" file and planted symbolic links wait for it:
// - the pid file is a link to the victim, in a world-writable sticky directory;
// - /tmp/keepalived.{data,stats,json}.PID.tmp are links to the victim, then SIGUSR1/SIGUSR2.
import t from 'tap'
import { mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { ensureBuilt } from '../helpers/vrrpd.js'
import { pairConf } from '../helpers/pair-lab.js'
import { LoggedProcess } from '../../src/lab/proc.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The checkout as the daemons see it: bound onto a directory outside /tmp before the
 * private /tmp hides it (a checkout, CI's among them, may itself live under /tmp).
 */
const checkout = { real: dirname(dirname(ensureBuilt())), view: '' }

/** The daemon's argv with its pid file(s) at `pid` (keepalived also needs its VRRP child's). */
function argv(kind: 'keepalived' | 'vrrpd', conf: string, pid: string): string[] {
  return kind === 'keepalived'
    ? ['/usr/sbin/keepalived', '--dont-fork', '--log-console', '--vrrp', '--no-syslog', '--use-file', conf, '--pid', pid, '--vrrp_pid', `${pid}.vrrp`]
    : [process.execPath, join(checkout.view, 'dist', 'main.js'), '--dont-fork', '--log-console', '-f', conf, '--pid', pid, '--log-level', 'info']
}

/**
 * Starts `cmd` in `host` inside a fresh mount namespace whose /tmp is a private
 * tmpfs prepared by `setup` (shell). With `keep`, the shell outlives the command
 * (printing `exit N`), so its /tmp can still be inspected after the daemon refused to run.
 */
function startPrivateTmp(lab: Lab, host: string, name: string, setup: string, cmd: string[], keep = false): LoggedProcess {
  const run = keep ? '"$@" & echo "child $!"; wait $!; echo "exit $?"; exec sleep 60' : 'exec "$@"'
  // tap's process-info hook puts its loader back into NODE_OPTIONS of every child: the daemons run without it.
  const script = `set -e; unset NODE_OPTIONS; mount --bind '${checkout.real}' '${checkout.view}'; mount -t tmpfs -o mode=1777 tmpfs /tmp; ${setup}; set +e; ${run}`
  return new LoggedProcess(name, lab.spawn(host, 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...cmd], { env: daemonEnv() }))
}

/** Runs `cmd` in the mount namespace of `pid` (to look at its private /tmp). */
async function inMounts(lab: Lab, host: string, pid: number, cmd: string[]): Promise<string> {
  return (await lab.exec(host, 'nsenter', ['-t', String(pid), '-m', ...cmd], { allowFail: true })).stdout
}

/** The test runner's environment without its loader hooks (NODE_OPTIONS): the daemons need none. */
function daemonEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _hooks, ...env } = process.env
  return { ...env, TMPDIR: '/tmp' }
}

const VICTIM = 'echo "root:*:19000:0:99999:7:::" > /tmp/victim; chmod 600 /tmp/victim'

t.test('planted symbolic links: pid file and dump temporaries, vrrpd against keepalived', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['k', 'v'] })
  const confDir = mkdtempSync('/run/vrt-symlinks-')
  t.teardown(() => rmSync(confDir, { recursive: true, force: true }))
  // An empty mount point; the bind onto it exists only in each daemon's own mount namespace.
  checkout.view = mkdtempSync('/run/vrt-symlinks-checkout-')
  // rmdir, never a recursive remove: should a bind ever show here, the checkout stays intact.
  t.teardown(() => rmdirSync(checkout.view))
  const result: Record<string, { pidVictim: string; pidLines: string; dumpVictim: string; dumpModes: string; dumpWritten: boolean }> = {}
  for (const [kind, host, vrid] of [['keepalived', 'k', 61], ['vrrpd', 'v', 62]] as const) {
    const conf = join(confDir, `${kind}.conf`)
    writeFileSync(conf, pairConf(lab, host, 100, lab.address(vrid + 100), { vrid }))

    // 1. The pid file is a planted link to a root-owned file, in a world-writable directory.
    const planted = startPrivateTmp(lab, host, `${kind}-pid`, `${VICTIM}; mkdir -m 1777 /tmp/shared; ln -s /tmp/victim /tmp/shared/daemon.pid`, argv(kind, conf, '/tmp/shared/daemon.pid'), true)
    // It refuses and exits, or it runs: give it time to do either.
    await waitFor(`${kind} to exit`, () => planted.lines.some((l) => /^exit \d+/.test(l.text)), 10_000, 100).catch(() => undefined)
    const pid1 = planted.child.pid!
    const pidVictim = await inMounts(lab, host, pid1, ['cat', '/tmp/victim'])
    const pidLines = planted.lines.map((l) => l.text).filter((l) => /pid|^exit/i.test(l) && !/--pid/.test(l)).join(' | ')
    const child = Number(/^child (\d+)/.exec(planted.lines.find((l) => l.text.startsWith('child '))?.text ?? '')?.[1])
    if (child > 0 && !planted.lines.some((l) => /^exit \d+/.test(l.text))) {
      try {
        process.kill(child, 'SIGTERM')
      } catch {
        // gone
      }
      await sleep(1000)
    }
    await planted.stop('SIGKILL', 5000)

    // 2. The dumps' old predictable temporaries are planted links; then SIGUSR1 and SIGUSR2.
    const runner = startPrivateTmp(lab, host, `${kind}-dump`, `${VICTIM}; mkdir -p /tmp/run`, argv(kind, conf, '/tmp/run/daemon.pid'))
    t.teardown(() => runner.stop('SIGTERM', 5000))
    await waitFor(`${kind} to start`, () => runner.lines.some((l) => /Entering (BACKUP|MASTER) STATE/.test(l.text)), 30_000, 100).catch((e: Error) => {
      throw new Error(`${e.message}: ${runner.lines.map((l) => l.text).join(' | ')}`)
    })
    const pid = runner.child.pid!
    const pids = [pid, ...(await inMounts(lab, host, pid, ['sh', '-c', `cat /tmp/run/daemon.pid.vrrp 2>/dev/null || true`])).split('\n').filter(Boolean).map(Number)]
    const links = pids.flatMap((p) => ['data', 'stats', 'json'].map((k) => `ln -sf /tmp/victim /tmp/keepalived.${k}.${p}.tmp`)).join('; ')
    await inMounts(lab, host, pid, ['sh', '-c', links])
    runner.child.kill('SIGUSR1')
    runner.child.kill('SIGUSR2')
    const dumpWritten = await waitFor(`${kind} to write its dumps`, async () => (await inMounts(lab, host, pid, ['sh', '-c', 'test -s /tmp/keepalived.data && test -s /tmp/keepalived.stats && echo yes'])).trim() === 'yes', 10_000, 200).catch(() => false)
    await sleep(500)
    const dumpVictim = await inMounts(lab, host, pid, ['cat', '/tmp/victim'])
    const dumpModes = (await inMounts(lab, host, pid, ['sh', '-c', 'stat -c "%n %a %U" /tmp/keepalived.data /tmp/keepalived.stats 2>/dev/null || true'])).trim()
    await runner.stop('SIGTERM', 5000)
    result[kind] = { pidVictim, pidLines, dumpVictim, dumpModes, dumpWritten }
  }
  const untouched = 'root:*:19000:0:99999:7:::\n'
  t.equal(result.keepalived!.pidVictim, untouched, `keepalived does not write its pid through the link (${result.keepalived!.pidLines})`)
  t.equal(result.vrrpd!.pidVictim, untouched, 'vrrpd does not either')
  t.match(result.vrrpd!.pidLines, /refusing pid file \/tmp\/shared\/daemon\.pid: it is a symbolic link to \/tmp\/victim/, 'and says why')
  t.ok(result.keepalived!.dumpWritten, 'keepalived wrote its dumps')
  t.ok(result.vrrpd!.dumpWritten, 'vrrpd wrote its dumps')
  t.equal(result.keepalived!.dumpVictim, untouched, 'keepalived: the planted temporaries were not written through')
  t.equal(result.vrrpd!.dumpVictim, untouched, 'vrrpd: neither')
  t.match(result.keepalived!.dumpModes, /keepalived\.data 600 root/, `keepalived's dump modes: ${result.keepalived!.dumpModes}`)
  t.equal(result.vrrpd!.dumpModes, result.keepalived!.dumpModes, 'vrrpd: the same modes as keepalived')
})
