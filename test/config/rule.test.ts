// virtual_rules / static_rules lines (keepalived's vrrp_iprule.c syntax); the -t
// comparison with keepalived itself is in route.test.ts.
import t from 'tap'
import { DiagnosticSink } from '../../src/config/diagnostics.js'
import { parseRule, FR_ACT } from '../../src/config/rule.js'

const at = { file: 'k.conf', line: 3 }
function parser() {
  const sink = new DiagnosticSink()
  const ctx = { sink, interfaceExists: (n: string) => n === 'eth0' }
  return { sink, parse: (line: string) => parseRule(line.split(' '), at, ctx) }
}

t.test('selectors, actions and preferences', async (t) => {
  const { parse } = parser()
  t.match(parse('from 192.0.2.0/24 table 100 preference 1000'), { family: 4, from: { address: '192.0.2.0', prefixLength: 24 }, action: FR_ACT.toTable, table: 100, priority: 1000, protocol: 18 })
  t.match(parse('not to 2001:db8::/32 lookup main priority 5 no_track'), { family: 6, invert: true, to: { prefixLength: 32 }, table: 254, protocol: undefined })
  t.match(parse('fwmark 0x10/0xff iif eth0 oif eth0 blackhole preference 9'), { fwmark: 16, fwmask: 255, iif: 'eth0', oif: 'eth0', action: FR_ACT.blackhole })
  t.match(parse('from all goto 50 preference 20'), { action: FR_ACT.goto, gotoTarget: 50, from: undefined })
})

t.test("a rule without a preference gets keepalived's, counted down from 16384 per family and load", async (t) => {
  const { sink, parse } = parser()
  t.equal(parse('from 192.0.2.0/24 table 100')?.priority, 16384)
  t.equal(parse('from 192.0.3.0/24 table 100')?.priority, 16383)
  t.equal(parse('from 2001:db8::/32 table 100')?.priority, 16384, 'IPv6 has its own count')
  t.match(sink.items.map((d) => d.message), ['Rule has no preference specified - setting to 16384. This is probably not what you want.', /16383/, /16384/])
  t.equal(parser().parse('from 192.0.2.0/24 table 100')?.priority, 16384, 'a new load starts again')
})

t.test("errors in keepalived's words drop the rule", async (t) => {
  const cases: [string, string][] = [
    ['from 192.0.2.0/24 preference 5', 'No action specified for rule - ignoring'],
    ['from 192.0.2.0/24 table 100 blackhole preference 6', 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule'],
    ['from 192.0.2.0/24 goto 10 preference 20', 'Invalid rule - preference 20 >= goto target 10'],
    ['from 192.0.2.0/24 goto 10', 'Invalid rule - goto target 10 specified without preference'],
    ['from 192.0.2.0/24 to 2001:db8::/32 table 1', 'rule specification has mixed IPv4 and IPv6'],
    ['from 192.0.2.0/24 table 0', 'Table 0 is not valid'],
    ['from 192.0.2.0/24 table 100 frob', 'Unknown rule option frob'],
    ['from 192.0.2.0/24 iif ghost0 table 1', "WARNING - interface ghost0 for rule doesn't exist"],
    ['from 192.0.2.0/24 table 1 uidrange 1-2', "rule option 'uidrange' is not supported by vrrpd; rule ignored"],
  ]
  for (const [line, message] of cases) {
    const { sink, parse } = parser()
    t.equal(parse(line), undefined, line)
    t.same(sink.items.map((d) => d.message), [message])
  }
})
