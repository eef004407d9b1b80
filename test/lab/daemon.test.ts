import t from 'tap'
import { daemonCommand, stateFromLog, defaultVrrpdMain } from '../../src/lab/daemon.js'
import { VRRPD_NODE_FLAGS } from '../../src/node-flags.js'
import type { LogLine } from '../../src/lab/proc.js'

const lines = (...texts: string[]): LogLine[] => texts.map((text, i) => ({ at: i, stream: 'stdout', text }))

t.test('the state is the last state line of the instance', async (t) => {
  t.equal(stateFromLog(lines()), undefined)
  const log = lines(
    'Wed Nov 25 19:16:03 2026: (VI_1) Entering BACKUP STATE (init)',
    'Wed Nov 25 19:16:07 2026: (VI_1) Entering MASTER STATE',
    'Wed Nov 25 19:16:08 2026: (VI_2) Entering FAULT STATE',
  )
  t.equal(stateFromLog(log), 'MASTER')
  t.equal(stateFromLog(log, 'VI_2'), 'FAULT')
  t.equal(stateFromLog(log, 'VI_3'), undefined)
  t.equal(stateFromLog(lines('2026-11-25T19:16:07.000Z INFO  (VI_1) Entering BACKUP STATE')), 'BACKUP', "vrrpd's text log")
})

t.test('keepalived runs in the foreground with private pid files', async (t) => {
  const { cmd, args } = daemonCommand('keepalived', { configPath: '/x/k.conf', runDir: '/x/run' })
  t.equal(cmd, '/usr/sbin/keepalived')
  for (const flag of ['--dont-fork', '--log-console', '--vrrp']) t.ok(args.includes(flag), flag)
  t.equal(args[args.indexOf('--use-file') + 1], '/x/k.conf')
  t.equal(args[args.indexOf('--pid') + 1], '/x/run/keepalived.pid')
  t.equal(args[args.indexOf('--vrrp_pid') + 1], '/x/run/keepalived_vrrp.pid')
})

t.test('vrrpd runs from dist/main.js under this node', async (t) => {
  const { cmd, args } = daemonCommand('vrrpd', { configPath: '/x/k.conf', runDir: '/x/run', vrrpdMain: '/opt/vrrpd/dist/main.js' })
  t.equal(cmd, process.execPath)
  // vrrpd's own node flags first, as bin/vrrpd's shebang gives them (src/node-flags.ts).
  t.same(args, [...VRRPD_NODE_FLAGS, '/opt/vrrpd/dist/main.js', '--dont-fork', '--log-console', '-f', '/x/k.conf', '--pid', '/x/run/vrrpd.pid'])
  t.match(defaultVrrpdMain(), /\/dist\/main\.js$/)
})
