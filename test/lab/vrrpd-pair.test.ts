// Two vrrpd routers and a client on one lab network (issue #4 "Must show"):
// election, failover when the master's link is cut, failback when it heals,
// nopreempt, and the SIGTERM handover through a priority-0 advert.
import t, { type Test } from 'tap'
import { createLab, requireRoot, waitFor, type Lab } from '../helpers/netns.js'
import { startVrrpd, type Vrrpd } from '../helpers/vrrpd.js'
import { hasAddress, holders, learnNeighbour, pairConf } from '../helpers/pair-lab.js'

const MASTER = /\(VI_1\) Entering MASTER STATE/
const BACKUP = /\(VI_1\) Entering BACKUP STATE/
const FAULT = /\(VI_1\) Entering FAULT STATE/
const REMOVING = /\(VI_1\) removing VIPs\./
const PRIO_ZERO = /\(VI_1\) Backup received priority 0 advertisement/
const ELECTION_MS = 10_000

async function pairLab(t: Test): Promise<{ lab: Lab; vip: string; start(host: 'a' | 'b', priority: number, extra?: { nopreempt?: boolean }): Vrrpd }> {
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
  const vip = lab.address(100)
  const start = (host: 'a' | 'b', priority: number, extra: { nopreempt?: boolean } = {}): Vrrpd => {
    const d = startVrrpd(lab, host, { config: pairConf(lab, host, priority, vip, extra) })
    t.teardown(() => d.stop())
    return d
  }
  return { lab, vip, start }
}

t.test('election, failover on a cut link, failback on heal', async (t) => {
  if (!requireRoot(t)) return
  const { lab, vip, start } = await pairLab(t)
  const a = start('a', 100)
  const b = start('b', 90)

  // RFC 3768 6.4.2: the higher priority becomes master once Master_Down_Interval runs out.
  // Started together, b may win by a few ms (its skew is only 40 ms longer) and be preempted at once.
  await waitFor('a MASTER and b BACKUP', () => a.state() === 'MASTER' && b.state() === 'BACKUP', ELECTION_MS, 50)
  t.pass('a (priority 100) is MASTER, b (priority 90) BACKUP')
  await waitFor('the VIP on a only', async () => (await holders(lab, ['a', 'b'], vip)).join() === 'a', 3000)
  t.pass('the VIP is on a only')
  t.equal(await learnNeighbour(lab, 'client', vip), lab.mac('a'), "the client resolves the VIP to a's MAC")

  // RFC 3768 6.4.2: no adverts from the master -> the backup takes over.
  const cut = performance.now()
  await lab.cut('a')
  const aFault = await a.waitForLog(FAULT, 5000, cut)
  await a.waitForLog(REMOVING, 3000, aFault.at)
  t.pass('a, its interface down, enters FAULT and removes its VIPs')
  await b.waitForLog(MASTER, ELECTION_MS, cut)
  t.equal(b.state(), 'MASTER', 'b is MASTER after the cut')
  // RFC 3768 6.4.2: the new master sends gratuitous ARP; the client's existing entry follows it.
  await waitFor("the client's neighbour entry to point at b", async () => (await lab.neighbour('client', vip)) === lab.mac('b'), 1500)
  t.pass("the client's neighbour entry for the VIP moved to b's MAC")
  await waitFor('the VIP on b only', async () => (await holders(lab, ['a', 'b'], vip)).join() === 'b', 3000)
  t.pass('the VIP is on b only')
  t.equal(a.state(), 'FAULT', 'a stays in FAULT while cut off')

  // RFC 3768 6.4.2: back in BACKUP, a (higher priority, preempt) ignores b's adverts and takes over.
  const heal = performance.now()
  await lab.heal('a')
  await a.waitForLog(BACKUP, 5000, heal)
  await a.waitForLog(MASTER, ELECTION_MS, heal)
  // RFC 3768 6.4.3: a master hearing a higher priority steps down.
  await b.waitForLog(BACKUP, 5000, heal)
  await b.waitForLog(REMOVING, 3000, heal)
  t.equal(a.state(), 'MASTER', 'a is MASTER again after the heal')
  t.equal(b.state(), 'BACKUP', 'b let go: BACKUP')
  // `ip addr` runs after the state line: wait for both sides to settle.
  await waitFor('the VIP on a only', async () => (await holders(lab, ['a', 'b'], vip)).join() === 'a', 3000)
  t.pass('the VIP is on a only again')
  await waitFor("the client's neighbour entry to point back at a", async () => (await lab.neighbour('client', vip)) === lab.mac('a'), 1500)
  t.pass("the client's neighbour entry for the VIP is a's MAC again")
})

