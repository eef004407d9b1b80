import t from 'tap'
import { formatMac, parseMac, virtualMac } from '../../src/protocol/mac.js'

t.test('MAC text to bytes and back', async (t) => {
  t.equal(parseMac('06:43:8F:6c:e7:84')?.toString('hex'), '06438f6ce784')
  t.equal(parseMac('0:0:5e:0:1:33')?.toString('hex'), '00005e000133', 'one-digit parts, as some tools print them')
  for (const bad of ['', '06:43:8f:6c:e7', '06:43:8f:6c:e7:84:00', '06-43-8f-6c-e7-84', '06:43:8f:6c:e7:8g', '006:43:8f:6c:e7:84']) {
    t.equal(parseMac(bad), undefined, JSON.stringify(bad))
  }
  t.equal(formatMac(Buffer.from('00005e000133', 'hex')), '00:00:5e:00:01:33')
  t.equal(formatMac(Buffer.from('ffff06438f6ce784', 'hex'), 2), '06:43:8f:6c:e7:84', 'reads at an offset')
})

t.test('virtual router MAC address', async (t) => {
  // RFC 9568 7.3: 00-00-5E-00-01-{VRID} for IPv4
  t.equal(virtualMac(51, 4), '00:00:5e:00:01:33', 'VRID 51, as FRR sent it in the capture')
  t.equal(virtualMac(1, 4), '00:00:5e:00:01:01')
  t.equal(virtualMac(255, 4), '00:00:5e:00:01:ff')
  // RFC 9568 7.3: 00-00-5E-00-02-{VRID} for IPv6
  t.equal(virtualMac(51, 6), '00:00:5e:00:02:33')
  t.equal(virtualMac(10, 6), '00:00:5e:00:02:0a')
  // RFC 9568 5.2.3: VRID is 1..255
  for (const vrid of [0, 256, 1.5, -1]) t.throws(() => virtualMac(vrid, 4), RangeError, `VRID ${vrid}`)
})
