import t, { type Test } from 'tap'
import type * as IpCommand from '../../src/io/ip-command.js'

type Callback = (error: Error | null, stdout: string, stderr: string) => void
interface Call {
  file: string
  args: string[]
  opts: Record<string, unknown>
}

/** runIp with execFile replaced by one that answers `reply`. */
async function withExecFile(t: Test, reply: (call: Call) => [Error | null, string, string]) {
  const calls: Call[] = []
  const mod = await t.mockImport<typeof IpCommand>('../../src/io/ip-command.js', {
    'node:child_process': {
      execFile: (file: string, args: string[], opts: Record<string, unknown>, cb: Callback) => {
        const call = { file, args, opts }
        calls.push(call)
        const [e, out, err] = reply(call)
        setImmediate(() => cb(e, out, err))
      },
    },
  })
  return { runIp: mod.runIp, calls }
}

function exitError(code: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`Command failed: ip`), { code, ...extra })
}

t.test('runs ip with the arguments as given, without a shell', async (t) => {
  const { runIp, calls } = await withExecFile(t, () => [null, '[]', ''])
  const r = await runIp(['addr', 'add', '10.0.0.1/32', 'dev', 'eth0; reboot'])
  t.same(r, { ok: true, stdout: '[]', stderr: '' })
  t.equal(calls[0]!.file, 'ip')
  t.same(calls[0]!.args, ['addr', 'add', '10.0.0.1/32', 'dev', 'eth0; reboot'])
  t.notOk(calls[0]!.opts.shell, 'no shell')
  t.type(calls[0]!.opts.timeout, 'number', 'a timeout is set')
})

t.test('a non-zero exit resolves with ok false and the stderr text', async (t) => {
  const { runIp } = await withExecFile(t, () => [exitError(2), '', 'RTNETLINK answers: File exists\n'])
  t.same(await runIp(['addr', 'add', '10.0.0.1/32', 'dev', 'eth0']), { ok: false, stdout: '', stderr: 'RTNETLINK answers: File exists' })
})

t.test('ip missing is reported in words', async (t) => {
  const { runIp } = await withExecFile(t, () => [exitError(0, { code: 'ENOENT' }), '', ''])
  t.match(await runIp(['link']), { ok: false, stderr: 'ip: command not found (install iproute2)' })
})

t.test('a killed (timed out) ip is a failure with a reason', async (t) => {
  const { runIp } = await withExecFile(t, () => [exitError(0, { code: null, killed: true, signal: 'SIGTERM' }), '', ''])
  t.match(await runIp(['monitor']), { ok: false, stderr: /ip monitor: killed \(SIGTERM\)/ })
})

t.test('the binary and timeout can be chosen', async (t) => {
  const { runIp, calls } = await withExecFile(t, () => [null, '', ''])
  await runIp(['link'], { binary: '/sbin/ip', timeoutMs: 1234 })
  t.equal(calls[0]!.file, '/sbin/ip')
  t.equal(calls[0]!.opts.timeout, 1234)
})
