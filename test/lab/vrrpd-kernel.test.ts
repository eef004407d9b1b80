// Issue 13 "Must show": the kernel is the truth. A vrrpd pair (a, b: VRID 51) and
// a keepalived 2.2.7 pair (ka, kb: VRID 52) share one lab and suffer the same
// faults side by side: the VIP deleted by hand on the master, an advert to
// another group, the master's and the backup's interface deleted and created
// again. keepalived is the reference: what it does is asserted too.
import t, { type Test } from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { closeSync, constants, openSync, writeFileSync } from 'node:fs'
import { hasAddress, holders, learnNeighbour, pairConf, startInjector } from '../helpers/pair-lab.js'
import { startCapture, type ArpPacket, type VrrpPacket } from '../helpers/capture.js'
import { currentIfindex, deleteAddress, recycleInterface } from '../helpers/kernel-faults.js'
import { AUTH_TYPE, authDataFromPassword, buildIpv4Header, encodeAdvert } from '../../src/protocol/index.js'
import type { Daemon } from '../../src/lab/daemon.js'

const ELECTION_MS = 12_000
const ADVERT_INT_MS = 1000

interface Pair {
  name: string
  master: Daemon
  backup: Daemon
  hosts: [string, string]
  vip: string
  vrid: number
}

/** tcpdump's "HH:MM:SS.micro" stamp as ms of the day. */
function stampMs(p: VrrpPacket | ArpPacket): number {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d+)/.exec(p.text)
  if (!m) return NaN
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(`0.${m[4]}`) * 1000
}

async function startPairs(t: Test, lab: Lab): Promise<{ v: Pair & { master: Vrrpd; backup: Vrrpd }; k: Pair }> {
  const vip = lab.address(100)
  const kvip = lab.address(101)
  // Masters first, so the roles are fixed without a start-up race.
  const a = startVrrpd(lab, 'a', { config: pairConf(lab, 'a', 100, vip) })
  t.teardown(() => a.stop())
  const ka = startKeepalived(lab, 'ka', { config: pairConf(lab, 'ka', 100, kvip, { vrid: 52 }) })
  t.teardown(() => ka.stop())
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS)
  await ka.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS)
  const b = startVrrpd(lab, 'b', { config: pairConf(lab, 'b', 90, vip) })
  t.teardown(() => b.stop())
  const kb = startKeepalived(lab, 'kb', { config: pairConf(lab, 'kb', 90, kvip, { vrid: 52 }) })
  t.teardown(() => kb.stop())
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, ELECTION_MS)
  await kb.waitForLog(/\(VI_1\) Entering BACKUP STATE/, ELECTION_MS)
  await waitFor('b to hear a', async () => (await b.status().catch(() => undefined))?.instances[0]?.masterAddress === lab.ip('a'), 5000, 100)
  return {
    v: { name: 'vrrpd', master: a, backup: b, hosts: ['a', 'b'], vip, vrid: 51 },
    k: { name: 'keepalived', master: ka, backup: kb, hosts: ['ka', 'kb'], vip: kvip, vrid: 52 },
  }
}

