import t, { type Test } from 'tap'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VrrpScript } from '../../src/config/model.js'
import type { ProcLogLevel } from '../../src/io/proc-log.js'
import type { RunOptions, RunResult } from '../../src/io/run-process.js'
import { createScriptTracker, type ScriptTrackerOptions } from '../../src/io/script-tracker.js'
import { createUserLookup } from '../../src/io/user-lookup.js'
import { checkScriptSecurity } from '../../src/config/script-security.js'
import { until } from '../helpers/until.js'

const root = process.getuid?.() === 0
const dir = mkdtempSync(join(tmpdir(), 'vrrpd-trk-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url))
// The host's users stay out: no keepalived_script, so scripts run as root (ourselves).
const hostless = () => createUserLookup({ passwd: fx('passwd-no-ks'), group: fx('group') }, false)
// Scripts in our temp dir are ours: only root owns a path keepalived's check calls safe.
// Tests of something else trust every script, so they run without root.
const trusting = (path: string) => ({ ok: true as const, path })

function script(rel: string, body: string, mode = 0o755): string {
  const p = join(dir, rel)
  writeFileSync(p, `#!/bin/sh\n${body}\n`)
  chmodSync(p, mode)
  return p
}

function vs(name: string, path: string, over: Partial<VrrpScript> = {}): VrrpScript {
  return {
    name,
    script: path,
    intervalMs: 60,
    timeoutMs: 1000,
    weight: 0,
    reverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
    at: { file: 'test.conf', line: 1 },
    ...over,
  }
}

interface Harness {
  events: Array<{ name: string; ok: boolean; detail: string }>
  logs: Array<[ProcLogLevel, string]>
  /** What `snap` returned at each event, taken inside the callback (before any later run). */
  snaps: string[][]
  tracker: ReturnType<typeof createScriptTracker>
}

function harness(
  t: Test,
  scripts: VrrpScript[],
  opts: Partial<ScriptTrackerOptions> = {},
  snap: () => string[] = () => [],
): Harness {
  const h: Harness = { events: [], logs: [], snaps: [], tracker: undefined as never }
  h.tracker = createScriptTracker({
    enableScriptSecurity: true,
    log: (level, msg) => h.logs.push([level, msg]),
    userLookup: hostless(),
    killGraceMs: 300,
    checkScriptSecurity: trusting,
    ...opts,
  })
  h.tracker.start(scripts, (name, ok, detail) => {
    h.events.push({ name, ok, detail })
    h.snaps.push(snap())
  })
  t.teardown(() => h.tracker.stop())
  return h
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : [])
/** How many entries at the end of `runs` equal `v`. */
const trailing = (runs: string[], v: string): number => {
  let n = 0
  for (let i = runs.length - 1; i >= 0 && runs[i] === v; i--) n++
  return n
}

/** A check whose exit status is the number in `code`; each run appends it to `runs`. */
function flipScript(name: string): { path: string; code: string; runs: string } {
  const code = join(dir, `${name}.code`)
  const runs = join(dir, `${name}.runs`)
  writeFileSync(code, '0\n')
  const path = script(`${name}.sh`, `c=$(cat ${code}); echo $c >> ${runs}; exit $c`)
  return { path, code, runs }
}

t.test('rise/fall: fall consecutive failures to fail, rise successes to recover', async (t) => {
  const f = flipScript('flip')
  const h = harness(t, [vs('chk', f.path, { rise: 2, fall: 3 })], {}, () => lines(f.runs))
  t.ok(await until(() => lines(f.runs).length >= 2), 'runs on its interval')
  t.same(h.events, [], 'starts OK; a success confirms it without a change')

  writeFileSync(f.code, '1\n')
  t.ok(await until(() => h.events.length === 1), 'fails eventually')
  t.same(h.events[0], { name: 'chk', ok: false, detail: 'VRRP_Script(chk) failed (exited with status 1)' })
  t.equal(trailing(h.snaps[0] ?? [], '1'), 3, 'after exactly fall=3 consecutive failures')

  writeFileSync(f.code, '0\n')
  t.ok(await until(() => h.events.length === 2), 'recovers')
  t.same(h.events[1], { name: 'chk', ok: true, detail: 'VRRP_Script(chk) succeeded' })
  t.equal(trailing(h.snaps[1] ?? [], '0'), 2, 'after exactly rise=2 consecutive successes')
  t.ok(h.logs.some(([, m]) => m === 'Script `chk` now returning 1'), 'status changes are logged as keepalived does')
})

t.test('init_fail starts FAILED; a first failure without it fails at once despite fall', async (t) => {
  const a = flipScript('initfail')
  const b = flipScript('firstfail')
  writeFileSync(b.code, '4\n')
  const h = harness(t, [vs('a', a.path, { initFail: true, rise: 2 }), vs('b', b.path, { fall: 5 })], {}, () => lines(a.runs))
  t.ok(await until(() => h.events.length === 2))
  const aAt = h.events.findIndex((e) => e.name === 'a')
  const byName = Object.fromEntries(h.events.map((e) => [e.name, e]))
  t.same(byName.a, { name: 'a', ok: true, detail: 'VRRP_Script(a) succeeded' })
  t.equal(h.snaps[aAt]?.length, 2, 'init_fail needed rise=2 successes')
  t.same(byName.b, { name: 'b', ok: false, detail: 'VRRP_Script(b) failed (exited with status 4)' })
  t.equal(lines(b.runs)[0], '4')
})

t.test('a timeout is a failure and kills the script with its children', async (t) => {
  const pids = join(dir, 'slow.pids')
  const p = script('slow.sh', `sleep 100 &\necho $! >> ${pids}\necho $$ >> ${pids}\nwait`)
  const h = harness(t, [vs('slow', p, { intervalMs: 5000, timeoutMs: 150 })])
  t.ok(await until(() => h.events.length === 1))
  t.same(h.events[0], { name: 'slow', ok: false, detail: 'VRRP_Script(slow) timed_out' })
  const [child, leader] = lines(pids).map(Number)
  const gone = (pid: number) => {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
      return s.slice(s.lastIndexOf(')') + 2)[0] === 'Z'
    } catch {
      return true
    }
  }
  t.ok(await until(() => gone(child as number) && gone(leader as number)), 'neither the script nor its sleep 100 exists')
})

t.test('one run at a time, on a fixed grid, once per interval even when listed twice', async (t) => {
  const log = join(dir, 'grid.log')
  const busy = join(dir, 'grid.busy')
  // Each run takes ~2.5 intervals: the tracker must skip ticks, never overlap.
  const p = script('grid.sh', `[ -e ${busy} ] && echo overlap >> ${log}\ntouch ${busy}\necho run >> ${log}\nsleep 0.25\nrm -f ${busy}`)
  const s = vs('grid', p, { intervalMs: 100, timeoutMs: 2000 })
  const started = Date.now()
  const h = harness(t, [s, { ...s }])
  await sleep(1050)
  await h.tracker.stop()
  const elapsed = Date.now() - started
  const runs = lines(log)
  t.notOk(runs.includes('overlap'), 'never two runs of one script at once')
  const n = runs.filter((l) => l === 'run').length
  // Outcome, not timing: at least one run, and no more than one per 250 ms run
  // (listed twice, it would start twice as often if the tracker did not key by name).
  t.ok(n >= 1 && n <= Math.ceil(elapsed / 250), `${n} runs of a 250 ms script in ${elapsed} ms`)
  t.ok(h.logs.some(([, m]) => m === 'Track script grid is already running, expect idle - skipping run'))
})

t.test('a script shared by three instances runs once per interval, not three times', async (t) => {
  const log = join(dir, 'quick.log')
  const p = script('quick.sh', `echo run >> ${log}\nsleep 0.07`)
  const s = vs('quick', p, { intervalMs: 100 })
  const started = Date.now()
  const h = harness(t, [s, s, { ...s }])
  await sleep(1030)
  await h.tracker.stop()
  const elapsed = Date.now() - started
  const n = lines(log).length
  // Three runs per tick would give about 3 x elapsed / 100; one per tick at most elapsed / 100 + 1.
  t.ok(n >= 1 && n <= Math.floor(elapsed / 100) + 1, `${n} runs in ${elapsed} ms at a 100 ms interval`)
})

t.test('enable_script_security refuses unsafe scripts: disabled and failed', { skip: !root && 'needs root: a safe script must be root-owned' }, async (t) => {
  const ran = join(dir, 'unsafe.ran')
  const ww = script('ww.sh', `touch ${ran}`, 0o777)
  mkdirSync(join(dir, 'open'), { recursive: true })
  chmodSync(join(dir, 'open'), 0o777)
  const inOpen = script('open/x.sh', `touch ${ran}`)
  const safe = script('safe.sh', 'exit 0')
  const h = harness(t, [vs('ww', ww), vs('indir', inOpen), vs('safe', safe)], { checkScriptSecurity })
  t.ok(await until(() => h.events.length === 2))
  await sleep(150)
  t.same(
    h.events.sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'indir', ok: false, detail: 'VRRP_Script(indir) failed (disabled: unsafe permissions)' },
      { name: 'ww', ok: false, detail: 'VRRP_Script(ww) failed (disabled: unsafe permissions)' },
    ],
  )
  t.notOk(existsSync(ran), 'an unsafe script never runs')
  const msgs = h.logs.map(([, m]) => m)
  t.ok(msgs.includes(`Unsafe permissions found for script '${ww}' - disabling.`))
  t.ok(msgs.includes(`Unsafe permissions found for script '${inOpen}' - disabling.`))
  t.ok(msgs.includes('Disabling track script ww due to insecure'))
  t.notOk(msgs.some((m) => m.startsWith('SECURITY VIOLATION')))
})

