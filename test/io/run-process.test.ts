import t from 'tap'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeResult, runProcess, SCRIPT_PATH } from '../../src/io/run-process.js'
import { until } from '../helpers/until.js'

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-run-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function script(name: string, body: string, mode = 0o755): string {
  const p = join(dir, name)
  writeFileSync(p, `#!/bin/sh\n${body}\n`)
  chmodSync(p, mode)
  return p
}

/** Alive and not a zombie (a reparented zombie may wait a moment for its reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

t.test('exit status, argv without a shell, minimal environment', async (t) => {
  const out = join(dir, 'args.out')
  const p = script('args.sh', `printf '%s\\n' "$@" > ${out}; env > ${out}.env; exit 3`)
  process.env.VRRPD_LEAK_CHECK = 'leaked'
  const r = await runProcess([p, 'a b', '$HOME', ';rm -rf /'], { timeoutMs: 5000 })
  delete process.env.VRRPD_LEAK_CHECK
  t.equal(r.exitCode, 3)
  t.equal(r.signal, null)
  t.equal(r.timedOut, false)
  t.equal(r.error, undefined)
  t.equal(describeResult(r), 'exited with status 3')
  t.same(readFileSync(out, 'utf8').split('\n').slice(0, 3), ['a b', '$HOME', ';rm -rf /'], 'arguments arrive as given')
  const env = readFileSync(`${out}.env`, 'utf8')
  t.match(env, `PATH=${SCRIPT_PATH}`)
  t.notMatch(env, 'VRRPD_LEAK_CHECK', "the daemon's environment does not leak into scripts")
})

t.test('a program that cannot start is a result, not an exception', async (t) => {
  const missing = await runProcess([join(dir, 'nope.sh')], { timeoutMs: 1000 })
  t.equal(missing.exitCode, null)
  t.match(missing.error, /^ENOENT/)
  t.equal(describeResult(missing), 'could not run: ENOENT: no such file')
  const notExec = script('noexec.sh', 'exit 0', 0o644)
  const r = await runProcess([notExec], { timeoutMs: 1000 })
  t.match(r.error, /^EACCES/)
  const empty = await runProcess([], { timeoutMs: 1000 })
  t.equal(empty.error, 'empty command line')
})

t.test('timeout kills the whole process group, children included', async (t) => {
  const pidFile = join(dir, 'child.pid')
  // The background child ignores SIGTERM: only the SIGKILL sweep after the leader dies gets it.
  const p = script('slow.sh', `(trap '' TERM; exec sleep 100) &\necho $! > ${pidFile}\nsleep 100`)
  let leader = 0
  const r = await runProcess([p], { timeoutMs: 300, killGraceMs: 2000, onSpawn: (pid) => (leader = pid) })
  t.equal(r.timedOut, true)
  t.equal(describeResult(r), 'timed_out')
  t.ok(r.durationMs >= 280 && r.durationMs < 1500, `ended soon after the timeout (${r.durationMs} ms)`)
  const child = Number(readFileSync(pidFile, 'utf8'))
  t.ok(child > 0)
  t.ok(await until(() => !alive(child)), 'the sleep 100 child is gone')
  t.notOk(alive(leader), 'the script itself is gone')
})

t.test('a script that ignores SIGTERM gets SIGKILL after the grace time', async (t) => {
  const p = script('stubborn.sh', `trap '' TERM\nsleep 100`)
  let leader = 0
  const r = await runProcess([p], { timeoutMs: 150, killGraceMs: 200, onSpawn: (pid) => (leader = pid) })
  t.equal(r.timedOut, true)
  t.equal(r.signal, 'SIGKILL')
  t.ok(r.durationMs >= 340, `waited timeout + grace (${r.durationMs} ms)`)
  t.notOk(alive(leader))
})

t.test('abort kills like a timeout and says aborted', async (t) => {
  const p = script('abort.sh', 'sleep 100')
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 100)
  const r = await runProcess([p], { timeoutMs: 0, signal: ac.signal })
  t.equal(r.timedOut, false)
  t.equal(r.error, 'aborted')
  t.equal(r.signal, 'SIGTERM')
  const pre = await runProcess([p], { timeoutMs: 0, signal: AbortSignal.abort() })
  t.equal(pre.error, 'aborted', 'an already aborted signal does not start anything')
})

t.test('the event loop keeps turning while a script runs', async (t) => {
  const p = script('busy.sh', 'sleep 0.3')
  let ticks = 0
  const iv = setInterval(() => ticks++, 20)
  await runProcess([p], { timeoutMs: 5000 })
  clearInterval(iv)
  t.ok(ticks >= 5, `timers fired during the run (${ticks})`)
})

t.test('a signal death is described with its number', async (t) => {
  const p = script('selfkill.sh', 'kill -9 $$')
  const r = await runProcess([p], { timeoutMs: 5000 })
  t.equal(r.signal, 'SIGKILL')
  t.equal(describeResult(r), 'due to signal 9')
})

t.test('runs as another user when root', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const outDir = join(dir, 'shared')
  rmSync(outDir, { recursive: true, force: true })
  writeFileSync(join(dir, 'placeholder'), '')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(outDir, { mode: 0o777 })
  chmodSync(outDir, 0o777)
  chmodSync(dir, 0o755)
  const p = script('whoami.sh', `id -u > ${outDir}/uid; id -g > ${outDir}/gid`)
  const r = await runProcess([p], { timeoutMs: 5000, uid: 65534, gid: 65534 })
  chmodSync(dir, 0o700)
  t.equal(r.exitCode, 0)
  t.ok(existsSync(join(outDir, 'uid')))
  t.equal(readFileSync(join(outDir, 'uid'), 'utf8').trim(), '65534')
  t.equal(readFileSync(join(outDir, 'gid'), 'utf8').trim(), '65534')
})

t.test('killGroupOnExit: children the leader left behind go with it (a check script leaking `cmd &`)', async (t) => {
  const marker = String(800_000 + Math.floor(Math.random() * 90_000))
  const alive = (): number =>
    readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker)
      } catch {
        return false
      }
    }).length
  const r = await runProcess(['/bin/sh', '-c', `/bin/sleep ${marker} & exit 0`], { timeoutMs: 0, killGroupOnExit: true })
  t.equal(r.exitCode, 0)
  await new Promise((res) => setTimeout(res, 100))
  t.equal(alive(), 0, 'the background sleep is gone')
})
