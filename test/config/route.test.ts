// virtual_routes lines: what vrrpd installs, and the -t words for what is wrong,
// checked against keepalived 2.2.7's own `-t` on the same file (in a lab
// namespace, so that the interface exists for both).
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRoute } from '../../src/config/route.js'
import { formatDiagnostic, loadConfig } from '../../src/config/index.js'
import type { Diagnostic } from '../../src/config/model.js'
import { createLab, requireRoot } from '../helpers/netns.js'

const at = { file: 'k.conf', line: 7 }
function parse(line: string, interfaces = ['eth0']) {
  const diags: { severity: string; message: string }[] = []
  const sink = { error: (_a: unknown, message: string) => diags.push({ severity: 'error', message }), warning: (_a: unknown, message: string) => diags.push({ severity: 'warning', message }) }
  const route = parseRoute(line.split(' '), at, { sink: sink as never, interfaceExists: (n) => interfaces.includes(n) })
  return { route, messages: diags.map((d) => d.message) }
}

t.test('the keywords of keepalived.conf(5)', async (t) => {
  t.match(parse('192.0.2.0/24 via 10.0.0.1 dev eth0').route, { family: 4, destination: '192.0.2.0', prefixLength: 24, via: '10.0.0.1', dev: 'eth0', table: 254, type: 1, protocol: 18, track: true })
  t.match(parse('src 10.0.0.100 to 192.0.3.0/24 via 10.0.0.1 dev eth0').route, { preferredSource: '10.0.0.100', destination: '192.0.3.0' })
  t.match(parse('blackhole 198.51.100.0/24').route, { type: 6, destination: '198.51.100.0', track: false })
  t.match(parse('203.0.113.0/24 dev eth0 table 100 metric 5 no_track').route, { table: 100, metric: 5, track: false })
  t.match(parse('default via 10.0.0.1 table main').route, { destination: '0.0.0.0', prefixLength: 0, table: 254 })
  t.match(parse('2001:db8::/32 via fe80::1 dev eth0 scope link onlink').route, { family: 6, prefixLength: 32, scope: 253, onlink: true })
  t.match(parse('10.1.0.0/16 dev eth0 table 1000 protocol static no_track').route, { table: 1000, protocol: 4 })
})

t.test("errors in keepalived's words; the line is dropped", async (t) => {
  t.same(parse('192.0.4.0/24 via 10.0.0.1 dev eth0 table nosuch').messages, ['Routing table nosuch not found for route'])
  t.same(parse('192.0.5.0/24 dev eth0 frobnicate').messages, ['unknown route keyword frobnicate'])
  t.same(parse('192.0.2.0/24 via 2001:db8::1').messages, ['Cannot mix IPv4 and IPv6 addresses for route'])
  t.same(parse('via 10.0.0.1 dev eth0').messages, ['Route must have a destination'])
  t.same(parse('192.0.2.0/24 dev ghost0').messages, ["WARNING - interface ghost0 for VROUTE nexthop doesn't exist"])
  t.same(parse('192.0.2.0/24 dev eth0 metric x').messages, ['Invalid metric x specified for route'])
  t.same(parse('192.0.2.0/24 dev eth0 mtu 1400').messages, ["route option 'mtu' is not supported by vrrpd; route ignored"])
  for (const line of ['192.0.4.0/24 via 10.0.0.1 dev eth0 table nosuch', '192.0.5.0/24 dev eth0 frobnicate', '192.0.2.0/24 dev eth0 mtu 1400']) t.equal(parse(line).route, undefined, `dropped: ${line}`)
})

t.test('warnings that keep the route', async (t) => {
  const gw = parse('192.0.3.0/24 gw 10.0.0.1 dev eth0')
  t.same(gw.messages, ['"gw" for routes is deprecated. Please use "via"'])
  t.equal(gw.route?.via, '10.0.0.1')
  t.same(parse('blackhole 198.51.100.0/24').messages, ['Warning - cannot track route 198.51.100.0/24 with no interface specified, not tracking'])
  const proto = parse('192.0.6.0/24 dev eth0 scope link protocol static')
  t.same(proto.messages, ['Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol'])
  t.equal(proto.route?.protocol, 18)
})

const ROUTES = [
  '192.0.2.0/24 via 10.0.0.1 dev eth0',
  'blackhole 198.51.100.0/24',
  '203.0.113.0/24 dev eth0 table 100 metric 5 no_track',
  'src 10.0.0.100 to 192.0.3.0/24 gw 10.0.0.1 dev eth0',
  '192.0.4.0/24 via 10.0.0.1 dev eth0 table nosuch',
  '192.0.5.0/24 dev eth0 frobnicate',
  '192.0.6.0/24 dev eth0 scope link protocol static',
  '192.0.7.0/24 via 10.0.0.1 dev ghost0',
  'via 10.0.0.1 dev eth0',
]
const RULES = [
  'from 192.0.2.0/24 table 100 preference 1000',
  'to 198.51.100.0/24 lookup main priority 1001 no_track',
  'fwmark 7 table 100',
  'from 192.0.2.0/24 table nosuch',
  'from 192.0.2.0/24 preference 5',
  'from 192.0.2.0/24 table 100 blackhole preference 6',
  'from 192.0.2.0/24 goto 10 preference 20',
  'from 192.0.2.0/24 iif ghost0 table 100 preference 7',
  'from 192.0.2.0/24 to 2001:db8::/32 table 100 preference 8',
  'from 192.0.2.0/24 table 100 frob',
]

if (requireRoot(t)) {
  t.test('-t for routes and rules: the same lines, the same words and exit code as keepalived -t', async (t) => {
    const lab = await createLab(t, { hosts: ['a'] })
    const dir = mkdtempSync(join('/var/tmp', 'vrt-routes-'))
    t.teardown(() => lab.exec('a', 'rm', ['-rf', dir], { allowFail: true }))
    const file = join(dir, 'keepalived.conf')
    const lines = ['vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', '  priority 100', '  virtual_ipaddress {', '    10.0.0.100/24', '  }', '  virtual_routes {', ...ROUTES.map((r) => `    ${r}`), '  }', '  virtual_rules {', ...RULES.map((r) => `    ${r}`), '  }', '}']
    writeFileSync(file, `${lines.join('\n')}\n`)
    const k = await lab.exec('a', '/usr/sbin/keepalived', ['-t', '-l', '-n', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')], { allowFail: true })
    const theirs = `${k.stdout}${k.stderr}`
      .split('\n')
      .map((l) => /\(.*: Line (\d+)\) (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && !m[2]!.startsWith('VRRP parsed invalid IP'))
      .map((m) => `${m[1]}: ${m[2]}`)
    const r = loadConfig(file, { interfaceExists: (n) => n === 'eth0' })
    const ours = r.diagnostics.map((d: Diagnostic) => `${d.line}: ${d.message}`)
    t.same(ours, theirs, 'one diagnostic per line, in keepalived\'s words', { ours: r.diagnostics.map(formatDiagnostic) })
    t.equal(r.exitCode, k.code, `exit code ${k.code} for both`)
  })
}
