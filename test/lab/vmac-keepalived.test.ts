// use_vmac, vrrpd beside real keepalived 2.2.7, both with use_vmac (VRRPv2,
// IPv4, VRID 51): each makes a private macvlan vrrp.51 with 00:00:5e:00:01:33
// and the same kernel parameters (compared host against host, keepalived being
// the oracle), the VIP lives on the macvlan, and the client's neighbour entry
// for the VIP is the virtual MAC before and after every failover and never
// anything else. A macvlan deleted behind vrrpd's back is made again; the
// macvlan goes at SIGTERM (base sysctls put back); one left by SIGKILL is
// reused at the next start.
import t from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { renderKeepalivedConf } from '../helpers/keepalived.js'
import { signalForFiles, startIsolatedKeepalived } from '../helpers/keepalived-dumps.js'

const VRID = 51
const VMAC = '00:00:5e:00:01:33'
const MACVLAN = 'vrrp.51'
const MASTER = /\(VI_1\) Entering MASTER STATE/
const BACKUP = /\(VI_1\) Entering BACKUP STATE/

/** The kernel's view of one host's VMAC set-up: what keepalived's vrrp_vmac.c / vrrp_if_config.c decide. */
async function vmacView(lab: Lab, host: string): Promise<Record<string, string>> {
  const eth = lab.iface(host)
  const read = async (path: string): Promise<string> => (await lab.exec(host, 'cat', [path], { allowFail: true })).stdout.trim()
  const link = JSON.parse((await lab.exec(host, 'ip', ['-j', '-d', 'link', 'show', 'dev', MACVLAN])).stdout)[0] as {
    address: string
    link?: string
    operstate: string
    linkinfo?: { info_kind?: string; info_data?: { mode?: string } }
    inet6_addr_gen_mode?: string
  }
  const view: Record<string, string> = {
    mac: link.address,
    kind: String(link.linkinfo?.info_kind),
    mode: String(link.linkinfo?.info_data?.mode),
    parent: String(link.link),
    addrgenmode: String(link.inet6_addr_gen_mode),
  }
  for (const p of ['arp_ignore', 'arp_filter', 'accept_local', 'rp_filter', 'promote_secondaries', 'arp_announce']) {
    view[`vmac.${p}`] = await read(`/proc/sys/net/ipv4/conf/${MACVLAN}/${p}`)
    view[`base.${p}`] = await read(`/proc/sys/net/ipv4/conf/${eth}/${p}`)
  }
  view['vmac.disable_ipv6'] = await read(`/proc/sys/net/ipv6/conf/${MACVLAN}/disable_ipv6`)
  view['all.rp_filter'] = await read('/proc/sys/net/ipv4/conf/all/rp_filter')
  return view
}

async function hasMacvlan(lab: Lab, host: string): Promise<boolean> {
  return (await lab.exec(host, 'ip', ['link', 'show', 'dev', MACVLAN], { allowFail: true })).code === 0
}

async function vipOnMacvlan(lab: Lab, host: string, vip: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', MACVLAN], { allowFail: true })
  return r.stdout.includes(` ${vip}/`)
}

