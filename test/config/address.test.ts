import t from 'tap'
import { parseIp, parseVipEntry } from '../../src/config/address.js'
import { DiagnosticSink } from '../../src/config/diagnostics.js'
import type { Node } from '../../src/config/tree.js'

const at = { file: 'f', line: 3 }
const node = (text: string): Node => {
  const [keyword, ...rest] = text.split(' ')
  return { keyword: keyword as string, args: rest.map((r) => ({ text: r, quoted: false, at, start: 0, end: 0 })), at, text, rawArgs: rest.join(' ') }
}
const entry = (text: string) => {
  const sink = new DiagnosticSink()
  const e = parseVipEntry(node(text), { sink, interfaceExists: () => true })
  return { e, diags: sink.items.map((d) => `${d.severity}: ${d.message}`) }
}

t.test('parseIp: canonical forms, families, rejects junk', async (t) => {
  t.same(parseIp('10.0.0.1'), { address: '10.0.0.1', family: 4 })
  t.same(parseIp('2001:DB8:0:0::1'), { address: '2001:db8::1', family: 6 })
  t.same(parseIp('fe80::1%eth0'), { address: 'fe80::1', family: 6 })
  t.equal(parseIp('10.0.0.256'), undefined)
  t.equal(parseIp('eth0'), undefined)
})

t.test('VIP entry: addr[/len] brd dev scope label; defaults /32 and /128', async (t) => {
  t.match(entry('10.0.0.1').e, { address: '10.0.0.1', prefixLength: 32, dev: '', family: 4 })
  t.match(entry('2001:db8::1').e, { prefixLength: 128, family: 6 })
  t.match(entry('10.0.0.1/24 brd 10.0.0.255 dev eth1 scope link label eth1:1').e, {
    prefixLength: 24, broadcast: '10.0.0.255', dev: 'eth1', scope: 'link', label: 'eth1:1',
  })
  t.same(entry('10.0.0.1/24 no_track').diags, ["warning: address option 'no_track' is not supported by vrrpd and is ignored"])
})

t.test('malformed entries are errors that quote the bad text', async (t) => {
  t.same(entry('10.0.0.1/33').diags, ["error: malformed address '10.0.0.1/33'"])
  t.same(entry('2001:db8::1/129').diags, ["error: malformed address '2001:db8::1/129'"])
  t.same(entry('10.0.0.1/x').diags, ["error: malformed address '10.0.0.1/x'"])
  t.same(entry('10.0.0.1 scope planet').diags, ["error: unknown scope 'planet'"])
  t.same(entry('10.0.0.1 dev').diags, ["fatal: address option 'dev' of 10.0.0.1 needs a value (keepalived stops reading the config here)"])
  t.equal(entry('banana').e, undefined)
})
