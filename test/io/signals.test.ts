import t from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { KEEPALIVED_SIGNALS, type KeepalivedSignal } from '../../src/io/signals.js'
import { until } from '../helpers/until.js'

const CHILD = new URL('../fixtures/io/signals-child.ts', import.meta.url).pathname
const loader = process.execArgv.filter((a) => a === '--enable-source-maps' || a.startsWith('--import'))

interface Child {
  proc: ChildProcess
  lines: string[]
  stderr: () => string
}

async function startChild(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [...loader, CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  createInterface({ input: proc.stdout! }).on('line', (l) => lines.push(l))
  await until(() => lines.some((l) => l.startsWith('ready ')), 20_000)
  return { proc, lines, stderr: () => err }
}

async function finish(c: Child): Promise<number | null> {
  c.proc.stdin!.end()
  return await new Promise((r) => c.proc.once('exit', (code) => r(code)))
}

// The oracle: keepalived's own numbers for the names --signum accepts.
t.test('the numbers are keepalived 2.2.7\'s own', { skip: existsSync('/usr/sbin/keepalived') ? false : 'no keepalived here' }, async (t) => {
  for (const name of ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'] as KeepalivedSignal[]) {
    const r = spawnSync('/usr/sbin/keepalived', [`--signum=${name}`], { encoding: 'utf8' })
    t.equal(Number(r.stdout.trim()), KEEPALIVED_SIGNALS[name], `--signum=${name}`)
  }
  const tdump = spawnSync('/usr/sbin/keepalived', ['--signum=TDUMP'], { encoding: 'utf8' })
  t.match(tdump.stderr, /Unknown sigfunc/, 'TDUMP is not in this build (we ignore SIGRTMAX anyway)')
})

t.test('every keepalived signal reaches its handler and none kills the process', async (t) => {
  const c = await startChild([])
  const modes = JSON.parse(c.lines.find((l) => l.startsWith('ready '))!.slice(6)) as Record<string, string>
  t.same(Object.values(modes).filter((m) => m !== 'handled'), [], 'all handled')
  for (const [name, signo] of Object.entries(KEEPALIVED_SIGNALS)) {
    process.kill(c.proc.pid!, signo)
    await until(() => c.lines.includes(`got ${signo}`) || c.proc.exitCode !== null || c.proc.signalCode !== null, 10_000)
    t.ok(c.lines.includes(`got ${signo}`), `${name} (${signo}) handled`)
    t.equal(c.proc.signalCode, null, `alive after ${name}`)
  }
  t.equal(await finish(c), 0, 'exits only when told')
  t.notMatch(c.stderr(), /DEP0111|DeprecationWarning|signal_wrap/, 'no deprecation warning reaches stderr')
})

t.test('without the binding: real-time signals are ignored, said so, and still do not kill', async (t) => {
  const c = await startChild(['no-binding'])
  const modes = JSON.parse(c.lines.find((l) => l.startsWith('ready '))!.slice(6)) as Record<string, string>
  t.equal(modes.JSON, 'ignored')
  t.equal(modes.STATS_CLEAR, 'ignored')
  t.equal(modes.DATA, 'handled', 'the others still go through process.on')
  t.ok(c.lines.some((l) => l === 'log warn signal 36 (keepalived JSON) is not supported by this Node; it is ignored'), 'logged')
  for (const signo of [KEEPALIVED_SIGNALS.JSON, KEEPALIVED_SIGNALS.STATS_CLEAR, KEEPALIVED_SIGNALS.TDUMP]) process.kill(c.proc.pid!, signo)
  process.kill(c.proc.pid!, KEEPALIVED_SIGNALS.DATA)
  await until(() => c.lines.includes(`got ${KEEPALIVED_SIGNALS.DATA}`) || c.proc.signalCode !== null, 10_000)
  t.equal(c.proc.signalCode, null, 'alive after the real-time signals')
  t.notOk(c.lines.includes('got 36'), 'no handler ran for the ignored one')
  t.equal(await finish(c), 0)
})
