// Issue 10, "Must show" for vrrp_strict and the rest of the parsed-only list,
// with keepalived 2.2.7 beside vrrpd under the same config, in one lab:
// - while MASTER, a client cannot reach nginx on a VIP of an instance without
//   accept mode; it can with `accept`, on the address owner's VIP (priority
//   255) and outside strict mode; keepalived and vrrpd agree, each with a table
//   of its own name ("keepalived", "vrrpd"), and both tables are gone after stop;
// - a MASTER hearing a lower priority runs notify_master_rx_lower_pri with its
//   own arguments only, writes `INSTANCE "X" MASTER_RX_LOWER_PRI prio` to the
//   notify FIFO and sends garp_lower_prio_repeat GARPs now and again after
//   garp_lower_prio_delay: the same for both daemons;
// - vrrp_notify_priority_changes: a track_file moving the effective priority
//   writes `INSTANCE "X" MASTER_PRIORITY prio` to the FIFO, as keepalived.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { startNginx } from '../helpers/nginx.js'
import { startInjector } from '../helpers/pair-lab.js'
import { startCapture, type ArpPacket } from '../helpers/capture.js'
import { fileLines, scratchDir, writeScript } from '../helpers/runtime-vrrpd.js'
import { buildIpv4Header, encodeAdvert, VRRP_MULTICAST_IPV4, type Advert } from '../../src/protocol/index.js'
import type { Daemon } from '../../src/lab/daemon.js'

const HOSTS = { k: { vridBase: 10, vipBase: 110 }, v: { vridBase: 20, vipBase: 120 } } as const
type Host = keyof typeof HOSTS
const INSTANCES = ['DROP', 'ACCEPT', 'OWNER', 'LOOSE'] as const

/** A strict IPv6 instance's VIPs: link-local first (keepalived wants it so), then a global one. */
const vips6Of = (host: Host): [string, string] => [`fe80::${HOSTS[host].vipBase}:1`, `2001:db8::${HOSTS[host].vipBase}:1`]

const vipOf = (lab: Lab, host: Host, i: number): string => lab.address(HOSTS[host].vipBase + i)

/** One config per host (VRIDs and VIPs apart, so each host is MASTER of its own); the same text otherwise. */
function conf(lab: Lab, host: Host, dir: string): string {
  const { vridBase } = HOSTS[host]
  const inst = (name: string, i: number, priority: number, extra: string[]): string => `vrrp_instance ${name} {
  state ${priority === 255 ? 'MASTER' : 'BACKUP'}
  interface ${lab.iface(host)}
  virtual_router_id ${vridBase + i}
  priority ${priority}
  advert_int 1
${extra.map((l) => `  ${l}\n`).join('')}  virtual_ipaddress {
    ${vipOf(lab, host, i)}/24
  }
}
`
  return [
    `global_defs {
  vrrp_strict
  vrrp_notify_fifo ${dir}/${host}.fifo
  vrrp_notify_fifo_script "/bin/sh ${dir}/reader.sh ${host}"
  vrrp_notify_priority_changes
}
track_file prio {
  file ${dir}/prio-${host}
  weight -10
}
`,
    inst('DROP', 1, 100, []),
    // VRRPv2 has no accept mode in strict mode (keepalived resets it): v3.
    inst('ACCEPT', 2, 100, ['version 3', 'accept']),
    inst('OWNER', 3, 255, []),
    // Strict mode off: accept by default, lower-priority GARPs and adverts allowed.
    inst('LOOSE', 4, 200, [
      'strict_mode off',
      'garp_master_delay 0',
      'garp_lower_prio_repeat 2',
      'garp_lower_prio_delay 2',
      `notify_master_rx_lower_pri "/bin/sh ${dir}/rx-lower.sh ${host}"`,
      'track_file {',
      '  prio',
      '}',
    ]),
    `vrrp_instance DROP6 {
  state BACKUP
  interface ${lab.iface(host)}
  virtual_router_id ${vridBase + 5}
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${vips6Of(host).join('\n    ')}
  }
}
`,
  ].join('\n')
}

/** `nft list ruleset` with the table name and this host's VIPs as placeholders, for comparing the daemons. */
async function ruleset(lab: Lab, host: Host, table: string): Promise<string> {
  const text = (await lab.exec(host, 'nft', ['list', 'ruleset'])).stdout
  const [ll, global] = vips6Of(host)
  const named = text.split(table).join('TABLE').split(vipOf(lab, host, 1)).join('VIP4').split(ll).join('VIP6LL').split(global).join('VIP6')
  // Tables in name order (which one is made first depends on which instance is MASTER first), blank lines aside.
  const blocks = named.split(/^(?=table )/m).map((b) => b.split('\n').filter((l) => l.trim() !== '').join('\n'))
  return blocks.filter(Boolean).sort().join('\n')
}