if (requireRoot(t)) {
  t.test('VIP deleted by hand, an advert to 224.0.0.1, interfaces recreated: vrrpd recovers as keepalived does', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b', 'ka', 'kb', 'client'] })
    const { v, k } = await startPairs(t, lab)
    const capture = await startCapture(lab, 'client', 'vrrp or arp')
    t.teardown(() => capture.stop())

    // --- `ip addr del` of the VIP on the master: re-added within 1 s, announced, neighbours unchanged.
    for (const p of [v, k]) {
      const [m] = p.hosts
      t.equal(await learnNeighbour(lab, 'client', p.vip), lab.mac(m), `${p.name}: the client resolves the VIP to the master`)
      const deletedClock = Date.now()
      await deleteAddress(lab, m, p.vip)
      const deleted = performance.now()
      // Within 1 s for vrrpd (the bound). keepalived, the reference, flaps through BACKUP
      // and back after its skew time (~0.8 s idle): a looser bound, so a loaded machine cannot fail it.
      await waitFor(`${p.name}: the VIP back on ${m}`, async () => (await holders(lab, p.hosts, p.vip)).join() === m, p === v ? 1000 : 3000, 20)
      t.pass(`${p.name}: the VIP is back on the master only, ${Math.round(performance.now() - deleted)} ms after the delete`)
      t.equal(await lab.neighbour('client', p.vip), lab.mac(m), `${p.name}: the client's neighbour entry still points at the master`)
      // Announced again: a gratuitous ARP for the VIP from the master's MAC after the delete.
      const garps = await waitFor(`${p.name}: a gratuitous ARP for ${p.vip} after the delete`, async () => {
        const arps = (await capture.packets()).filter((x): x is ArpPacket => x.kind === 'arp' && x.sender === p.vip && x.target === p.vip && x.srcMac === lab.mac(m) && stampMs(x) >= msOfDay(deletedClock))
        return arps.length > 0 ? arps : undefined
      }, 5000, 100)
      t.ok(garps.length > 0, `${p.name}: the restored VIP is announced by gratuitous ARP from the master (${garps.length} seen)`)
      // keepalived runs with -D here (--log-detail), where it logs the removal of one of its VIPs.
      await p.master.waitForLog(new RegExp(`Netlink reflector reports IP ${p.vip.replaceAll('.', '\\.')} removed from eth0`), 5000)
      t.pass(`${p.name}: "Netlink reflector reports IP ${p.vip} removed from eth0"`)
    }
    t.ok(v.master.proc.find(/\(VI_1\) restoring VIP \S+ on eth0/), 'vrrpd says it restores the VIP')
    t.equal(v.master.state(), 'MASTER', 'vrrpd stayed MASTER')

    // --- One of our VIPs added by someone else on the BACKUP: left alone, as keepalived does.
    for (const p of [v, k]) await lab.exec(p.hosts[1], 'ip', ['addr', 'add', `${p.vip}/${lab.prefixLength}`, 'dev', lab.iface(p.hosts[1])])
    await new Promise((r) => setTimeout(r, 2 * ADVERT_INT_MS))
    const addedOnBackup = await Promise.all([v, k].map((p) => holders(lab, p.hosts, p.vip)))
    t.same(addedOnBackup[0], addedOnBackup[1].map((h) => h.slice(1)), 'a VIP added by hand on the BACKUP: vrrpd does what keepalived does with it')
    t.same(addedOnBackup[0], v.hosts, 'both keep it (nobody removes an address added by someone else)')
    for (const p of [v, k]) {
      t.equal(p.backup.state(), 'BACKUP', `${p.name}: the backup stays BACKUP`)
      await deleteAddress(lab, p.hosts[1], p.vip)
    }
    t.same(await Promise.all([v, k].map((p) => holders(lab, p.hosts, p.vip))), [[v.hosts[0]], [k.hosts[0]]], 'removed by hand again: the masters alone hold their VIPs')

    // --- A well-formed, higher-priority advert to 224.0.0.1: dropped, counted, no step down.
    const injector = await startInjector(lab, 'client')
    t.teardown(() => injector.stop())
    const injected = performance.now()
    for (const p of [v, k]) {
      const x = lab.ip('client')
      const vrrp = encodeAdvert(
        { version: 2, type: 1, virtualRouterId: p.vrid, priority: 250, adverIntervalMs: 1000, authType: AUTH_TYPE.simple, authData: authDataFromPassword('s3cret'), ipAddresses: [p.vip], family: 4 },
        { source: x, destination: '224.0.0.1' },
      )
      const packet = Buffer.concat([buildIpv4Header({ source: x, destination: '224.0.0.1', payloadLength: vrrp.length, ttl: 255 }), vrrp])
      for (let i = 0; i < 3; i++) await injector.send(packet, '224.0.0.1')
    }
    const dropped = await waitFor('vrrpd to count the drops', async () => {
      const s = await v.master.status()
      const n = s.instances[0]?.stats.dropped.notForUs ?? 0
      return n >= 3 ? n : undefined
    }, 5000, 100)
    t.equal(dropped, 3, 'vrrpd counted 3 notForUs drops')
    await new Promise((r) => setTimeout(r, 2 * ADVERT_INT_MS))
    for (const p of [v, k]) {
      t.notOk(p.master.proc.find(/\(VI_1\) Entering BACKUP STATE/, { since: injected }), `${p.name}: the master did not step down`)
      t.same(await holders(lab, p.hosts, p.vip), [p.hosts[0]], `${p.name}: the VIP stays on the master`)
    }

    // --- The master's interface deleted and created again (same name, MAC and address; new ifindex).
    for (const role of [0, 1] as const) {
      const label = role === 0 ? 'master' : 'backup'
      const before = await Promise.all([v, k].map((p) => currentIfindex(lab, p.hosts[role])))
      const recycled = performance.now()
      // The master stays away past Master_Down_Interval (3.6 s), so the backup has taken
      // over when it returns: the bug was a master that came back deaf, and two masters.
      await Promise.all([v, k].map((p) => recycleInterface(lab, p.hosts[role], { downMs: role === 0 ? 4500 : 500 })))
      const back = performance.now()
      const backClock = Date.now()
      const after = await Promise.all([v, k].map((p) => currentIfindex(lab, p.hosts[role])))
      t.not(after[0], before[0], `${label}: a new ifindex`)
      // The interface gone: its instance in FAULT, as keepalived's.
      for (const p of [v, k]) {
        const d = role === 0 ? p.master : p.backup
        t.ok(d.proc.find(/\(VI_1\) Entering FAULT STATE/, { since: recycled }), `${p.name}: the ${label} went to FAULT while its interface was gone`)
      }
      for (const p of [v, k]) {
        // Exactly one holder within 3 advert intervals of the interface coming back.
        await waitFor(`${p.name}: exactly one VIP holder after the ${label} came back`, async () => (await holders(lab, p.hosts, p.vip)).length === 1, 3 * ADVERT_INT_MS, 50)
        t.pass(`${p.name}: one VIP holder ${Math.round(performance.now() - back)} ms after the ${label}'s interface came back`)
      }
      // Settled: the higher priority holds the VIP and adverts are on the wire from it.
      for (const p of [v, k]) {
        const [m, bk] = p.hosts
        await waitFor(`${p.name}: master ${m} holds the VIP, ${bk} BACKUP`, async () => p.master.state() === 'MASTER' && p.backup.state() === 'BACKUP' && (await holders(lab, p.hosts, p.vip)).join() === m, ELECTION_MS, 100)
        t.pass(`${p.name}: settled on ${m} after the ${label}'s interface was recreated`)
        const seen = await waitFor(`${p.name}: adverts from ${m} on the wire again`, async () => {
          const ads = (await capture.vrrp()).filter((a) => a.vrid === p.vrid && a.src === lab.ip(m) && a.prio > 0)
          const recent = ads.filter((a) => stampMs(a) >= msOfDay(backClock))
          return recent.length >= 2 ? recent : undefined
        }, ELECTION_MS, 200)
        t.ok(seen.length >= 2, `${p.name}: adverts from ${m} seen again`)
      }
    }
    for (const d of [v.master, v.backup]) t.match(d.proc.text(), /Netlink reports eth0 down[\s\S]*Netlink reports eth0 up/, 'vrrpd logged "Netlink reports eth0 down", then "up"')
    t.notMatch(v.master.proc.text() + v.backup.proc.text(), /internal error/, 'no internal error')
  })
}

