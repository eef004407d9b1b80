import t from 'tap'
import { LoggedProcess } from '../../src/lab/proc.js'

t.test('lines are stamped on receipt and waited for', async (t) => {
  const p = LoggedProcess.spawn('sh', 'sh', ['-c', 'echo one; echo err >&2; sleep 0.3; echo two'])
  const one = await p.waitForLog(/^one$/, 2000)
  const two = await p.waitForLog(/^two$/, 2000)
  t.ok(two.at - one.at >= 250, `the second line is stamped later (${Math.round(two.at - one.at)} ms)`)
  t.equal(p.find(/^err$/)?.stream, 'stderr', 'stderr lines are kept apart')
  t.equal(await p.exited, 0)
  t.equal(p.running, false)
  t.equal(p.find(/^one$/, { since: two.at }), undefined, '`since` skips earlier lines')
})

t.test('waiting fails when the process exits without the line, or on timeout', async (t) => {
  const quick = LoggedProcess.spawn('quick', 'sh', ['-c', 'echo bye; exit 3'])
  await t.rejects(quick.waitForLog(/never/, 5000), /quick exited \(3\) before logging \/never\/[\s\S]*bye/)
  const slow = LoggedProcess.spawn('slow', 'sleep', ['5'])
  await t.rejects(slow.waitForLog(/never/, 100), /slow: no \/never\/ within 100 ms/)
  t.equal(await slow.stop('SIGTERM'), 'SIGTERM', 'stop reports the signal')
  t.equal(await slow.stop('SIGTERM'), 'SIGTERM', 'stopping twice is harmless')
})

t.test('stop escalates to SIGKILL when the child ignores SIGTERM', async (t) => {
  // An ignored signal stays ignored across exec.
  const stubborn = LoggedProcess.spawn('stubborn', 'sh', ['-c', 'trap "" TERM; echo ready; exec sleep 5'])
  await stubborn.waitForLog(/ready/, 2000)
  const started = performance.now()
  t.equal(await stubborn.stop('SIGTERM', 200), 'SIGKILL')
  t.ok(performance.now() - started < 2000, 'killed after the grace time')
})

t.test('a command that cannot start is reported, not thrown', async (t) => {
  const p = LoggedProcess.spawn('missing', '/nonexistent/cmd', [])
  t.equal(await p.exited, 'spawn-error')
  t.match(p.text(), /spawn failed/)
})

t.test('exit is seen even while a grandchild holds the output pipes', async (t) => {
  const p = LoggedProcess.spawn('forker', 'sh', ['-c', 'sleep 3 & echo $!'])
  const started = performance.now()
  const pid = Number((await p.waitForLog(/^\d+$/, 2000)).text)
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  })
  t.equal(await p.exited, 0)
  t.ok(performance.now() - started < 1500, 'not held up by the grandchild')
})