t.test('without script security: one warning, and unsafe scripts still run', async (t) => {
  const ran = join(dir, 'lax.ran')
  const ww = script('lax.sh', `touch ${ran}`, 0o777)
  const h = harness(t, [vs('lax', ww), vs('lax2', ww)], { enableScriptSecurity: false, checkScriptSecurity })
  t.ok(await until(() => existsSync(ran)))
  const violations = h.logs.filter(([, m]) => m.startsWith('SECURITY VIOLATION'))
  // The config's diagnostic says "SECURITY VIOLATION" once at start (keepalived logs it once); the tracker does not repeat it.
  t.same(violations, [])
  t.ok(h.logs.some(([, m]) => m === `Unsafe permissions found for script '${ww}'.`))
  t.same(h.events, [])
})

t.test('stop() kills running scripts and nothing is reported afterwards', async (t) => {
  const pidFile = join(dir, 'long.pid')
  const p = script('long.sh', `echo $$ > ${pidFile}\nexec sleep 100`)
  const h = harness(t, [vs('long', p, { intervalMs: 50, timeoutMs: 10_000 })])
  t.ok(await until(() => existsSync(pidFile) && lines(pidFile).length > 0))
  const pid = Number(lines(pidFile)[0])
  const started = Date.now()
  await h.tracker.stop()
  t.ok(Date.now() - started < 1000, 'stop does not wait for the script to finish on its own')
  t.throws(() => process.kill(pid, 0), 'the script is gone')
  await sleep(150)
  t.same(h.events, [], 'no change reported for the killed run')
})