t.test('nopreempt: a higher priority router joining later stays BACKUP', async (t) => {
  if (!requireRoot(t)) return
  const { lab, vip, start } = await pairLab(t)
  const b = start('b', 90, { nopreempt: true })
  await b.waitForLog(MASTER, ELECTION_MS)
  const joined = performance.now()
  const a = start('a', 100, { nopreempt: true })
  await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, ELECTION_MS)
  // Longer than Master_Down_Interval (3 x 1 s + skew): without nopreempt a would have taken over by now.
  const status = await waitFor("a to accept 5 of b's adverts", async () => {
    const s = await a.status().catch(() => undefined)
    const vi = s?.instances.find((i) => i.name === 'VI_1')
    return vi && vi.stats.advertRcvd >= 5 ? vi : undefined
  }, 12_000, 200)
  // RFC 3768 6.4.2 (Preempt_Mode False): a backup accepts a lower-priority master.
  t.equal(status.state, 'BACKUP', 'a reports BACKUP')
  t.equal(status.masterAddress, lab.ip('b'), 'a sees b as master')
  t.notOk(a.proc.find(MASTER, { since: joined }), 'a never entered MASTER')
  t.equal(b.state(), 'MASTER', 'b is still MASTER')
  t.notOk(b.proc.find(BACKUP, { since: joined }), 'b never stepped down')
  t.same(await holders(lab, ['a', 'b'], vip), ['b'], 'the VIP stays on b')
})

t.test('SIGTERM: the master hands over at once with a priority-0 advert', async (t) => {
  if (!requireRoot(t)) return
  const { lab, vip, start } = await pairLab(t)
  const a = start('a', 100)
  const b = start('b', 90)
  await waitFor('a MASTER and b BACKUP', () => a.state() === 'MASTER' && b.state() === 'BACKUP', ELECTION_MS, 50)
  await waitFor('the VIP on a only', async () => (await holders(lab, ['a', 'b'], vip)).join() === 'a', 3000)
  t.equal(await learnNeighbour(lab, 'client', vip), lab.mac('a'), "the client resolves the VIP to a's MAC")

  const sigterm = performance.now()
  const exited = a.stop('SIGTERM')
  // RFC 3768 6.4.2: priority 0 sets the master-down timer to Skew_Time (~0.65 s for 90).
  const zero = await b.waitForLog(PRIO_ZERO, 3000, sigterm)
  const master = await b.waitForLog(MASTER, 5000, sigterm)
  t.ok(zero.at <= master.at, 'b logged the priority-0 advert before becoming MASTER')
  const ms = Math.round(master.at - sigterm)
  // Master_Down_Interval is 3 s + skew after a's last advert (at most 1 s before the SIGTERM):
  // 2 s separates "took over on priority 0" from "timed out".
  t.ok(ms < 2000, `b MASTER ${ms} ms after the SIGTERM (skew ~650 ms; master down would be > 2.6 s)`)
  t.equal(await exited, 0, 'a exits 0 on SIGTERM')
  t.match(a.proc.text(), REMOVING, 'a removed its VIPs')
  t.notOk(await hasAddress(lab, 'a', vip), 'the VIP is gone from a')
  await waitFor('the VIP on b', () => hasAddress(lab, 'b', vip), 3000)
  await waitFor("the client's neighbour entry to point at b", async () => (await lab.neighbour('client', vip)) === lab.mac('b'), 1500)
  t.pass("the client's neighbour entry for the VIP is b's MAC")
})
