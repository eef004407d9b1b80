import t from 'tap'
import { addressToNumber, authDataEqual, authDataFor, compareAddresses } from '../../src/core/address.js'

t.test('addresses compare as numbers, not text', (t) => {
  // RFC 3768 6.4.3: "primary IP Address of the sender is greater than the local primary IP Address"
  t.equal(compareAddresses('10.0.0.10', '10.0.0.9', 4), 1, '10 > 9 although "10" < "9" as text')
  t.equal(compareAddresses('10.0.0.9', '10.0.0.10', 4), -1)
  t.equal(compareAddresses('10.0.0.9', '10.0.0.9', 4), 0)
  t.equal(compareAddresses('fe80::10', 'fe80::9', 6), 1)
  t.equal(compareAddresses('fe80::1', 'fe80:0:0:0:0:0:0:1', 6), 0)
  t.equal(compareAddresses('2001:db8::1', 'fe80::1', 6), -1)
  t.end()
})

t.test('malformed addresses sort lowest and never throw', (t) => {
  // RFC 3768 6.4.3 (address comparison; wire text never throws)
  t.equal(addressToNumber('10.0.0.256', 4), undefined)
  t.equal(addressToNumber('1::2::3', 6), undefined)
  t.equal(addressToNumber('::ffff:10.0.0.1', 6), 0xffff0a000001n)
  t.equal(compareAddresses('junk', '10.0.0.1', 4), -1)
  t.end()
})

t.test('auth data compares 8 bytes, padded with NUL', (t) => {
  // RFC 3768 5.3.10: Authentication Data is 8 octets
  t.ok(authDataEqual(authDataFor('secret'), authDataFor('secret')))
  t.notOk(authDataEqual(authDataFor('secret'), authDataFor('secreT')))
  t.ok(authDataEqual(authDataFor('12345678'), authDataFor('123456789')), 'truncated to 8 as keepalived')
  t.ok(authDataEqual(Buffer.from('abc'), authDataFor('abc')), 'a short buffer is NUL padded')
  t.end()
})
