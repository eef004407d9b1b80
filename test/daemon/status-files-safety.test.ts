// issue 12: the SIGUSR1/SIGUSR2 dumps are written as root into a shared
// directory (/tmp): planted links must not redirect them, and other users must
// not read or rewrite them.
import t from 'tap'
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeStatusFile } from '../../src/daemon/status-files.js'
import type { DumpInput } from '../../src/daemon/keepalived-data.js'
import { createRouter, describeRouter } from '../../src/core/index.js'
import { hostOpts, makeConfig, makeInstance } from '../helpers/sim-config.js'

// One instance: keepalived writes no keepalived.json without one.
const config = makeConfig([makeInstance()])
const view: DumpInput = {
  view: {
    daemon: { name: 'vrrpd', pid: process.pid, startedAt: new Date(0).toISOString(), config: '/etc/keepalived/keepalived.conf' },
    instances: describeRouter(createRouter(config, hostOpts('10.0.0.1'))).instances,
    syncGroups: [],
    unattributedDrops: {},
  },
  config,
  interfaces: new Map(),
  lastTransition: new Map(),
  now: 0,
}

function sharedTmp(): { dir: string; victim: string } {
  const base = mkdtempSync(join(tmpdir(), 'vrrpd-dumps-'))
  const dir = join(base, 'tmp')
  mkdirSync(dir)
  chmodSync(dir, 0o1777)
  const victim = join(base, 'victim')
  writeFileSync(victim, 'precious\n')
  return { dir, victim }
}

t.test('the old predictable temporary planted as a link: the dump goes to its own file, the target is untouched', async (t) => {
  const { dir, victim } = sharedTmp()
  for (const [kind, name] of [['data', 'keepalived.data'], ['stats', 'keepalived.stats'], ['json', 'keepalived.json']] as const) {
    symlinkSync(victim, join(dir, `${name}.${process.pid}.tmp`))
    const path = writeStatusFile(kind, view, dir)!
    t.equal(path, join(dir, name))
    t.notOk(lstatSync(path).isSymbolicLink(), `${name} is a regular file`)
    t.equal(lstatSync(path).mode & 0o777, 0o600, `${name} is rw------- as keepalived's`)
  }
  t.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched')
})

t.test('the dump path itself planted as a link is refused with a clear message', async (t) => {
  const { dir, victim } = sharedTmp()
  symlinkSync(victim, join(dir, 'keepalived.data'))
  t.throws(() => writeStatusFile('data', view, dir), /refusing data dump .*keepalived\.data: it is a symbolic link to .*victim/)
  t.equal(readFileSync(victim, 'utf8'), 'precious\n')
})
