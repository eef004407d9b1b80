import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { VRRPD_NODE_FLAGS } from '../src/node-flags.js'
import { daemonCommand } from '../src/lab/daemon.js'

const bin = new URL('../bin/vrrpd', import.meta.url).pathname

t.test('bin/vrrpd starts node with vrrpd\'s V8 flags, as the lab does', async (t) => {
  const shebang = readFileSync(bin, 'utf8').split('\n')[0]!
  t.equal(shebang, `#!/usr/bin/env -S node ${VRRPD_NODE_FLAGS.join(' ')}`)
  const { args } = daemonCommand('vrrpd', { configPath: '/x.conf', runDir: '/tmp/x', vrrpdMain: '/m.js', nodeArgs: ['--trace-gc'] })
  t.same(args.slice(0, VRRPD_NODE_FLAGS.length + 2), [...VRRPD_NODE_FLAGS, '--trace-gc', '/m.js'])
})

t.test('the shebang runs: env -S passes the flags to node', async (t) => {
  // Without the test runner's loader, which it adds to every child's NODE_OPTIONS.
  t.match(execFileSync('env', ['-u', 'NODE_OPTIONS', bin, '--version'], { encoding: 'utf8' }), /^vrrpd \d+\.\d+\.\d+/)
})