t.test('scripts run as script_user, else keepalived_script, else root', { skip: !root && 'needs root: a non-root vrrpd cannot switch users' }, async (t) => {
  const calls: Array<{ argv: string[]; opts: RunOptions }> = []
  const fake = async (argv: string[], opts: RunOptions): Promise<RunResult> => {
    calls.push({ argv, opts })
    return { exitCode: 0, signal: null, timedOut: false, durationMs: 1 }
  }
  const withKs = createUserLookup({ passwd: fx('passwd'), group: fx('group') }, false)
  const cases: Array<[string, Partial<ScriptTrackerOptions>, Partial<VrrpScript>, number, number]> = [
    ['default with keepalived_script', { userLookup: withKs }, {}, 998, 997],
    ['default without it', { userLookup: hostless() }, {}, 0, 0],
    ['script_user', { userLookup: withKs, scriptUser: { user: 'nobody' } }, {}, 65534, 65534],
    ['per-script user wins', { userLookup: withKs, scriptUser: { user: 'nobody' } }, { user: 'keepalived_script', group: 'nogroup' }, 998, 65534],
  ]
  for (const [what, opts, over, uid, gid] of cases) {
    calls.length = 0
    const tr = createScriptTracker({ enableScriptSecurity: false, runProcess: fake, ...opts })
    tr.start([vs('u', '/bin/true "an arg"', { intervalMs: 10_000, ...over })], () => {})
    await until(() => calls.length > 0)
    await tr.stop()
    t.match(calls[0], { argv: ['/bin/true', 'an arg'], opts: { uid, gid, timeoutMs: 1000 } }, what)
  }
})

t.test('an unknown user disables the script as failed', { skip: !root && 'needs root: a non-root vrrpd runs scripts as itself' }, async (t) => {
  const h = harness(t, [vs('who', '/bin/true', { user: 'ghost' })], { enableScriptSecurity: false })
  t.ok(await until(() => h.events.length === 1))
  t.same(h.events[0], { name: 'who', ok: false, detail: "VRRP_Script(who) failed (disabled: unknown user 'ghost')" })
})

