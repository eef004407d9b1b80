import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNotifyRunner } from '../../src/io/notify-runner.js'
import type { ProcLogLevel } from '../../src/io/proc-log.js'
import type { RunOptions, RunResult } from '../../src/io/run-process.js'
import { createUserLookup } from '../../src/io/user-lookup.js'

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-notify-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url))
const hostless = () => createUserLookup({ passwd: fx('passwd-no-ks'), group: fx('group') }, false)
const log = join(dir, 'order.log')
const lines = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [])
/** A job that logs its start, sleeps, and logs its end. */
const sh = (tag: string, sleep = 0): string[] => ['/bin/sh', '-c', `echo start-${tag} >> ${log}; sleep ${sleep}; echo end-${tag} >> ${log}`]

function runner(logs: Array<[ProcLogLevel, string]> = []) {
  return createNotifyRunner({ defaultTimeoutMs: 5000, userLookup: hostless(), killGraceMs: 200, log: (l, m) => logs.push([l, m]) })
}

t.test('same key: strictly one after the other in enqueue order; other keys overlap', async (t) => {
  rmSync(log, { force: true })
  const r = runner()
  const t0 = Date.now()
  r.enqueue({ key: 'INSTANCE VI_1', argv: sh('a1', 0.3), timeoutMs: 5000 })
  r.enqueue({ key: 'INSTANCE VI_1', argv: sh('a2'), timeoutMs: 5000 })
  r.enqueue({ key: 'INSTANCE VI_1', argv: sh('a3'), timeoutMs: 5000 })
  r.enqueue({ key: 'INSTANCE VI_2', argv: sh('b1', 0.1), timeoutMs: 5000 })
  t.ok(Date.now() - t0 < 250, 'enqueue returns at once (the first job alone takes 300 ms)')
  await r.drain()
  const got = lines()
  const at = (s: string) => got.indexOf(s)
  t.ok(at('end-a1') < at('start-a2'), 'a2 starts only after a1 ended')
  t.ok(at('end-a2') < at('start-a3'), 'a3 starts only after a2 ended')
  t.ok(at('start-b1') < at('end-a1'), 'another key does not wait for VI_1')
  t.equal(got.length, 8, 'drain waited for every job')
})

t.test('a job that times out is killed and the next one runs', async (t) => {
  rmSync(log, { force: true })
  const logs: Array<[ProcLogLevel, string]> = []
  const r = runner(logs)
  const started = Date.now()
  r.enqueue({ key: 'k', argv: sh('hang', 100), timeoutMs: 200 })
  r.enqueue({ key: 'k', argv: sh('next'), timeoutMs: 5000 })
  await r.drain()
  t.ok(Date.now() - started < 2000, 'did not wait for the hung script')
  t.same(lines(), ['start-hang', 'start-next', 'end-next'])
  t.ok(logs.some(([l, m]) => l === 'warn' && m.includes('timed out after 200 ms')))
})

t.test('failures are logged, never thrown, and do not stop the queue', async (t) => {
  rmSync(log, { force: true })
  const logs: Array<[ProcLogLevel, string]> = []
  const r = runner(logs)
  r.enqueue({ key: 'k', argv: [join(dir, 'missing.sh'), 'x'], timeoutMs: 1000 })
  r.enqueue({ key: 'k', argv: ['/bin/sh', '-c', 'exit 7'], timeoutMs: 1000 })
  r.enqueue({ key: 'k', argv: sh('after'), timeoutMs: 1000 })
  r.enqueue({ key: 'k', argv: [], timeoutMs: 1000 })
  await r.drain()
  t.same(lines(), ['start-after', 'end-after'])
  const warns = logs.filter(([l]) => l === 'warn').map(([, m]) => m)
  t.same(warns, [
    `notify script ${join(dir, 'missing.sh')} x failed (could not run: ENOENT: no such file)`,
    'notify script /bin/sh -c exit 7 failed (exited with status 7)',
  ])
})

t.test('drain resolves at once when idle, and again after new work', async (t) => {
  const calls: string[][] = []
  let release: () => void = () => {}
  const fake = (argv: string[], _o: RunOptions): Promise<RunResult> => {
    calls.push(argv)
    return new Promise((res) => {
      release = () => res({ exitCode: 0, signal: null, timedOut: false, durationMs: 1 })
    })
  }
  const r = createNotifyRunner({ defaultTimeoutMs: 1000, runProcess: fake, userLookup: hostless() })
  await r.drain()
  r.enqueue({ key: 'k', argv: ['/x'], timeoutMs: 0 })
  let drained = false
  const d = r.drain().then(() => (drained = true))
  await new Promise((res) => setTimeout(res, 30))
  t.equal(drained, false, 'not while a job runs')
  t.same(calls, [['/x']])
  release()
  await d
  t.equal(drained, true)
})

t.test('jobs run as the script user with the default timeout for timeout 0', async (t) => {
  const seen: RunOptions[] = []
  const fake = async (_a: string[], o: RunOptions): Promise<RunResult> => {
    seen.push(o)
    return { exitCode: 0, signal: null, timedOut: false, durationMs: 1 }
  }
  const users = createUserLookup({ passwd: fx('passwd'), group: fx('group') }, false)
  const r = createNotifyRunner({ defaultTimeoutMs: 1234, runProcess: fake, userLookup: users, scriptUser: { user: 'nobody' } })
  r.enqueue({ key: 'k', argv: ['/x'], timeoutMs: 0 })
  r.enqueue({ key: 'k', argv: ['/y'], timeoutMs: 99 })
  await r.drain()
  t.match(seen, [{ uid: 65534, gid: 65534, timeoutMs: 1234 }, { uid: 65534, timeoutMs: 99 }])
})

t.test("a reload's script_user applies to the jobs that start after it", { skip: process.getuid?.() !== 0 && 'needs root: a non-root vrrpd runs scripts as itself' }, async (t) => {
  const seen: RunOptions[] = []
  const fake = async (_a: string[], o: RunOptions): Promise<RunResult> => {
    seen.push(o)
    return { exitCode: 0, signal: null, timedOut: false, durationMs: 1 }
  }
  const users = createUserLookup({ passwd: fx('passwd'), group: fx('group') }, false)
  const r = createNotifyRunner({ defaultTimeoutMs: 1000, runProcess: fake, userLookup: users, scriptUser: { user: 'nobody' } })
  r.enqueue({ key: 'k', argv: ['/x'], timeoutMs: 0 })
  await r.drain()
  r.setScriptUser({ user: 'keepalived_script' })
  r.enqueue({ key: 'k', argv: ['/y'], timeoutMs: 0 })
  await r.drain()
  r.setScriptUser(undefined)
  r.enqueue({ key: 'k', argv: ['/z'], timeoutMs: 0 })
  await r.drain()
  // The fixture has keepalived_script (998:997): the default without script_user.
  t.match(seen.map((o) => [o.uid, o.gid]), [[65534, 65534], [998, 997], [998, 997]])
})