/** The pids whose parent is `pid` (pgrep -P). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The longest time between consecutive adverts of `vrid` from `src` in the window. */
function longestGap(ads: VrrpPacket[], vrid: number, src: string, fromMs: number, toMs: number): { gap: number; count: number } {
  const times = ads.filter((a) => a.vrid === vrid && a.src === src).map(stampMs).filter((ms) => ms >= fromMs && ms <= toMs)
  let gap = 0
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!)
  return { gap: Math.round(gap), count: times.length }
}

/** A config whose reading never ends by itself: `$A=$A$A` doubled 40 times. */
function macroBomb(conf: string): string {
  return `$A=aaaaaaaaaaaaaaaa\n${'$A=$A$A\n'.repeat(40)}${conf.replace('/24\n', '/24 label $A\n')}`
}

if (requireRoot(t)) {
  t.test('reloads that never finish parsing, then kill -9 and a restart: adverts on schedule, old config kept, nothing left behind', async (t) => {
    process.env.VRRPD_RELOAD_TIMEOUT_MS = '3000'
    const lab = await createLab(t, { hosts: ['a', 'b', 'ka', 'kb', 'client'] })
    const { v, k } = await startPairs(t, lab)
    const capture = await startCapture(lab, 'client', 'vrrp')
    t.teardown(() => capture.stop())
    const a = v.master

    // --- A reload that includes a FIFO nobody writes, then one with a macro bomb.
    const fifo = join(a.dir, 'hang.conf')
    execFileSync('mkfifo', [fifo])
    const lowered = pairConf(lab, 'a', 50, v.vip)
    // The same capture, 5 s before any reload: how late adverts are on this machine right now.
    const quietFrom = msOfDay(Date.now())
    await new Promise((r) => setTimeout(r, 5000))
    const from = msOfDay(Date.now())
    const quiet = longestGap(await capture.vrrp(), v.vrid, lab.ip('a'), quietFrom, from)
    const started = performance.now()
    for (const [what, conf] of [['FIFO include', `include ${fifo}\n${lowered}`], ['macro bomb', macroBomb(lowered)]] as const) {
      const at = performance.now()
      a.writeConfig(conf)
      a.reload()
      await a.waitForLog(/reload abandoned: .*; keeping the running configuration|new configuration cannot be used/, 20_000, at)
      t.pass(`vrrpd: the ${what} reload was abandoned with a log line`)
    }
    // At least 5.5 s of capture from the first reload on (a refused reload returns at once).
    await new Promise((r) => setTimeout(r, Math.max(1500, 5500 - (performance.now() - started))))
    const to = msOfDay(Date.now())
    const { gap, count } = longestGap(await capture.vrrp(), v.vrid, lab.ip('a'), from, to)
    t.ok(count >= 5, `vrrpd: ${count} adverts from a while the reloads were parsed`)
    // advert_int + 50 ms; on a machine so loaded that adverts are already late without any reload,
    // that lateness + 50 ms (a loop blocked by the parse would show the whole 3 s budget).
    const bound = Math.max(ADVERT_INT_MS, quiet.gap) + 50
    t.ok(gap <= bound, `vrrpd: no gap between adverts over ${bound} ms while reloads were parsed (longest ${gap} ms; ${quiet.gap} ms without a reload)`)
    t.notOk(v.backup.proc.find(/\(VI_1\) Entering MASTER STATE/, { since: started }), 'vrrpd: the backup never became MASTER (no dual master)')
    const status = await a.status()
    t.match(status.instances[0], { state: 'MASTER', basePriority: 100 }, 'vrrpd: the old config (priority 100) still runs')
    t.same(await holders(lab, v.hosts, v.vip), ['a'], 'vrrpd: the VIP stays on a')

    // --- SIGTERM right after an abandoned reload: vrrpd still exits, 0. (The reader no longer
    // opens a FIFO, src/config/source-file.ts; a parser thread stuck in open(2) is covered by
    // test/daemon/config-isolated.test.ts with a stand-in parser.)
    const b = v.backup
    const bfifo = join(b.dir, 'hang.conf')
    execFileSync('mkfifo', [bfifo])
    b.writeConfig(`include ${bfifo}\n${pairConf(lab, 'b', 50, v.vip)}`)
    const bhup = performance.now()
    b.reload()
    await b.waitForLog(/reload abandoned: the new configuration was not read whole \(configuration file '.*hang\.conf' is not a regular non-executable file - skipping\); keeping the running configuration/, 20_000, bhup)
    const termAt = performance.now()
    t.equal(await b.stop('SIGTERM', 10_000), 0, 'vrrpd exits 0 on SIGTERM after an abandoned reload', { log: b.proc.lines.filter((l) => l.at >= bhup).map((l) => `${Math.round(l.at - termAt)} ${l.text}`).slice(-40) })
    t.match(b.proc.text(), /Stopped vrrpd/, 'after a complete stop')

    // --- kill -9 while a reload is being parsed: the parser is a thread, nothing outlives vrrpd.
    a.writeConfig(`include ${fifo}\n${lowered}`)
    const pid = a.proc.pid!
    t.same(childrenOf(pid), [], 'vrrpd runs no child process of its own at rest (no ip monitor)')
    const hup = performance.now()
    a.reload()
    await a.waitForLog(/Reloading configuration/, 5000, hup)
    await new Promise((r) => setTimeout(r, 1000))
    t.same(childrenOf(pid), [], 'nor while a reload is parsed (a worker thread)')
    process.kill(pid, 'SIGKILL')
    await waitFor('vrrpd gone', () => !alive(pid), 5000, 20)
    t.pass('killed with -9: nothing of ours was running besides vrrpd itself')
    t.ok(await hasAddress(lab, 'a', v.vip), 'the killed master left its VIP behind')

    // --- Restart: the leftover VIP goes as fast as keepalived's (both measured from spawn).
    const restarted = performance.now()
    const a2 = startVrrpd(lab, 'a', { config: pairConf(lab, 'a', 100, v.vip) })
    t.teardown(() => a2.stop())
    await waitFor('vrrpd to remove the leftover VIP', async () => !(await hasAddress(lab, 'a', v.vip)), 10_000, 10)
    const vrrpdMs = Math.round(performance.now() - restarted)
    const began = await a2.waitForLog(/Starting vrrpd/, 5000)
    const removed = await a2.waitForLog(/removed leftover VIP/, 5000)
    const inDaemonMs = Math.round(removed.at - began.at)

    const ka = k.master as ReturnType<typeof startKeepalived>
    const kpid = ka.proc.pid!
    for (const c of childrenOf(kpid)) process.kill(c, 'SIGKILL')
    process.kill(kpid, 'SIGKILL')
    await waitFor('keepalived gone', () => !alive(kpid), 3000, 20)
    t.ok(await hasAddress(lab, 'ka', k.vip), 'the killed keepalived left its VIP behind')
    const krestarted = performance.now()
    const ka2 = startKeepalived(lab, 'ka', { config: pairConf(lab, 'ka', 100, k.vip, { vrid: 52 }) })
    t.teardown(() => ka2.stop())
    await waitFor('keepalived to remove the leftover VIP', async () => !(await hasAddress(lab, 'ka', k.vip)), 10_000, 10)
    const keepalivedMs = Math.round(performance.now() - krestarted)
    // Node's own boot and module loading come first (0.3 s idle, over 1 s on a loaded machine):
    // measure it here so the comparison is about what vrrpd does, not about the runtime.
    const boot = performance.now()
    await lab.exec('a', process.execPath, ['-e', '0'])
    const nodeBootMs = Math.round(performance.now() - boot)
    t.comment(`leftover VIP removed ${vrrpdMs} ms after spawn by vrrpd (${inDaemonMs} ms after its start line; a bare node boots in ${nodeBootMs} ms here), ${keepalivedMs} ms by keepalived`)
    t.ok(inDaemonMs <= 500, `vrrpd removes the leftover VIP ${inDaemonMs} ms after its start line (no ip process per VIP)`)
    // From spawn, vrrpd is slower by Node's boot and module loading (seconds on a loaded machine,
    // too noisy to bound here): the comment above reports it; bench/ is where that is measured.

    // --- The reference: keepalived given the same FIFO include on reload.
    await ka2.waitForLog(/\(VI_1\) Entering MASTER STATE/, ELECTION_MS)
    await waitFor('ka2 holds its VIP', async () => (await holders(lab, k.hosts, k.vip)).join() === 'ka', ELECTION_MS, 100)
    const kfifo = join(ka2.dir, 'hang.conf')
    execFileSync('mkfifo', [kfifo])
    writeFileSync(ka2.configPath, `include ${kfifo}\n${pairConf(lab, 'ka', 50, k.vip, { vrid: 52 })}`)
    const khup = performance.now()
    process.kill(ka2.proc.pid!, 'SIGHUP')
    await new Promise((r) => setTimeout(r, 5000))
    // keepalived 2.2.7 reads the new config in its VRRP process: blocked on the FIFO it sends no
    // advert, and its backup takes over (vrrpd above kept its schedule: a deliberate difference).
    const took = k.backup.proc.find(/\(VI_1\) Entering MASTER STATE/, { since: khup })
    t.comment(`keepalived with a FIFO include on reload: backup ${took ? 'became MASTER' : 'stayed BACKUP'}, VIP on ${(await holders(lab, k.hosts, k.vip)).join(' and ') || 'nobody'}`)
    t.ok(took, 'keepalived (reference): blocked on the FIFO, it stops advertising and its backup takes over')
    try {
      closeSync(openSync(kfifo, constants.O_WRONLY | constants.O_NONBLOCK))
    } catch {
      // nobody was reading it
    }
  })
}

/** `Date.now()` as ms of the day, in local time like tcpdump's stamps. */
function msOfDay(epochMs: number): number {
  const d = new Date(epochMs)
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds()
}