t.test('a spawn failure counts as a failure (security off)', async (t) => {
  const h = harness(t, [vs('gone', join(dir, 'does-not-exist.sh'))], { enableScriptSecurity: false })
  t.ok(await until(() => h.events.length === 1))
  t.same(h.events[0], { name: 'gone', ok: false, detail: 'VRRP_Script(gone) failed (could not run: ENOENT: no such file)' })
})

t.test('reload: a failing script stays failed without a new report, init_fail included, and still reports its recovery', async (t) => {
  const f = flipScript('reload-keep')
  writeFileSync(f.code, '1\n')
  const s = vs('keep', f.path, { intervalMs: 50 })
  const h = harness(t, [s], {}, () => lines(f.runs))
  t.ok(await until(() => h.events.length === 1))
  t.same(h.events[0], { name: 'keep', ok: false, detail: 'VRRP_Script(keep) failed (exited with status 1)' })
  // init_fail now set: it must not reset the kept result (keepalived clear_diff_script).
  h.tracker.reload([{ ...s, initFail: true }], { enableScriptSecurity: true })
  t.ok(h.logs.some(([l, m]) => l === 'info' && m === 'VRRP_Script(keep) considered unsuccessful on reload'))
  const runs = lines(f.runs).length
  t.ok(await until(() => lines(f.runs).length >= runs + 3), 'it runs on after the reload')
  t.equal(h.events.length, 1, 'the failure is not reported again')
  writeFileSync(f.code, '0\n')
  t.ok(await until(() => h.events.length === 2), 'the recovery is reported')
  t.same(h.events[1], { name: 'keep', ok: true, detail: 'VRRP_Script(keep) succeeded' })
})

t.test('reload: an OK script stays OK; a removed script stops; a new one starts as at startup', async (t) => {
  const ok = flipScript('reload-ok')
  const gone = flipScript('reload-gone')
  const fresh = flipScript('reload-new')
  writeFileSync(fresh.code, '3\n')
  const h = harness(t, [vs('ok', ok.path, { intervalMs: 50 }), vs('gone', gone.path, { intervalMs: 50 })])
  // A second run of 'ok' starts only once the tracker has taken the first one's result:
  // only then is there a success for the reload to keep (one run alone may still be exiting).
  t.ok(await until(() => lines(ok.runs).length >= 2 && lines(gone.runs).length >= 1))
  h.tracker.reload([vs('ok', ok.path, { intervalMs: 50, rise: 3, fall: 3 }), vs('new', fresh.path, { intervalMs: 50, fall: 4 })], { enableScriptSecurity: true })
  t.ok(h.logs.some(([, m]) => m === 'VRRP_Script(ok) considered successful on reload'))
  t.ok(await until(() => h.events.length === 1), 'the new script reports')
  // No result yet, so its first one decides at once, whatever fall says (as at startup).
  t.same(h.events, [{ name: 'new', ok: false, detail: 'VRRP_Script(new) failed (exited with status 3)' }])
  const goneRuns = lines(gone.runs).length
  const okRuns = lines(ok.runs).length
  t.ok(await until(() => lines(ok.runs).length >= okRuns + 3))
  t.equal(lines(gone.runs).length, goneRuns, 'the removed script no longer runs')
  t.equal(h.events.length, 1, 'the kept OK script reports nothing')
})

t.test('reload applies enable_script_security and script_user to kept scripts', async (t) => {
  const calls: RunOptions[] = []
  const fake = async (_argv: string[], opts: RunOptions): Promise<RunResult> => {
    calls.push(opts)
    return { exitCode: 0, signal: null, timedOut: false, durationMs: 1 }
  }
  const unsafe = (path: string) => ({ ok: false as const, path, reason: 'insecure' as const, message: `Unsafe permissions found for script '${path}' - disabling.` })
  const h = harness(t, [vs('lax', '/opt/lax.sh', { intervalMs: 30 })], { enableScriptSecurity: false, runProcess: fake, checkScriptSecurity: unsafe })
  t.ok(await until(() => calls.length >= 2), 'runs while script security is off')
  t.same(h.events, [])
  h.tracker.reload([vs('lax', '/opt/lax.sh', { intervalMs: 30 })], { enableScriptSecurity: true })
  t.ok(await until(() => h.events.length === 1))
  t.same(h.events[0], { name: 'lax', ok: false, detail: 'VRRP_Script(lax) failed (disabled: unsafe permissions)' })
  t.ok(h.logs.some(([, m]) => m === 'Disabling track script lax due to insecure'))
  const n = calls.length
  await sleep(150)
  t.ok(calls.length <= n + 1, 'a disabled script no longer runs')
})
