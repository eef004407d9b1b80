// keepalived.data and keepalived_parent.data from vrrpd's view, read with
// keepalived-exporter's rules (the lab test keepalived-dumps compares them line
// by line with keepalived's own).
import t from 'tap'
import { createRouter, describeRouter } from '../../src/core/index.js'
import { commandString, renderKeepalivedData, renderKeepalivedParentData, type DumpInput } from '../../src/daemon/keepalived-data.js'
import { hostOpts, makeConfig, makeInstance, makeScript, track, vip } from '../helpers/sim-config.js'
import { parseVip, parseVrrpData, parseVrrpScripts } from '../helpers/keepalived-exporter-rules.js'
import type { VrrpInstance } from '../../src/config/model.js'

function input(state: 'MASTER' | 'BACKUP' | 'FAULT', over: Partial<VrrpInstance> = {}, scriptOk = true): DumpInput {
  const config = makeConfig([makeInstance({ virtualIpAddresses: [vip('10.0.0.100', 'eth0', 24)], trackScripts: [track('chk')], ...over })], { scripts: [makeScript('chk', { script: '/bin/true' })] })
  const view = describeRouter(createRouter(config, hostOpts('10.0.0.1')))
  const i = view.instances[0]!
  i.state = state
  if (state === 'BACKUP') Object.assign(i, { masterAddress: '10.0.0.2', masterPriority: 200 })
  i.tracks = i.tracks.map((x) => ({ ...x, ok: scriptOk }))
  const eth0 = { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', up: true, addresses: [{ family: 4 as const, address: '10.0.0.1', prefixLength: 24, primary: true }] }
  return { view: { daemon: { name: 'vrrpd', pid: 1, startedAt: '', config: 'x' }, instances: view.instances, syncGroups: [], unattributedDrops: {} }, config, interfaces: new Map([['eth0', eth0]]), lastTransition: new Map(), now: Date.now() }
}

t.test('the exporter reads state, interface, VRID and VIPs', (t) => {
  for (const state of ['MASTER', 'BACKUP', 'FAULT'] as const) {
    const d = parseVrrpData(renderKeepalivedData(input(state))).get('VI_1')!
    t.match(d, { iname: 'VI_1', state: ['INIT', 'BACKUP', 'MASTER', 'FAULT'].indexOf(state), wantstate: ['INIT', 'BACKUP', 'MASTER', 'FAULT'].indexOf(state), intf: 'eth0', vrid: 51, garpDelay: 5 }, state)
    t.same(d.vips.map(parseVip), [['10.0.0.100/24', 'eth0']], `${state}: the VIP with its interface`)
  }
  t.end()
})

t.test('the exporter reads the scripts: status and state', (t) => {
  t.same(parseVrrpScripts(renderKeepalivedData(input('MASTER'))), [{ name: 'chk', status: 'GOOD', state: 'idle' }])
  t.same(parseVrrpScripts(renderKeepalivedData(input('FAULT', {}, false))), [{ name: 'chk', status: 'BAD', state: 'idle' }])
  t.end()
})

t.test("keepalived's lines for the state", (t) => {
  const backup = renderKeepalivedData(input('BACKUP'))
  t.match(backup, /   State = BACKUP\n   Master router = 10\.0\.0\.2\n   Master priority = 200\n   Flags: none\n   Wantstate = BACKUP\n/)
  t.match(backup, /   Master down timer = 3609375 usecs\n/, '3 * 1 s + (256 - 100) / 256 s')
  const v3 = renderKeepalivedData(input('BACKUP', { version: 3, authentication: undefined }))
  t.match(v3, /   Master advert int = 1\.00 sec\n/, 'v3 backups show the master\'s interval')
  t.match(v3, /   Advert interval = 1000 milli-sec\n/)
  t.notMatch(v3, /Authentication type/, 'v3 has no authentication line')
  const master = renderKeepalivedData(input('MASTER', { unicastPeers: [{ address: '10.0.0.2', at: { file: 'x', line: 1 } }] }))
  t.match(master, /   Flags:\n     Using unicast\n/)
  t.match(master, /   Unicast Peer :\n     10\.0\.0\.2 min_ttl 0 max_ttl 255\n/)
  t.notMatch(master, /Multicast address/, 'unicast: no multicast address')
  t.match(master, /     10\.0\.0\.100\/24 dev eth0 scope global set\n/, 'a master\'s VIPs are "set"')
  t.match(master, /------< Interfaces >------\n Name = eth0\n   index = 2\n   IPv4 address = 10\.0\.0\.1\n/)
  t.end()
})

t.test('keepalived_parent.data: the global definitions, without the VRRP process\'s default interface', (t) => {
  const i = input('MASTER')
  const parent = renderKeepalivedParentData(i.config)
  t.match(parent, /^------< Global definitions >------\n/)
  t.notMatch(parent, /Default interface/)
  t.match(renderKeepalivedData(i), / Default interface = eth0\n/)
  t.match(parent, / Gratuitous ARP lower priority delay = 4294967295\n/, 'unset in the parent, as keepalived prints it')
  t.end()
})

t.test("commandString is keepalived's cmd_str: words quoted, the program resolved", (t) => {
  t.match(commandString('/bin/true'), /^'\/(usr\/)?bin\/true'$/)
  t.match(commandString('true "a b" c'), /^'\/.*true' 'a b' 'c'$/, 'searched in PATH; quoted words stay one')
  t.equal(commandString('/no/such/prog x'), "'/no/such/prog' 'x'")
  t.end()
})
