import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCli, parseCliFast, type CliOptions } from '../src/cli.js'
import { parseCliWithYargs } from '../src/cli-yargs.js'
import { main, type MainIo } from '../src/main.js'

const opts = async (argv: string[]): Promise<CliOptions> => {
  const r = await parseCli(argv)
  if (!('config' in r)) throw new Error(`expected options, got exit ${r.exit}: ${r.message}`)
  return r
}

t.test('defaults', async (t) => {
  t.same((await opts([])), {
    config: '/etc/keepalived/keepalived.conf', configTest: false, dumpConf: false, logFormat: 'text',
    logDetail: false, logConsole: false, dontFork: false, warnings: [],
  })
})

t.test("keepalived's flags and aliases", async (t) => {
  t.equal((await opts(['-f', 'a.conf'])).config, 'a.conf')
  t.equal((await opts(['--use-file', 'b.conf'])).config, 'b.conf')
  t.equal((await opts(['--config=c.conf'])).config, 'c.conf')
  t.match((await opts(['-t', '-d', '-i', 'lb1', '-D', '-l', '-n', '-P', '-G'])), { configTest: true, dumpConf: true, configId: 'lb1', logDetail: true, logConsole: true, dontFork: true, warnings: [] })
  t.match((await opts(['--config-test', '--dump-conf', '--config-id', 'x'])), { configTest: true, dumpConf: true, configId: 'x' })
  t.equal((await opts(['-p', '/run/a.pid'])).pid, '/run/a.pid')
  t.equal((await opts(['-r', '/run/v.pid'])).pid, '/run/v.pid', '--vrrp_pid is our one pid file')
  t.match((await opts(['--log-format', 'json', '--log-level', 'debug'])), { logFormat: 'json', logLevel: 'debug' })
})

t.test('unsupported keepalived flags are accepted with a warning', async (t) => {
  t.same((await opts(['-C', '-S', '3', '--snmp', '--namespace', 'ns1'])).warnings, [
    'option --check is not supported by vrrpd and is ignored',
    'option --log-facility is not supported by vrrpd and is ignored',
    'option --snmp is not supported by vrrpd and is ignored',
    'option --namespace is not supported by vrrpd and is ignored',
  ])
})

t.test('help, version and usage errors come back as data', async (t) => {
  const help = await parseCli(['--help'])
  t.match(help, { exit: 0, message: /--config-test/ })
  // The subcommands keep their lines as written, whatever the terminal width (yargs would re-wrap usage text).
  const lines = 'message' in help ? String(help.message).split('\n') : []
  t.ok(lines.includes('  vrrpd status [--pid FILE | --control-socket PATH] [--format json|text|prometheus]'), 'the status line is whole')
  t.ok(lines.every((l) => l.length <= 100), 'no help line wider than 100 columns')
  t.match(await parseCli(['-v']), { exit: 0, message: /^vrrpd \d+\.\d+\.\d+/ })
  t.match(await parseCli(['--frobnicate']), { exit: 1, message: /Unknown argument: frobnicate/ })
  t.match(await parseCli(['-f']), { exit: 1, message: /Not enough arguments/ })
  t.match(await parseCli(['--log-format', 'xml']), { exit: 1, message: /Invalid values/ })
})

t.test('the fast reader answers as yargs does, or leaves argv to yargs', async (t) => {
  const plain: string[][] = [
    [], ['-f', 'a.conf'], ['--use-file', 'b.conf'], ['--config=c.conf'], ['--use-file=d.conf', '-t'],
    ['-t', '-d', '-i', 'lb1', '-D', '-l', '-n', '-P', '-G'], ['--config-test', '--dump-conf', '--config-id', 'x'],
    ['-p', '/run/a.pid'], ['-r', '/run/v.pid'], ['--vrrp_pid', '/run/v.pid', '--dont-fork'], ['--log-format', 'json', '--log-level', 'debug'],
    ['--log-format=json'], ['-u', '027'], ['--umask=0999'], ['--control-socket', '/run/x.sock'], ['--metrics-listen', '9165'],
    ['--metrics-listen', 'nope'], ['-C', '-S', '3', '--snmp', '--namespace', 'ns1'], ['--no-syslog', '--vrrp'], ['--debug', 'x'],
    ['-D', '--log-level', 'warn', '-f', '/etc/keepalived/keepalived.conf', '-p', '/run/k.pid', '--log-console'],
  ]
  for (const argv of plain) {
    const fast = parseCliFast(argv)
    t.ok(fast, `fast: ${argv.join(' ')}`)
    t.same(fast, parseCliWithYargs(argv), argv.join(' '))
  }
  const forYargs: string[][] = [
    ['--help'], ['-h'], ['-v'], ['--version'], ['--signum=RELOAD'], ['--signum', 'STOP'], ['--frobnicate'], ['-f'], ['-f', '-t'],
    ['--log-format', 'xml'], ['--log-level=loud'], ['-tf', 'x'], ['-Dl'], ['-fa.conf'], ['-f', 'a', '-f', 'b'], ['-f', 'a', '--use-file', 'b'],
    ['x'], ['--', 'x'], ['--config-test=true'], ['--no-config-test'], ['--configTest'], ['--pid='], ['-'],
  ]
  for (const argv of forYargs) t.equal(parseCliFast(argv), undefined, `to yargs: ${argv.join(' ')}`)
})

