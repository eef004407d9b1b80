// The log lines operators alert on, from keepalived 2.2.7 and from vrrpd side by
// side (issue #14 "Must show"): the same config (apart from the VRID, so the two
// do not elect each other) on two hosts, the same events for both, and every
// line of docs/operations.md's list must appear in both logs. Events: start-up,
// bad adverts from a third host, a higher-priority master, priority 0, a
// tracked file and a tracked script failing, the link going down, SIGTERM.
import t, { type Test } from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { AUTH_TYPE, authDataFromPassword, buildIpv4Header, encodeAdvert, VRRP_MULTICAST_IPV4, type Advert } from '../../src/protocol/index.js'
import { createLab, requireRoot } from '../helpers/netns.js'
import { renderConf, scratchDir, startRuntimeVrrpd, writeScript } from '../helpers/runtime-vrrpd.js'
import { startIsolatedKeepalived } from '../helpers/keepalived-dumps.js'
import { startInjector } from '../helpers/pair-lab.js'
import type { Daemon } from '../../src/lab/daemon.js'

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['k', 'v', 'x'] })
  const dir = scratchDir(t, 'loglines')
  const flag = `${dir}/script-fails`
  const trackFile = `${dir}/track`
  writeFileSync(trackFile, '0\n')
  const prioFile = `${dir}/prio`
  writeFileSync(prioFile, '0\n')
  writeScript(`${dir}/chk.sh`, `[ ! -e ${flag} ]`)
  const vips = { k: lab.address(130), v: lab.address(131) }
  const vrids = { k: 71, v: 72 }
  const conf = (host: 'k' | 'v'): string =>
    renderConf({
      global: ['router_id loglines'],
      blocks: [
        `vrrp_script chk {\n  script "${dir}/chk.sh"\n  interval 1\n}\n`,
        `track_file tf {\n  file ${trackFile}\n  weight 0\n}\n`,
        `track_file prio {\n  file ${prioFile}\n  weight -10\n}\n`,
      ],
      instances: [{ name: 'VI_1', iface: 'eth0', vrid: vrids[host], priority: 150, vips: [`${vips[host]}/24`], extra: ['track_script {\n    chk\n  }', 'track_file {\n    tf\n    prio\n  }'] }],
    })
  // The injector first: it compiles TypeScript on start, which is slow on a loaded machine.
  const injector = await startInjector(lab, 'x')
  t.teardown(() => injector.stop())
  const k = startIsolatedKeepalived(t, lab, 'k', conf('k'))
  const v = startRuntimeVrrpd(t, lab, 'v', { config: conf('v') })
  t.teardown(async () => {
    await Promise.all([k.stop('SIGKILL'), v.stop('SIGKILL')])
  })
  const both: [string, Daemon][] = [['keepalived', k], ['vrrpd', v]]

  /** Waits until `line` (a literal, VI_1's) appears in both logs after `since`; one assertion per daemon. */
  async function inBoth(t: Test, line: string, since: number, timeoutMs = 10_000): Promise<void> {
    // The whole line (vrrpd's text format may append key=value fields).
    const re = new RegExp(`${esc(line)}(?:$| \\w+=)`)
    const found = await Promise.all(both.map(([, d]) => d.waitForLog(re, timeoutMs, since).then(() => true, () => false)))
    both.forEach(([name], i) => t.ok(found[i], `${name}: ${line}`))
  }
  /** Both daemons entered `state` since `since`. */
  async function bothIn(t: Test, state: string, since: number, timeoutMs = 10_000): Promise<void> {
    await inBoth(t, `(VI_1) Entering ${state} STATE`, since, timeoutMs)
  }

  const t0 = 0
  await bothIn(t, 'MASTER', t0, 20_000)
  await inBoth(t, 'VRRP_Script(chk) succeeded', t0)
  await inBoth(t, '(VI_1) Receive advertisement timeout', t0)
  await inBoth(t, '(VI_1) setting VIPs.', t0)
  for (const [host, vip] of Object.entries(vips)) {
    const d = host === 'k' ? k : v
    t.ok(await d.waitForLog(new RegExp(`\\(VI_1\\) Sending/queueing gratuitous ARPs on eth0 for ${esc(vip)}`), 5000).then(() => true, () => false), `${host}: Sending/queueing gratuitous ARPs`)
  }

  const x = lab.ip('x')
  const advertFor = (host: 'k' | 'v', over: Partial<Advert> = {}): Advert => ({
    version: 2, type: 1, virtualRouterId: vrids[host], priority: 200, adverIntervalMs: 1000,
    authType: AUTH_TYPE.simple, authData: authDataFromPassword('s3cret'), ipAddresses: [vips[host]], family: 4, ...over,
  })
  const wire = (advert: Advert, ttl = 255, edit?: (b: Buffer) => Buffer): Buffer => {
    const encoded = encodeAdvert(advert, { source: x, destination: VRRP_MULTICAST_IPV4 })
    const vrrp = edit ? edit(Buffer.from(encoded)) : encoded
    return Buffer.concat([buildIpv4Header({ source: x, destination: VRRP_MULTICAST_IPV4, payloadLength: vrrp.length, ttl }), vrrp])
  }
  const sendBoth = async (make: (host: 'k' | 'v') => Buffer): Promise<void> => {
    await injector.send(make('k'))
    await injector.send(make('v'))
  }

  t.test('receive-side errors: keepalived\'s lines in both logs', async (t) => {
    const since = performance.now()
    await sendBoth((h) => wire(advertFor(h, { authData: authDataFromPassword('wrong') })))
    await inBoth(t, '(VI_1) received an invalid passwd!', since)
    await sendBoth((h) => wire(advertFor(h, { ipAddresses: [vips[h], lab.address(199)] })))
    await inBoth(t, '(VI_1) received an unexpected ip number count 2, expected 1!', since)
    await sendBoth((h) => wire(advertFor(h, { ipAddresses: [lab.address(199)] })))
    await sendBoth((h) => wire(advertFor(h, { ipAddresses: [lab.address(198)] })))
    for (const [name, d] of both) {
      const re = new RegExp(`\\(VI_1\\) ip address associated with VRID ${name === 'keepalived' ? vrids.k : vrids.v} not present in MASTER advert: ${esc(name === 'keepalived' ? vips.k : vips.v)}`)
      t.ok(await d.waitForLog(re, 10_000, since).then(() => true, () => false), `${name}: (VI_1) ip address associated with VRID N not present in MASTER advert: VIP`)
    }
    await sendBoth((h) => wire(advertFor(h, { version: 3, authType: 0, authData: Buffer.alloc(0) })))
    await inBoth(t, '(VI_1) wrong version. Received 3 and expect 2', since)
    // vrrpd's flood gate logs at most 10 packet-caused events per 10 s window (docs/operations.md):
    // the second half of the bad adverts goes into the next window.
    await new Promise((r) => setTimeout(r, 11_000))
    await sendBoth((h) => wire(advertFor(h, { adverIntervalMs: 2000 })))
    await inBoth(t, "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec", since)
    await sendBoth((h) => wire(advertFor(h, { authType: AUTH_TYPE.none, authData: Buffer.alloc(8) })))
    await inBoth(t, '(VI_1) received a 0 auth, expecting 1!', since)
    await sendBoth((h) => wire(advertFor(h), 64))
    await inBoth(t, '(VI_1) invalid TTL/HL. Received 64 and expect 255', since)
    await sendBoth((h) => wire(advertFor(h, { authType: 7 })))
    await inBoth(t, '(VI_1) Invalid auth type: 7', since)
    await sendBoth((h) => wire(advertFor(h), 255, (b) => b.subarray(0, b.length - 5)))
    await inBoth(t, '(VI_1) vrrp packet too short, length 35 and expect 40', since)
    t.ok(v.find(/\(VI_1\) CONFIG MISMATCH: advert from .* has a different auth_pass/, since), "vrrpd's own alarm beside keepalived's line")
    for (const [name, d] of both) t.notOk(d.proc.find(/Entering \w+ STATE/, { since }), `${name}: no bad advert changed the state`)
  })

  t.test('state changes with their reason', async (t) => {
    let since = performance.now()
    await sendBoth((h) => wire(advertFor(h)))
    await inBoth(t, `(VI_1) Master received advert from ${x} with higher priority 200, ours 150`, since)
    await bothIn(t, 'BACKUP', since)
    since = performance.now()
    await sendBoth((h) => wire(advertFor(h, { priority: 0 })))
    await inBoth(t, '(VI_1) Backup received priority 0 advertisement', since)
    await bothIn(t, 'MASTER', since)
  })

  t.test('a weighted tracked file changes the priority', async (t) => {
    let since = performance.now()
    writeFileSync(prioFile, '2\n')
    await inBoth(t, '(VI_1) Changing effective priority from 150 to 130', since)
    since = performance.now()
    writeFileSync(prioFile, '0\n')
    await inBoth(t, '(VI_1) Changing effective priority from 130 to 150', since)
  })

  t.test('a tracked file puts both in FAULT and back', async (t) => {
    let since = performance.now()
    writeFileSync(trackFile, '1\n')
    await inBoth(t, '(VI_1): tracked file tf now FAULT state', since)
    await bothIn(t, 'FAULT', since)
    t.ok(v.find(/\(VI_1\) FAULT reason: .*\btf\b/, since), "vrrpd's reason beside keepalived's line")
    since = performance.now()
    writeFileSync(trackFile, '0\n')
    await inBoth(t, '(VI_1): tracked file tf leaving FAULT state', since)
    await bothIn(t, 'MASTER', since, 15_000)
  })

  t.test('a tracked script fails and recovers', async (t) => {
    let since = performance.now()
    writeFileSync(flag, '')
    await inBoth(t, 'VRRP_Script(chk) failed (exited with status 1)', since)
    await bothIn(t, 'FAULT', since)
    since = performance.now()
    rmSync(flag)
    await inBoth(t, 'VRRP_Script(chk) succeeded', since)
    await bothIn(t, 'MASTER', since, 15_000)
  })

  t.test('the link goes down and comes back', async (t) => {
    let since = performance.now()
    await lab.cut('k')
    await lab.cut('v')
    await inBoth(t, 'Netlink reports eth0 down', since)
    await bothIn(t, 'FAULT', since)
    t.ok(v.find(/\(VI_1\) FAULT reason: interface eth0 down/, since), "vrrpd's reason beside keepalived's line")
    since = performance.now()
    await lab.heal('k')
    await lab.heal('v')
    await inBoth(t, 'Netlink reports eth0 up', since)
    await bothIn(t, 'MASTER', since, 15_000)
  })

  t.test('SIGTERM: priority 0 sent, VIPs removed', async (t) => {
    const since = performance.now()
    await Promise.all([k.stop('SIGTERM', 10_000), v.stop('SIGTERM', 10_000)])
    await inBoth(t, '(VI_1) sent 0 priority', since, 2000)
    await inBoth(t, '(VI_1) removing VIPs.', since, 2000)
  })
}
