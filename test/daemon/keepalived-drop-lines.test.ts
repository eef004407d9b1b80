import t from 'tap'
import { keepalivedDropLine } from '../../src/daemon/keepalived-drop-lines.js'
import { makeInstance, vip } from '../helpers/sim-config.js'
import { encodeAdvert } from '../../src/protocol/index.js'
import { AUTH_TYPE, authDataFromPassword } from '../../src/protocol/index.js'
import type { ReceivedPacket } from '../../src/io/ports.js'

const inst = makeInstance({ virtualIpAddresses: [vip('10.0.0.100')] })
const payload = encodeAdvert(
  { version: 2, type: 1, virtualRouterId: 51, priority: 100, adverIntervalMs: 1000, authType: AUTH_TYPE.simple, authData: authDataFromPassword('x'), ipAddresses: ['10.0.0.100'], family: 4 },
  { source: '10.0.0.2', destination: '224.0.0.18' },
)
const packet = (over: Partial<ReceivedPacket> = {}): ReceivedPacket => ({ interface: 'eth0', family: 4, source: '10.0.0.2', destination: '224.0.0.18', ttl: 255, payload, ...over })

t.test("keepalived's words for the packet checks (vrrp.c vrrp_check_packet)", (t) => {
  t.equal(keepalivedDropLine('ttl', packet({ ttl: 64 }), inst), '(VI_1) invalid TTL/HL. Received 64 and expect 255')
  t.equal(keepalivedDropLine('length', packet({ payload: payload.subarray(0, payload.length - 5) }), inst), '(VI_1) vrrp packet too short, length 35 and expect 40')
  const long = Buffer.concat([payload, Buffer.alloc(4)])
  t.equal(keepalivedDropLine('addressCount', packet({ payload: long }), inst), '(VI_1) vrrp packet too long, length 44 and expect 40', 'a count that does not fit the length is a length error')
  const none = Buffer.from(payload)
  none[3] = 0
  t.equal(keepalivedDropLine('addressCount', packet({ payload: none }), inst), '(VI_1) received an unexpected ip number count 0, expected 1!')
  const v1 = Buffer.from(payload)
  v1[0] = 0x11
  t.equal(keepalivedDropLine('version', packet({ payload: v1 }), inst), '(VI_1) wrong version. Received 1 and expect 2')
  const type2 = Buffer.from(payload)
  type2[0] = 0x22
  t.equal(keepalivedDropLine('type', packet({ payload: type2 }), inst), '(VI_1) Invalid packet type. 2 and expect 1')
  const auth7 = Buffer.from(payload)
  auth7[4] = 7
  t.equal(keepalivedDropLine('authType', packet({ payload: auth7 }), inst), '(VI_1) Invalid auth type: 7')
  t.equal(keepalivedDropLine('checksum', packet(), inst), '(VI_1) Invalid VRRPv2 checksum')
  t.equal(keepalivedDropLine('notForUs', packet({ destination: '10.0.0.1' }), inst), '(VI_1) Expected multicast packet but received unicast packet')
  t.equal(keepalivedDropLine('vrid', packet(), undefined), undefined, 'no instance: keepalived says nothing')
  t.equal(keepalivedDropLine('ownAdvert', packet(), inst), undefined)
  t.end()
})
