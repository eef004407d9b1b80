// The demo's config is the classic two-node web setup; real keepalived's
// config test (-t) must accept it without a single complaint.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderDemoConfig } from '../../src/lab/config.js'
import { LabNetwork, run } from '../../src/lab/netns.js'
import { requireRoot } from '../helpers/netns.js'

const options = { routerId: 'web-a', priority: 100, vip: '10.77.0.100/24', iface: 'eth0', checkCommand: '/bin/true' }

t.test('the rendered config carries the demo settings', async (t) => {
  const text = renderDemoConfig(options)
  t.match(text, /priority 100\n/)
  t.match(text, /weight -20\n/, 'a failed check lowers 100 below the backup (90)')
  t.match(text, /auth_type PASS\n\s+auth_pass demo1234\n/)
  t.match(text, /10\.77\.0\.100\/24 dev eth0\n/)
  t.match(text, /track_script \{\n\s+chk_nginx\n/)
  t.match(renderDemoConfig({ ...options, authPass: 'x', virtualRouterId: 7 }), /virtual_router_id 7\n[\s\S]*auth_pass x\n/)
})

t.test('keepalived -t accepts it (exit 0, no messages)', async (t) => {
  // Not root: skipped, but a failure under CI=true (the lab tests must run there).
  if (!requireRoot(t)) return
  const net = await LabNetwork.create({ hosts: ['web-a'] })
  const dir = mkdtempSync(join(tmpdir(), 'vrt-lab-config-'))
  t.teardown(async () => {
    await net.teardown()
    rmSync(dir, { recursive: true, force: true })
  })
  const script = join(dir, 'check.sh')
  writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const conf = join(dir, 'keepalived.conf')
  writeFileSync(conf, renderDemoConfig({ ...options, checkCommand: script }))
  const r = await net.exec('web-a', '/usr/sbin/keepalived', ['-t', '-f', conf])
  t.equal(r.code, 0, 'keepalived -t exit code')
  t.equal(r.stderr.trim(), '', 'keepalived -t printed nothing')
  // Control: the same check does notice a broken config (so the test can fail).
  writeFileSync(conf, renderDemoConfig(options).replace('auth_type PASS', 'auth_type pass'))
  t.not((await run('ip', ['netns', 'exec', net.ns('web-a'), '/usr/sbin/keepalived', '-t', '-f', conf])).code, 0)
})