const fixtures = fileURLToPath(new URL('./fixtures/config', import.meta.url))
const capture = (): MainIo & { out: string[]; err: string[] } => {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), load: { interfaceExists: (n) => n === 'eth0' || n === 'eth1' } }
}

t.test('main -t prints FILE:LINE diagnostics to stderr and returns the exit code', async (t) => {
  const io = capture()
  const file = join(fixtures, 'broken/bad-priority.conf')
  t.equal(await main(['-t', '-f', file], io), 5)
  t.same(io.err, [`${file}:4: error: (VI_1) Priority not valid! must be between 1 & 255. Using default 100 (got '300')\n`])
  t.same(io.out, [])
  const ok = capture()
  t.equal(await main(['-t', '-f', join(fixtures, 'unicast.conf')], ok), 0)
  t.same(ok.err, [])
})

t.test('main -d prints the resolved model as JSON', async (t) => {
  const io = capture()
  // Its pgrep check runs without enable_script_security: 6, as keepalived -t says.
  t.equal(await main(['-d', '-f', join(fixtures, 'nginx-pair-backup.conf')], io), 6)
  const cfg = JSON.parse(io.out.join(''))
  t.match(cfg.instances[0], { name: 'VI_1', initialState: 'BACKUP', priority: 90, virtualRouterId: 51, authentication: { type: 'PASS', password: '1111' } })
  t.equal(cfg.scripts.chk_nginx.weight, -20)
})

t.test('the real CLI, spawned: -t exit codes, no stack trace', async (t) => {
  const dir = t.testdir({ 'k.conf': 'vrrp_instance VI_1 {\n interface lo\n virtual_router_id 5\n virtual_ipaddress {\n  127.0.0.99\n }\n}\n' })
  const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url))
  const spawn = (args: string[]) =>
    spawnSync(process.execPath, ['--import', '@tapjs/typescript/import', mainTs, ...args], {
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
  const ok = spawn(['-t', '-f', join(dir, 'k.conf')])
  t.equal(ok.status, 0, ok.stderr)
  t.equal(ok.stderr, '')
  const missing = spawn(['-t', '--use-file', join(dir, 'nope.conf')])
  t.equal(missing.status, 4)
  t.equal(missing.stderr, `${join(dir, 'nope.conf')}: error: cannot read configuration file ${join(dir, 'nope.conf')}: no such file\n`)
  writeFileSync(join(dir, 'k.conf'), 'vrrp_instance VI_1 {\n interface lo\n virtual_router_id 0\n}\n')
  const bad = spawn(['-t', '-f', join(dir, 'k.conf')])
  t.equal(bad.status, 4, 'the only instance is unusable')
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace')
})

t.test("--signum NAME answers as keepalived's (scripts and keepalived-exporter ask it for the numbers)", { skip: existsSync('/usr/sbin/keepalived') ? false : 'no keepalived here' }, async (t) => {
  for (const name of ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON', 'TDUMP', 'NOPE']) {
    const k = spawnSync('/usr/sbin/keepalived', [`--signum=${name}`], { encoding: 'utf8' })
    const ours = await parseCli([`--signum=${name}`])
    t.same(ours, { exit: k.status, message: (k.status === 0 ? k.stdout : k.stderr).trim() }, name)
  }
})
