// The capabilities vrrpd needs, read from /proc/PID/status (CapEff).
import t from 'tap'
import { missingCapabilities, missingOwnCapabilities } from '../../src/io/capabilities.js'

const status = (capEff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`

t.test('root has everything; each missing bit is named', async (t) => {
  t.same(missingCapabilities(status('000001ffffffffff')), [])
  t.same(missingCapabilities(status('0000000000000000'))?.map((c) => c.name), ['CAP_NET_ADMIN', 'CAP_NET_RAW'])
  // CAP_NET_ADMIN is bit 12 (0x1000), CAP_NET_RAW bit 13 (0x2000).
  t.same(missingCapabilities(status('0000000000001000'))?.map((c) => c.name), ['CAP_NET_RAW'])
  t.same(missingCapabilities(status('0000000000002000'))?.map((c) => c.name), ['CAP_NET_ADMIN'])
  t.equal(missingCapabilities('Name:\tnode\n'), undefined, 'no CapEff line: unknown, not "all missing"')
  t.equal(missingOwnCapabilities(() => { throw new Error('no /proc') }), undefined)
  t.ok(Array.isArray(missingOwnCapabilities()), 'this process has a readable /proc/self/status')
})