t.test('use_vmac: vrrpd and keepalived, the client only ever sees the virtual MAC', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['v', 'k', 'client'] })
  const vip = lab.address(151)
  const conf = (host: string, priority: number): string =>
    renderKeepalivedConf({ iface: lab.iface(host), priority, vips: [`${vip}/24`], vrid: VRID, advertInt: 1, extra: ['use_vmac'] })
  const daemons: { stop(): Promise<unknown> }[] = []
  t.teardown(() => Promise.all(daemons.map((d) => d.stop())))
  // Neither keepalived nor vrrpd sets arp_announce: with the default 0, a
  // master that must resolve the client before answering it asks from its base
  // interface with the VIP as sender, and the client would take the base's MAC
  // for the VIP. keepalived's users set 2 (as the FRR helper does); so does this lab, on both.
  for (const host of ['v', 'k']) await lab.exec(host, 'sysctl', ['-qw', `net.ipv4.conf.${lab.iface(host)}.arp_announce=2`])
  const baseBefore = await vmacViewOfBase(lab, 'v')

  // The client keeps resolving the VIP through the whole test; every MAC it ever has for it is kept.
  const seen = new Set<string>()
  let watching = true
  const watcher = (async () => {
    while (watching) {
      await lab.exec('client', 'ping', ['-c', '1', '-W', '1', vip], { allowFail: true })
      const mac = await lab.neighbour('client', vip)
      if (mac) seen.add(mac)
      await new Promise((r) => setTimeout(r, 200))
    }
  })()
  t.teardown(async () => {
    watching = false
    await watcher
  })

  // 1. vrrpd (100) is master, keepalived (90) backs it up.
  let v: Vrrpd = startVrrpd(lab, 'v', { config: conf('v', 100) })
  daemons.push(v)
  await v.waitForLog(MASTER, 20_000)
  const k = startIsolatedKeepalived(t, lab, 'k', conf('k', 90))
  daemons.push(k)
  await k.waitForLog(BACKUP, 20_000)
  await waitFor('the VIP on vrrpd\'s macvlan', async () => (await vipOnMacvlan(lab, 'v', vip)) || undefined, 10_000, 100)
  t.equal(await vipOnMacvlan(lab, 'k', vip), false, 'the backup (keepalived) holds no VIP')

  const NFT_LINE = 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables'
  t.ok(k.proc.lines.some((l) => l.text.includes(NFT_LINE)), `keepalived logs "${NFT_LINE}"`)
  t.ok(v.proc.lines.some((l) => l.text.includes(NFT_LINE)), 'so does vrrpd')
  const vView = await vmacView(lab, 'v')
  const kView = await vmacView(lab, 'k')
  t.equal(vView.mac, VMAC, `vrrpd's ${MACVLAN} carries ${VMAC}`)
  t.same(vView, kView, `vrrpd's macvlan, its sysctls and its base's are keepalived's: ${JSON.stringify(vView)}`)

  // keepalived's SIGUSR1 dump describes the VMAC; vrrpd's says the same (the backup's and the master's).
  const vmacLines = (data: string): string[] =>
    data.split('\n').filter((l) => /^ {3}(Use VMAC|Interface = )/.test(l) || / dev vrrp\.51/.test(l)).map((l) => l.replace(/ set$/, '').trim())
  const [kData] = await k.dump(10, ['keepalived.data'])
  const [vData] = await signalForFiles(v.dir, () => process.kill(v.proc.pid!, 'SIGUSR1'), ['keepalived.data'], 5000, 'vrrpd@v')
  t.ok(vmacLines(kData!).length >= 3, `keepalived's dump has its VMAC lines: ${JSON.stringify(vmacLines(kData!))}`)
  t.same(vmacLines(vData!), vmacLines(kData!), "vrrpd's keepalived.data shows the VMAC as keepalived's does")

  const first = await waitFor('the client to resolve the VIP', async () => {
    await lab.exec('client', 'ping', ['-c', '1', '-W', '1', vip], { allowFail: true })
    return lab.neighbour('client', vip)
  }, 15_000, 200)
  t.equal(first, VMAC, 'with vrrpd master, the client resolves the VIP to the virtual MAC')

  // 1b. Someone deletes vrrpd's macvlan: vrrpd makes it again (keepalived's recreate_vmac_thread) and is master on it again.
  const deleted = v.proc.lines.length
  await lab.exec('v', 'ip', ['link', 'del', MACVLAN])
  await v.waitForLog(/\(VI_1\) VMAC vrrp\.51 was deleted: making it again/, 10_000)
  await waitFor('vrrpd master again on a new vrrp.51', () => v.proc.lines.slice(deleted).some((l) => MASTER.test(l.text)) || undefined, 20_000, 100)
  await waitFor('the VIP back on vrrpd\'s new macvlan', async () => (await vipOnMacvlan(lab, 'v', vip)) || undefined, 10_000, 100)
  t.same(await vmacView(lab, 'v'), kView, 'the macvlan made again has keepalived\'s settings')

  // 2. vrrpd stops: keepalived takes over; vrrpd's macvlan is gone and its base is as before.
  await v.stop('SIGTERM', 10_000)
  await k.waitForLog(MASTER, 20_000)
  t.equal(await hasMacvlan(lab, 'v'), false, `${MACVLAN} is gone after vrrpd stopped`)
  t.same(await vmacViewOfBase(lab, 'v'), baseBefore, "the base interface's arp_ignore / arp_filter are back as before")
  await waitFor('the VIP on keepalived\'s macvlan', async () => (await vipOnMacvlan(lab, 'k', vip)) || undefined, 10_000, 100)
  const afterFailover = await waitFor('the client to reach the VIP at keepalived', async () => {
    const ok = (await lab.exec('client', 'ping', ['-c', '1', '-W', '1', vip], { allowFail: true })).code === 0
    return ok ? lab.neighbour('client', vip) : undefined
  }, 15_000, 200)
  t.equal(afterFailover, VMAC, 'after the failover to keepalived, the client still has the virtual MAC')

  // 3. vrrpd comes back and preempts, then dies by SIGKILL: its macvlan stays behind...
  const restarted = performance.now()
  v = startVrrpd(lab, 'v', { config: conf('v', 100) })
  daemons.push(v)
  await v.waitForLog(MASTER, 20_000)
  await k.waitForLog(BACKUP, 20_000, restarted)
  await v.stop('SIGKILL', 10_000)
  t.equal(await hasMacvlan(lab, 'v'), true, `${MACVLAN} stays after SIGKILL (nobody removed it)`)
  const kMasterAgain = k.proc.lines.length
  await waitFor('keepalived to take over again', () => k.proc.lines.slice(kMasterAgain).some((l) => MASTER.test(l.text)) || undefined, 20_000, 100)

  // ...and the next start reuses it, clears the stale VIP, and takes over again.
  v = startVrrpd(lab, 'v', { config: conf('v', 100) })
  daemons.push(v)
  await v.waitForLog(new RegExp(`\\(VI_1\\) Found matching interface ${MACVLAN.replace('.', '\\.')}`), 20_000)
  await v.waitForLog(MASTER, 20_000)
  t.same(await vmacView(lab, 'v'), kView, 'the reused macvlan has keepalived\'s settings again')
  const back = await waitFor('the client to reach the VIP at vrrpd', async () => {
    const ok = (await lab.exec('client', 'ping', ['-c', '1', '-W', '1', vip], { allowFail: true })).code === 0
    return ok && (await vipOnMacvlan(lab, 'v', vip)) ? lab.neighbour('client', vip) : undefined
  }, 15_000, 200)
  t.equal(back, VMAC, 'after vrrpd took over again, the client still has the virtual MAC')

  await v.stop('SIGTERM', 10_000)
  t.equal(await hasMacvlan(lab, 'v'), false, `${MACVLAN} is gone after the last stop`)
  watching = false
  await watcher
  t.same([...seen], [VMAC], 'the client never had any other MAC for the VIP')
})

/** The base interface's ARP sysctls (what vrrpd must put back at stop). */
async function vmacViewOfBase(lab: Lab, host: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const p of ['arp_ignore', 'arp_filter']) out[p] = (await lab.exec(host, 'cat', [`/proc/sys/net/ipv4/conf/${lab.iface(host)}/${p}`])).stdout.trim()
  return out
}
