// Which interfaces, scripts and files matter, and which address an instance
// speaks from (RFC 9568 5.1.1.1: the primary address of the interface).
import t from 'tap'
import { primaryAddressOf, referencedInterfaces, referencedScripts, transportKey } from '../../src/daemon/topology.js'
import type { InterfaceInfo } from '../../src/io/ports.js'
import { makeConfig, makeInstance } from '../helpers/sim-config.js'

const info = (addresses: InterfaceInfo['addresses']): InterfaceInfo => ({ name: 'eth0', index: 2, mac: '02:00:00:00:00:01', up: true, addresses })

t.test('the source is the first primary address of the family', async (t) => {
  const i = info([
    { family: 4, address: '10.0.0.1', prefixLength: 24, primary: true },
    { family: 4, address: '10.0.0.2', prefixLength: 24, primary: false },
  ])
  t.equal(primaryAddressOf(i, 4, new Set()), '10.0.0.1')
  t.equal(primaryAddressOf(undefined, 4, new Set()), undefined, 'no interface, no address')
  t.equal(primaryAddressOf(i, 6, new Set()), undefined, 'no address of that family')
})

t.test('a VIP in another subnet shows as primary but is never the source', async (t) => {
  const i = info([
    { family: 4, address: '192.168.9.9', prefixLength: 32, primary: true },
    { family: 4, address: '10.0.0.1', prefixLength: 24, primary: true },
  ])
  t.equal(primaryAddressOf(i, 4, new Set(['192.168.9.9'])), '10.0.0.1')
})

t.test('IPv6 speaks from the link-local address (RFC 9568 5.1.2.1)', async (t) => {
  const i = info([
    { family: 6, address: '2001:db8::1', prefixLength: 64, primary: true },
    { family: 6, address: 'fe80::1', prefixLength: 64, primary: true },
  ])
  t.equal(primaryAddressOf(i, 6, new Set()), 'fe80::1')
})

t.test('referenced interfaces and scripts', async (t) => {
  const inst = makeInstance({ interface: 'eth0' })
  const config = makeConfig([{ ...inst, trackInterfaces: [{ name: 'eth9', weight: 0, reverse: false, at: inst.at }], trackScripts: [{ name: 'chk', weight: -20, reverse: false, at: inst.at }] }])
  config.scripts = {
    chk: { name: 'chk', script: '/bin/true', intervalMs: 1000, timeoutMs: 1000, weight: 0, reverse: false, rise: 1, fall: 1, initFail: false, at: inst.at },
    unused: { name: 'unused', script: '/bin/false', intervalMs: 1000, timeoutMs: 1000, weight: 0, reverse: false, rise: 1, fall: 1, initFail: false, at: inst.at },
  }
  t.same(referencedInterfaces(config).sort(), ['eth0', 'eth9'])
  t.same(referencedScripts(config).map((s) => s.name), ['chk'], 'scripts nobody tracks do not run (as keepalived)')
  t.equal(transportKey('eth0', 4), 'eth0/4')
})
