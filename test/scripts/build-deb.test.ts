// The Debian package (scripts/build-deb.sh, `npm run deb`): built, installed with
// dpkg on this machine, checked as a user would (`vrrpd -t`, systemd-analyze
// verify), purged, and nothing left behind. Also what `npm pack` ships.
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, statSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireRoot } from '../helpers/netns.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// A plain environment, without tap's loaders and hooks: the installed vrrpd runs as a user runs it.
const cleanEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' }
// tap's process-info hook puts its loaders back into NODE_OPTIONS of every child; `env -u` takes them out again.
const run = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) =>
  spawnSync('env', ['-u', 'NODE_OPTIONS', cmd, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...cleanEnv, ...opts.env }, timeout: 300_000 })

t.test('the .deb builds, installs, verifies and purges cleanly', { timeout: 600_000 }, async (t) => {
  if (!requireRoot(t)) return
  if (run('dpkg', ['-s', 'vrrpd']).status === 0) {
    // Never replace a real installation of the machine's admin.
    if (process.env.CI === 'true') t.fail('a vrrpd package is already installed on this CI machine')
    else t.plan(0, 'skipped: a vrrpd package is installed here')
    return
  }
  const out = mkdtempSync(join(tmpdir(), 'vrt-deb-'))
  t.teardown(() => {
    if (run('dpkg', ['-s', 'vrrpd']).status === 0) run('dpkg', ['--purge', 'vrrpd'])
    rmSync(out, { recursive: true, force: true })
  })

  const built = run('bash', ['scripts/build-deb.sh', out])
  t.equal(built.status, 0, `build-deb.sh exits 0${built.status ? `\n${built.stderr}` : ''}`)
  const deb = built.stdout.trim().split('\n').at(-1)!
  t.match(deb, /\/vrrpd_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/, 'named vrrpd_<version>_<arch>.deb')
  const info = run('dpkg-deb', ['-I', deb]).stdout
  t.match(info, /Depends: nodejs \(>= \d+\), nodejs \(<< \d+\.999\), iproute2/)
  // vrrp_strict / no_accept and use_vmac filter VIP traffic with the nft command.
  t.match(info, /Recommends: nftables/)
  const contents = run('dpkg-deb', ['-c', deb]).stdout
  for (const path of ['./usr/sbin/vrrpd', './lib/systemd/system/vrrpd.service', './etc/default/vrrpd', './usr/share/man/man8/vrrpd.8.gz', './usr/lib/vrrpd/dist/main.js', './usr/lib/vrrpd/node_modules/raw-socket/build/Release/raw.node']) {
    t.match(contents, ` ${path}`, `contains ${path}`)
  }
  t.notMatch(contents, /node_modules\/(tap|typescript)\//, 'no dev dependencies')
  t.notMatch(contents, /koffi\/build\/koffi\/win32/, "no other platform's koffi")

  const installed = run('dpkg', ['-i', deb])
  t.equal(installed.status, 0, `dpkg -i${installed.status ? `\n${installed.stderr}` : ''}`)
  t.match(installed.stdout, /installed, not started/, 'the postinst starts nothing')
  const files = run('dpkg', ['-L', 'vrrpd']).stdout.trim().split('\n')

  const conf = join(out, 'keepalived.conf')
  writeFileSync(conf, 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n')
  const check = run('/usr/sbin/vrrpd', ['-t', '-f', conf])
  t.equal(check.status, 0, `vrrpd -t on a good config${check.status ? `\n${check.stderr}` : ''}`)
  t.equal(run('/usr/sbin/vrrpd', ['--version']).stdout.trim(), `vrrpd ${JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: ROOT, encoding: 'utf8' }))}`)
  t.equal(run('man', ['-w', 'vrrpd']).status, 0, 'man vrrpd finds the page')

  const verify = run('systemd-analyze', ['verify', '/lib/systemd/system/vrrpd.service'])
  t.equal(verify.status, 0, `systemd-analyze verify vrrpd.service${verify.status ? `\n${verify.stderr}` : ''}`)
  // The opt-in hardened drop-in, verified on top of the installed unit.
  const units = join(out, 'units')
  mkdirSync(join(units, 'vrrpd.service.d'), { recursive: true })
  copyFileSync('/lib/systemd/system/vrrpd.service', join(units, 'vrrpd.service'))
  copyFileSync('/usr/share/doc/vrrpd/examples/vrrpd-hardened.conf', join(units, 'vrrpd.service.d', 'hardened.conf'))
  const hardened = run('systemd-analyze', ['verify', join(units, 'vrrpd.service')], { env: { SYSTEMD_UNIT_PATH: `${units}:` } })
  t.equal(hardened.status, 0, `the hardened drop-in verifies${hardened.status ? `\n${hardened.stderr}` : ''}`)

  const purged = run('dpkg', ['--purge', 'vrrpd'])
  t.equal(purged.status, 0, 'dpkg --purge')
  t.not(run('dpkg', ['-s', 'vrrpd']).status, 0, 'no longer known to dpkg')
  const left = files.filter((f) => {
    try {
      // statSync follows links: /lib is a link to usr/lib on merged-/usr systems, not a leftover.
      return !statSync(f).isDirectory()
    } catch {
      return false
    }
  })
  t.same(left, [], 'no file of the package is left')
  t.notOk(existsSync('/usr/lib/vrrpd'), '/usr/lib/vrrpd is gone')
  t.notOk(existsSync('/etc/default/vrrpd'), 'the conffile is purged')
})

t.test('npm pack ships what a global install needs, and no tests or sources', async (t) => {
  const packed = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'])
  t.equal(packed.status, 0, 'npm pack --dry-run')
  const [pkg] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>
  const paths = pkg!.files.map((f) => f.path)
  for (const p of ['bin/vrrpd', 'dist/main.js', 'dist/daemon/run.js', 'systemd/vrrpd.service', 'systemd/vrrpd-hardened.conf', 'systemd/vrrpd.default', 'man/vrrpd.8', 'docs/configuration.md', 'package.json', 'README.md']) {
    t.ok(paths.includes(p), `contains ${p}`)
  }
  t.notOk(paths.some((p) => p.startsWith('test/') || p.startsWith('src/') || p.startsWith('bench/')), 'no tests, sources or benchmarks')
  t.ok(readdirSync(join(ROOT, 'dist')).length > 0)
})

t.test('a global npm install of the packed tarball runs', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrt-npm-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const packed = run('npm', ['pack', '--pack-destination', dir, '--ignore-scripts', '--loglevel=error'])
  t.equal(packed.status, 0, `npm pack${packed.status ? `\n${packed.stderr}` : ''}`)
  const tgz = join(dir, packed.stdout.trim().split('\n').at(-1)!)
  // Into a prefix of the test's own: `npm install -g` without touching /usr.
  const prefix = join(dir, 'global')
  // The machine's network settings (CA bundle, proxies) reach npm; tap's hooks do not.
  const network = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(NODE_EXTRA_CA_CERTS|https?_proxy|no_proxy|npm_config_(registry|cache|proxy|https_proxy|cafile))$/i.test(k)))
  const installed = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tgz], { env: network })
  t.equal(installed.status, 0, `npm install -g${installed.status ? `\n${installed.stderr}` : ''}`)
  const vrrpd = join(prefix, 'bin', 'vrrpd')
  t.match(run(vrrpd, ['--version']).stdout, /^vrrpd \d+\.\d+\.\d+/, 'vrrpd --version from the global install')
  const conf = join(dir, 'keepalived.conf')
  writeFileSync(conf, 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n')
  const check = run(vrrpd, ['-t', '-f', conf])
  t.equal(check.status, 0, `vrrpd -t from the global install${check.status ? `\n${check.stderr}` : ''}`)
  // The native addon came with the install (built or prebuilt for this Node.js).
  t.ok(existsSync(join(prefix, 'lib', 'node_modules', 'vrrpd', 'node_modules', 'raw-socket', 'build', 'Release', 'raw.node')), 'raw-socket addon built')
  t.ok(existsSync(join(prefix, 'share', 'man', 'man8', 'vrrpd.8')), 'vrrpd(8) linked into the prefix\'s man pages')
  t.ok(existsSync(join(prefix, 'lib', 'node_modules', 'vrrpd', 'systemd', 'vrrpd.service')), 'the unit, to copy into /etc/systemd/system')
})
