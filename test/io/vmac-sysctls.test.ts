import t from 'tap'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VmacSysctls } from '../../src/io/vmac-sysctls.js'

/** A fake /proc/sys with these net.ipv4.conf values (and ipv6 conf dirs). */
function procSys(dir: string, conf: Record<string, Record<string, number>>): string {
  for (const [iface, params] of Object.entries(conf)) {
    mkdirSync(join(dir, 'net/ipv4/conf', iface), { recursive: true })
    mkdirSync(join(dir, 'net/ipv6/conf', iface), { recursive: true })
    for (const [p, v] of Object.entries(params)) writeFileSync(join(dir, 'net/ipv4/conf', iface, p), `${v}\n`)
  }
  return dir
}
const read = (dir: string, iface: string, p: string, fam = 'ipv4') => readFileSync(join(dir, 'net', fam, 'conf', iface, p), 'utf8').trim()

t.test("keepalived's VMAC parameters, and the base's put back by the last VMAC on it", async (t) => {
  const dir = procSys(t.testdir(), { all: { rp_filter: 0 }, default: { rp_filter: 0 }, eth0: { arp_ignore: 0, arp_filter: 0 }, 'vrrp.1': {}, 'vrrp.2': {} })
  const s = new VmacSysctls({ procSys: dir })
  s.apply('vrrp.1', 'eth0')
  s.apply('vrrp.2', 'eth0')
  s.setIpv6('vrrp.1', false)
  t.same(['arp_ignore', 'accept_local', 'rp_filter', 'promote_secondaries'].map((p) => read(dir, 'vrrp.1', p)), ['1', '1', '0', '1'])
  t.equal(read(dir, 'vrrp.1', 'disable_ipv6', 'ipv6'), '1', 'no IPv6 on an IPv4 VMAC')
  t.same([read(dir, 'eth0', 'arp_ignore'), read(dir, 'eth0', 'arp_filter')], ['1', '1'])
  s.release('eth0')
  t.same([read(dir, 'eth0', 'arp_ignore'), read(dir, 'eth0', 'arp_filter')], ['1', '1'], 'one VMAC left: unchanged')
  s.release('eth0')
  t.same([read(dir, 'eth0', 'arp_ignore'), read(dir, 'eth0', 'arp_filter')], ['0', '0'], 'the last one gone: as found')
})

t.test('all.rp_filter: others raised to it, then 0; put back at stop where still ours', async (t) => {
  const dir = procSys(t.testdir(), { all: { rp_filter: 2 }, default: { rp_filter: 1 }, eth0: { rp_filter: 0, arp_ignore: 0, arp_filter: 0 }, eth1: { rp_filter: 2 }, 'vrrp.1': {} })
  const lines: string[] = []
  const log = { info: (m: string) => lines.push(m), warn: () => {}, debug: () => {}, error: () => {} }
  const s = new VmacSysctls({ procSys: dir, log: log as never })
  s.apply('vrrp.1', 'eth0')
  t.same([read(dir, 'all', 'rp_filter'), read(dir, 'default', 'rp_filter'), read(dir, 'eth0', 'rp_filter'), read(dir, 'eth1', 'rp_filter'), read(dir, 'vrrp.1', 'rp_filter')], ['0', '2', '2', '2', '0'])
  t.same(lines, ['NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from 1 to 2', 'NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from 2 to 0'], "keepalived's NOTICE lines")
  s.release('eth0')
  s.restoreRpFilter()
  t.same([read(dir, 'all', 'rp_filter'), read(dir, 'default', 'rp_filter'), read(dir, 'eth0', 'rp_filter'), read(dir, 'eth1', 'rp_filter')], ['2', '1', '0', '2'])
})
