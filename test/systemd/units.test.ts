// systemd/vrrpd.service is keepalived.service's twin: compared here with the unit the
// keepalived package installs (the oracle), key by key. It must not restrict what a
// check or notify script can do (no user, capability or sandboxing setting: every one
// is visible to somebody's script), and the opt-in hardened drop-in grants exactly the
// two capabilities the non-root lab test runs vrrpd with (test/lab/vrrpd-nonroot.test.ts).
// `systemd-analyze verify` of both: test/scripts/build-deb.test.ts, on the installed package.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

type Unit = Map<string, string[]>

/** `Section.Key` -> values in order (keys may repeat); comments and blank lines dropped. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map()
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      section = header[1]!
      continue
    }
    const eq = line.indexOf('=')
    const key = `${section}.${line.slice(0, eq).trim()}`
    unit.set(key, [...(unit.get(key) ?? []), line.slice(eq + 1).trim()])
  }
  return unit
}

const local = (path: string) => parseUnit(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8'))
const vrrpd = local('systemd/vrrpd.service')
const KEEPALIVED_UNIT = '/lib/systemd/system/keepalived.service'

t.test("keepalived.service's settings, with vrrpd in keepalived's place", { skip: !existsSync(KEEPALIVED_UNIT) && 'keepalived is not installed' }, async (t) => {
  const keepalived = parseUnit(readFileSync(KEEPALIVED_UNIT, 'utf8'))
  for (const [key, values] of keepalived) {
    if (key === 'Unit.Description' || key === 'Unit.Documentation') continue
    // The config file stays keepalived's; the binary, defaults file and unit become vrrpd's.
    const expected = values.map((v) => (key === 'Unit.ConditionFileNotEmpty' ? v : v.replace(/keepalived/g, 'vrrpd')))
    t.same(vrrpd.get(key), expected, key)
  }
  t.ok(vrrpd.get('Unit.Documentation')?.join(' ').split(/\s+/).includes('man:vrrpd(8)'), 'Documentation=man:vrrpd(8)')
  t.same(vrrpd.get('Unit.Conflicts'), ['keepalived.service'], 'never beside keepalived')
})

t.test('the settings a script could notice are those of keepalived.service, plus none', async (t) => {
  // Beyond keepalived's own keys, only these: the notify protocol and the watchdog, how
  // vrrpd is restarted, its runtime directory, and how it is stopped (KillMode=mixed: the
  // SIGTERM goes to vrrpd alone, so a notify_stop script runs to its end instead of
  // being signalled with the daemon; docs/operations.md, "The systemd unit").
  const VRRPD_ONLY = new Set(['Unit.Conflicts', 'Service.NotifyAccess', 'Service.WatchdogSec', 'Service.KillMode', 'Service.TimeoutStopSec', 'Service.Restart', 'Service.RestartSec', 'Service.RuntimeDirectory', 'Service.RuntimeDirectoryPreserve'])
  const KEEPALIVED_KEYS = ['Unit.Description', 'Unit.After', 'Unit.Wants', 'Unit.Documentation', 'Unit.ConditionFileNotEmpty', 'Service.Type', 'Service.EnvironmentFile', 'Service.ExecStart', 'Service.ExecReload', 'Install.WantedBy']
  t.same([...vrrpd.keys()].filter((k) => !VRRPD_ONLY.has(k) && !KEEPALIVED_KEYS.includes(k)), [], 'no User=, capability, sandboxing or environment setting')
  t.same(vrrpd.get('Service.Type'), ['notify'])
  t.match(vrrpd.get('Service.WatchdogSec')?.[0], /^\d+s$/, 'a watchdog')
  t.same(vrrpd.get('Service.ExecStart'), ['/usr/sbin/vrrpd --dont-fork $DAEMON_ARGS'])
  t.same(vrrpd.get('Service.EnvironmentFile'), ['-/etc/default/vrrpd'])
})

t.test('/etc/default/vrrpd sets DAEMON_ARGS, empty, as /etc/default/keepalived', async (t) => {
  const text = readFileSync(fileURLToPath(new URL('../../systemd/vrrpd.default', import.meta.url)), 'utf8')
  t.same(text.split('\n').filter((l) => l.trim() && !l.startsWith('#')), ['DAEMON_ARGS=""'])
})

t.test('the hardened drop-in: a dynamic user with CAP_NET_ADMIN and CAP_NET_RAW, nothing more', async (t) => {
  const hardened = local('systemd/vrrpd-hardened.conf')
  t.same(hardened.get('Service.DynamicUser'), ['yes'])
  t.same(hardened.get('Service.AmbientCapabilities'), ['CAP_NET_ADMIN CAP_NET_RAW'], 'what test/lab/vrrpd-nonroot.test.ts grants')
  t.same(hardened.get('Service.CapabilityBoundingSet'), ['CAP_NET_ADMIN CAP_NET_RAW'])
  t.same(hardened.get('Service.NoNewPrivileges'), ['true'])
  t.same(hardened.get('Service.Environment'), ['TMPDIR=/run/vrrpd'], 'the signal dumps go where the service can write')
})
