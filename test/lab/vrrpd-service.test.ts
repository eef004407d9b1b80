// vrrpd as the default systemd unit runs it (systemd/vrrpd.service): root, in the
// environment systemd gives the service (not the test runner's), a 0600 keepalived.conf
// holding auth_pass, systemd's NOTIFY_SOCKET and WATCHDOG_USEC (a datagram socket of
// this test stands in for systemd), and DAEMON_ARGS from /etc/default/vrrpd (the
// metrics endpoint). keepalived runs the same kind of check script beside it, as the
// reference.
import t from 'tap'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { renderKeepalivedConf, startKeepalived } from '../helpers/keepalived.js'
import { SYSTEMD_SERVICE_ENV, startVrrpd } from '../helpers/vrrpd.js'
import { openUnixDatagram } from '../../src/io/unix-datagram.js'
import { setTimeout as sleep } from 'node:timers/promises'

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Array<{ name: string; help: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> }>

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
  // keepalived's own sample check, found through the service's PATH as keepalived finds it.
  const check = (name: string) => `vrrp_script chk {\n  script "killall -0 ${name}"\n  interval 1\n  weight -20\n}\n`

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

  // /etc/default/vrrpd's DAEMON_ARGS, word-split by systemd in `ExecStart=... $DAEMON_ARGS`.
  const DAEMON_ARGS = `--metrics-listen ${lab.ip('a')}:9165`
  const a = startVrrpd(lab, 'a', {
    config: check(svcA.name) + renderKeepalivedConf({ iface: lab.iface('a'), priority: 100, vips: [`${vip}/24`], extra: ['track_script {', '  chk', '}', 'garp_master_delay 3'] }),
    configMode: 0o600,
    serviceEnv: true,
    extraArgs: DAEMON_ARGS.split(/\s+/),
    env: { DAEMON_ARGS, NOTIFY_SOCKET: notifyPath, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) },
  })
  await a.waitForLog(/VRRP_Script\(chk\) succeeded/, 10_000)
  t.pass('vrrpd: `killall -0` on a root process succeeds, as it does under keepalived on b')
  t.equal(statSync(a.configPath).mode & 0o777, 0o600, 'it read a 0600 keepalived.conf holding auth_pass')
  const pid = Number(readFileSync(join(a.dir, 'vrrpd.pid'), 'utf8').trim())
  t.equal(statSync(`/proc/${pid}`).uid, 0, 'as root, as the unit runs it')
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
  t.ok(environ.includes(`PATH=${SYSTEMD_SERVICE_ENV.PATH}`) && !environ.some((e) => /^(HOME|NODE_OPTIONS)=/.test(e)), "in the service's environment, not the test runner's")
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 5_000)
  await waitFor('STATUS names the MASTER state', () => texts().includes('STATUS=1 instance: VI_1 MASTER') || undefined, 3000)
  t.match(texts()[0], /^READY=1\nSTATUS=1 instance: VI_1 (BACKUP|INIT)$/, 'READY=1 first, once the instance is started')
  // Neither daemon has enable_script_security: both say so, once per start.
  const violations = (d: typeof a | typeof b) => d.proc.lines.filter((l) => l.text.includes('SECURITY VIOLATION')).length
  t.equal(violations(a), 1, 'SECURITY VIOLATION logged once by vrrpd')
  t.equal(violations(a), violations(b), 'as often as keepalived logs it')

  // Scraped from the client, parsed with a Prometheus text-format parser: every family
  // typed and described, every sample a number.
  const scrape = async () => {
    const r = await lab.exec('client', 'curl', ['-sf', '--max-time', '5', `http://${lab.ip('a')}:9165/metrics`])
    const parsed = parsePrometheus(r.stdout)
    const invalid = parsed.filter((f) => f.type === 'UNTYPED' || !f.help || f.metrics.some((m) => !Number.isFinite(Number(m.value)))).map((f) => f.name)
    const families = new Map(parsed.map((f) => [f.name, f]))
    const value = (name: string) => Number(families.get(name)?.metrics[0]?.value)
    return { families, value, invalid }
  }
  const before = await scrape()
  t.same(before.invalid, [], 'valid Prometheus text')
  t.equal(before.value('keepalived_vrrp_state'), 2, 'keepalived-exporter view: MASTER')
  t.same(before.families.get('keepalived_vrrp_state')?.metrics[0]?.labels, { iname: 'VI_1', intf: lab.iface('a'), vrid: '51', ip_address: vip })
  t.ok(before.families.has('vrrpd_event_loop_delay_seconds'), 'event-loop delay is served')
  t.equal(before.value('keepalived_gratuitous_arp_delay_total'), 3, "keepalived-exporter's GARP delay: the configured garp_master_delay")

  // Scrapes back to back while the failover happens.
  const during: Array<{ state: number; invalid: string[] } | { error: string }> = []
  let scraping = true
  const scraper = (async () => {
    while (scraping) {
      try {
        const s = await scrape()
        during.push({ state: s.value('keepalived_vrrp_state'), invalid: s.invalid })
      } catch (e) {
        during.push({ error: (e as Error).message })
      }
    }
  })()

  // The service on a dies: its check fails, 100 -> 80, keepalived on b (90) takes over.
  const failing = performance.now()
  svcA.proc.kill('SIGKILL')
  await a.waitForLog(/VRRP_Script\(chk\) failed/, 10_000, failing)
  await a.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000, failing)
  await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000, failing)
  await waitFor('STATUS names the BACKUP state', () => texts().at(-1) === 'STATUS=1 instance: VI_1 BACKUP' || undefined, 3000)
  await waitFor('a scrape after the failover', () => during.some((d) => 'state' in d && d.state === 1) || undefined, 10_000)
  scraping = false
  await scraper
  t.same(during.filter((d) => 'error' in d || d.invalid.length > 0), [], `${during.length} scrapes during the failover, each answered with valid text`)
  const states = during.flatMap((d) => ('state' in d ? [d.state] : []))
  t.same([...new Set(states)], states[0] === 2 ? [2, 1] : [1], 'the state gauge goes MASTER (2) -> BACKUP (1), never anything else')
  const after = await scrape()
  t.equal(after.value('keepalived_vrrp_state'), 1, 'BACKUP after the failover')
  t.ok(after.value('keepalived_advertisements_sent_total') > before.value('keepalived_advertisements_sent_total'), 'adverts sent moved')
  t.equal(after.value('keepalived_release_master_total'), 1, 'released master once')
  t.ok(after.value('vrrpd_adverts_received_total') > before.value('vrrpd_adverts_received_total'), "keepalived's adverts counted")
  t.equal(after.value('keepalived_script_status'), 0, 'the failing check is BAD (0)')
  const effective = after.families.get('vrrpd_instance_priority')?.metrics.find((m) => m.labels?.kind === 'effective')?.value
  t.equal(effective, '80', 'effective priority 100 - 20')

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

  // A frozen vrrpd sends no ping (they come from its own event loop, not from a helper
  // process), so systemd would kill it after WatchdogSec. b stops first, so that a is
  // MASTER alone and its overdue timers change nothing when it thaws.
  const handover = performance.now()
  await b.stop()
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000, handover)
  process.kill(pid, 'SIGSTOP')
  let frozenAt: number, thawedAt: number
  try {
    // What was sent before the stop is drained here, so anything stamped later came while frozen.
    await sleep(100)
    drain()
    frozenAt = performance.now()
    await sleep(WATCHDOG_MS)
    drain()
    thawedAt = performance.now()
  } finally {
    process.kill(pid, 'SIGCONT')
  }
  t.same(messages.filter((m) => m.text === 'WATCHDOG=1' && m.at > frozenAt && m.at <= thawedAt), [], `no WATCHDOG=1 while frozen for ${WATCHDOG_MS} ms`)
  await waitFor('pings again once thawed', () => messages.some((m) => m.text === 'WATCHDOG=1' && m.at > thawedAt) || undefined, WATCHDOG_MS)

  t.equal(await a.stop('SIGTERM'), 0, 'exit 0 on SIGTERM')
  drain()
  t.equal(texts().at(-1), 'STOPPING=1', 'STOPPING=1 last')
  svcB.proc.kill('SIGKILL')
})
