// vrrpd as the default systemd unit runs it (systemd/vrrpd.service): root, with
// systemd's NOTIFY_SOCKET and WATCHDOG_USEC (a datagram socket of this test stands
// in for systemd), and the metrics endpoint from DAEMON_ARGS. keepalived runs the
// same kind of check script beside it, as the reference.
import t from 'tap'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import { openUnixDatagram } from '../../src/io/unix-datagram.js'

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Array<{ name: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> }>

const WATCHDOG_MS = 3000

t.test('root unit: killall -0 checks succeed as under keepalived; sd_notify in order; watchdog; metrics over HTTP during a failover', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
  const vip = lab.address(100)
  const dir = mkdtempSync(join(tmpdir(), 'vrt-service-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  // The services the checks watch: root processes with names of their own (like haproxy).
  const tag = lab.id.replace(/[^a-z0-9]/gi, '').slice(-6)
  const svc = (host: string) => {
    const name = `vrtsvc${host}${tag}`.slice(0, 15) // comm is at most 15 characters
    copyFileSync('/bin/sleep', join(dir, name))
    return { name, proc: lab.spawn(host, join(dir, name), ['600']) }
  }
  const svcA = svc('a')
  const svcB = svc('b')
  const check = (name: string) => `vrrp_script chk {\n  script "/usr/bin/killall -0 ${name}"\n  interval 1\n  weight -20\n}\n`

  // systemd's side of the notify protocol.
  const notifyPath = join(dir, 'notify.sock')
  const notify = openUnixDatagram(notifyPath)
  t.teardown(() => notify.close())
  const messages: Array<{ at: number; text: string }> = []
  const drain = () => {
    for (let m = notify.tryReceive(); m; m = notify.tryReceive()) messages.push({ at: performance.now(), text: m.toString() })
  }
  const poll = setInterval(drain, 20)
  t.teardown(() => clearInterval(poll))
  const texts = () => messages.map((m) => m.text).filter((m) => m !== 'WATCHDOG=1')

  const b = startKeepalived(lab, 'b', { config: check(svcB.name) + renderKeepalivedConf({ iface: lab.iface('b'), priority: 90, vips: [`${vip}/24`], extra: ['track_script {', '  chk', '}'] }) })
  await b.waitForLog(/VRRP_Script\(chk\) succeeded/, 10_000)
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)

  const a = startVrrpd(lab, 'a', {
    config: check(svcA.name) + renderKeepalivedConf({ iface: lab.iface('a'), priority: 100, vips: [`${vip}/24`], extra: ['track_script {', '  chk', '}'] }),
    extraArgs: ['--metrics-listen', `${lab.ip('a')}:9165`],
    env: { NOTIFY_SOCKET: notifyPath, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) },
  })
  await a.waitForLog(/VRRP_Script\(chk\) succeeded/, 10_000)
  t.pass('vrrpd: `killall -0` on a root process succeeds, as it does under keepalived on b')
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 5_000)
  await waitFor('STATUS names the MASTER state', () => texts().includes('STATUS=1 instance: VI_1 MASTER') || undefined, 3000)
  t.match(texts()[0], /^READY=1\nSTATUS=1 instance: VI_1 (BACKUP|INIT)$/, 'READY=1 first, once the instance is started')

  const scrape = async () => {
    const r = await lab.exec('client', 'curl', ['-sf', '--max-time', '5', `http://${lab.ip('a')}:9165/metrics`])
    const families = new Map(parsePrometheus(r.stdout).map((f) => [f.name, f]))
    const value = (name: string) => Number(families.get(name)?.metrics[0]?.value)
    return { families, value }
  }
  const before = await scrape()
  t.equal(before.value('keepalived_vrrp_state'), 2, 'keepalived-exporter view: MASTER')
  t.same(before.families.get('keepalived_vrrp_state')?.metrics[0]?.labels, { iname: 'VI_1', intf: lab.iface('a'), vrid: '51', ip_address: vip })
  t.ok(before.families.has('vrrpd_event_loop_delay_seconds'), 'event-loop delay is served')

  // The service on a dies: its check fails, 100 -> 80, keepalived on b (90) takes over.
  const failing = performance.now()
  svcA.proc.kill('SIGKILL')
  await a.waitForLog(/VRRP_Script\(chk\) failed/, 10_000, failing)
  await a.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000, failing)
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000, failing)
  await waitFor('STATUS names the BACKUP state', () => texts().at(-1) === 'STATUS=1 instance: VI_1 BACKUP' || undefined, 3000)
  const after = await scrape()
  t.equal(after.value('keepalived_vrrp_state'), 1, 'BACKUP after the failover')
  t.ok(after.value('keepalived_advertisements_sent_total') > before.value('keepalived_advertisements_sent_total'), 'adverts sent moved')
  t.equal(after.value('keepalived_release_master_total'), 1, 'released master once')
  t.ok(after.value('vrrpd_adverts_received_total') > 0, 'adverts from keepalived counted')

  // Reload: RELOADING=1, then READY=1 again.
  const reloadFrom = texts().length
  a.reload()
  await waitFor('READY=1 after the reload', () => texts().slice(reloadFrom).some((m) => m.startsWith('READY=1')) || undefined, 10_000)
  t.match(texts().slice(reloadFrom), [/^RELOADING=1\nMONOTONIC_USEC=\d+$/, /^READY=1\nSTATUS=1 instance: VI_1 BACKUP$/], 'RELOADING=1 then READY=1')

  // The watchdog: pings from the start on, at WatchdogSec/3, never a gap systemd would kill for.
  const pings = messages.filter((m) => m.text === 'WATCHDOG=1').map((m) => m.at)
  t.ok(pings.length >= 5, `${pings.length} watchdog pings`)
  const gaps = pings.slice(1).map((p, i) => p - pings[i]!).sort((x, y) => x - y)
  const median = gaps[Math.floor(gaps.length / 2)]!
  t.ok(median <= WATCHDOG_MS / 2, `median gap ${Math.round(median)} ms <= WatchdogSec/2`)
  t.ok(gaps.at(-1)! < WATCHDOG_MS, `largest gap ${Math.round(gaps.at(-1)!)} ms < WatchdogSec`)

  t.equal(await a.stop('SIGTERM'), 0)
  drain()
  t.equal(texts().at(-1), 'STOPPING=1', 'STOPPING=1 last')
  await b.stop()
  svcB.proc.kill('SIGKILL')
})