/** curl from the client: the page, or undefined when it cannot connect in time. */
async function fetchPage(lab: Lab, ip: string, seconds: number): Promise<string | undefined> {
  const r = await lab.exec('c', 'curl', ['-s', '-m', String(seconds), `http://${ip}/`], { allowFail: true, timeoutMs: (seconds + 5) * 1000 })
  return r.code === 0 ? r.stdout.trim() : undefined
}

async function tables(lab: Lab, host: Host): Promise<string[]> {
  const r = await lab.exec(host, 'nft', ['list', 'tables'])
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort()
}

if (requireRoot(t)) {
  t.test('vrrp_strict / accept and a lower-priority advert: keepalived and vrrpd side by side', async (t) => {
    const lab = await createLab(t, { hosts: ['k', 'v', 'c', 'x'], ipv6: true })
    const dir = scratchDir(t, 'strict')
    writeScript(`${dir}/reader.sh`, `while read -r line; do echo "$line" >> ${dir}/fifo-$1.log; done < "$2"`)
    writeScript(`${dir}/rx-lower.sh`, `echo "$# $*" >> ${dir}/rx-$1.log`)
    for (const h of ['k', 'v']) writeFileSync(`${dir}/prio-${h}`, '0\n')
    // A table of each daemon's name left by an earlier run: deleted at first use.
    await lab.exec('k', 'nft', ['add', 'table', 'ip', 'keepalived'])
    await lab.exec('v', 'nft', ['add', 'table', 'ip', 'vrrpd'])
    const daemons: Record<Host, Daemon> = {
      k: startKeepalived(lab, 'k', { config: conf(lab, 'k', dir) }),
      v: startVrrpd(lab, 'v', { config: conf(lab, 'v', dir) }),
    }
    t.teardown(() => Promise.all(Object.values(daemons).map((d) => d.stop('SIGKILL'))))
    const sites = await Promise.all((['k', 'v'] as const).map((h) => startNginx(lab, h)))
    t.teardown(() => Promise.all(sites.map((s) => s.remove())))

    for (const host of ['k', 'v'] as const) {
      for (const name of [...INSTANCES, 'DROP6']) await daemons[host].waitForLog(new RegExp(`\\(${name}\\) Entering MASTER STATE`), 30_000)
    }

    // Reachability of each VIP from the client, per daemon.
    const reach: Record<Host, Record<string, boolean>> = { k: {}, v: {} }
    for (const host of ['k', 'v'] as const) {
      for (const [i, name] of INSTANCES.entries()) {
        const ip = vipOf(lab, host, i + 1)
        if (name === 'DROP') reach[host][name] = (await fetchPage(lab, ip, 3)) !== undefined
        else {
          // Reachable ones may need a moment under load: retry, generously.
          const page = await waitFor(`${host}'s ${name} VIP to serve`, () => fetchPage(lab, ip, 3), 30_000, 200).catch(() => undefined)
          reach[host][name] = page === `served by ${host}`
        }
      }
    }
    t.same(reach.k, { DROP: false, ACCEPT: true, OWNER: true, LOOSE: true }, 'keepalived: only the no_accept VIP is unreachable')
    t.same(reach.v, reach.k, 'vrrpd: the same')
    t.ok((await tables(lab, 'k')).includes('table ip keepalived'), "keepalived's table")
    const vTables = await tables(lab, 'v')
    t.ok(vTables.includes('table ip vrrpd'), "vrrpd's table has vrrpd's name")
    t.notOk(vTables.includes('table ip keepalived'), "and never keepalived's")
    const set = await lab.exec('v', 'nft', ['list', 'set', 'ip', 'vrrpd', 'vips'])
    t.match(set.stdout, new RegExp(`elements = \\{ ${vipOf(lab, 'v', 1).replace(/\./g, '\\.')} \\}`), "only the no_accept instance's VIP is in the set")
    const kRules = await ruleset(lab, 'k', 'keepalived')
    t.match(kRules, /table ip6 TABLE[\s\S]*VIP6LL \. "eth0"[\s\S]*icmpv6 type @neighbor-discovery accept/, "keepalived's IPv6 table, link-local VIP by interface")
    t.equal(await ruleset(lab, 'v', 'vrrpd'), kRules, "vrrpd's ruleset is keepalived's, table name and VIPs aside")
    const logged = (h: Host, re: RegExp) => daemons[h].proc.lines.filter((l) => re.test(l.text)).map((l) => l.text.replace(/^.*?(\(\w+\) |Deleting)/, '$1'))
    for (const h of ['k', 'v'] as const) {
      t.ok(logged(h, /setting firewall drop rule/).includes('(DROP) setting firewall drop rule'), `${h}: "(DROP) setting firewall drop rule"`)
      t.notOk(logged(h, /(ACCEPT|OWNER|LOOSE)\) setting firewall drop rule/).length, `${h}: none for the accepting instances`)
    }
    t.same(logged('v', /Deleting old/), [`Deleting old ip vrrpd table`], 'vrrpd deletes the old table')
    t.same(logged('k', /Deleting old/), [`Deleting old ip keepalived table`], 'as keepalived does with its own')

    // A lower-priority advert for each host's LOOSE instance, from a third host.
    const capture = await startCapture(lab, 'c', 'arp')
    const injector = await startInjector(lab, 'x')
    t.teardown(() => injector.stop())
    const sentAt = Date.now()
    for (const host of ['k', 'v'] as const) {
      const advert: Advert = {
        version: 2, type: 1, virtualRouterId: HOSTS[host].vridBase + 4, priority: 50, adverIntervalMs: 1000,
        authType: 0, authData: Buffer.alloc(8), ipAddresses: [vipOf(lab, host, 4)], family: 4,
      }
      const vrrp = encodeAdvert(advert, { source: lab.ip('x'), destination: VRRP_MULTICAST_IPV4 })
      await injector.send(Buffer.concat([buildIpv4Header({ source: lab.ip('x'), destination: VRRP_MULTICAST_IPV4, payloadLength: vrrp.length, ttl: 255 }), vrrp]))
    }
    for (const host of ['k', 'v'] as const) {
      await waitFor(`${host}: notify_master_rx_lower_pri`, () => fileLines(`${dir}/rx-${host}.log`).length > 0, 20_000)
      await waitFor(`${host}: the FIFO line`, () => fileLines(`${dir}/fifo-${host}.log`).some((l) => l.includes('MASTER_RX_LOWER_PRI')), 20_000)
    }
    t.same(fileLines(`${dir}/rx-k.log`), ['1 k'], 'keepalived: the script with its own argument only')
    t.same(fileLines(`${dir}/rx-v.log`), ['1 v'], 'vrrpd: the same')
    const rxLine = (h: Host) => fileLines(`${dir}/fifo-${h}.log`).filter((l) => l.includes('MASTER_RX_LOWER_PRI'))
    t.same(rxLine('k'), ['INSTANCE "LOOSE" MASTER_RX_LOWER_PRI 200'], "keepalived's FIFO line")
    t.same(rxLine('v'), rxLine('k'), 'vrrpd writes the same')

    // garp_lower_prio_repeat 2 now, 2 more after garp_lower_prio_delay 2 s.
    const garpsFor = async (ip: string) => (await capture.packets()).filter((p): p is ArpPacket => p.kind === 'arp' && p.sender === ip && p.target === ip).length
    const [kVip, vVip] = [vipOf(lab, 'k', 4), vipOf(lab, 'v', 4)]
    await waitFor('both bursts from both', async () => (await garpsFor(kVip)) >= 4 && (await garpsFor(vVip)) >= 4, 30_000, 200)
    t.ok(Date.now() - sentAt >= 2000, 'the second burst came after the delay')
    await new Promise((r) => setTimeout(r, 1500))
    const counts = { k: await garpsFor(kVip), v: await garpsFor(vVip) }
    await capture.stop()
    t.same(counts, { k: 4, v: 4 }, 'two bursts of two GARPs each, from keepalived and from vrrpd')

    // The tracked file moves LOOSE's effective priority from 200 to 190.
    for (const h of ['k', 'v'] as const) writeFileSync(`${dir}/prio-${h}`, '1\n')
    const prioLines = (h: Host) => fileLines(`${dir}/fifo-${h}.log`).filter((l) => l.includes('_PRIORITY'))
    for (const h of ['k', 'v'] as const) await waitFor(`${h}: the priority line`, () => prioLines(h).length > 0, 20_000)
    t.same(prioLines('k'), ['INSTANCE "LOOSE" MASTER_PRIORITY 190'], "keepalived's priority line")
    t.same(prioLines('v'), prioLines('k'), 'vrrpd writes the same')

    // Stop: each daemon deletes its table.
    for (const host of ['k', 'v'] as const) t.equal(await daemons[host].stop('SIGTERM', 15_000), 0, `${host} exits 0`)
    t.same(await tables(lab, 'k'), [], "keepalived's table is gone after stop")
    t.same(await tables(lab, 'v'), [], "vrrpd's table is gone after stop")
  })
}
