// vrrpd's signals and CLI in real namespaces (issue #4 "Must show"): SIGUSR1 and
// SIGUSR2 dumps in keepalived's file names, `vrrpd status`, a clean SIGTERM /
// SIGINT (priority 0, VIPs released, notify_stop and notify STOP run before the
// exit, pid file removed) and the pid-file lock against a second daemon.
import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LoggedProcess } from '../../src/lab/proc.js'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { ensureBuilt } from '../helpers/vrrpd.js'
import { addressesOn, fileLines, renderConf, scratchDir, startRuntimeVrrpd, writeScript, type RuntimeVrrpd } from '../helpers/runtime-vrrpd.js'

/** The number `label`'s first group captures in keepalived.stats. */
function statValue(stats: string, label: RegExp): number {
  const m = label.exec(stats)
  if (!m) throw new Error(`no ${label} in\n${stats}`)
  return Number(m[1])
}

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const dir = scratchDir(t, 'signals')
  const main = ensureBuilt()
  // `notify` gets "INSTANCE VI_1 STATE prio" after our own first argument (the host).
  writeScript(`${dir}/notify.sh`, `host=$1; shift; echo "$*" >> ${dir}/notify-$host.log`)
  // Slow on purpose: the daemon must wait for it before exiting.
  writeScript(`${dir}/stop.sh`, `sleep 1; echo stopped >> ${dir}/stop-$1.log`)
  const vip = lab.address(110)
  const conf = (host: string, priority: number): string =>
    renderConf({
      instances: [{
        name: 'VI_1', iface: 'eth0', vrid: 61, priority, vips: [`${vip}/24`],
        extra: [`notify "/bin/sh ${dir}/notify.sh ${host}"`, `notify_stop "/bin/sh ${dir}/stop.sh ${host}"`],
      }],
    })
  const daemons: RuntimeVrrpd[] = []
  t.teardown(async () => {
    await Promise.all(daemons.map((d) => d.stop('SIGKILL')))
  })
  const a = startRuntimeVrrpd(t, lab, 'a', { config: conf('a', 150) })
  daemons.push(a)
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  // b once a is master, so no start-up race can give b a MASTER line of its own.
  const b = startRuntimeVrrpd(t, lab, 'b', { config: conf('b', 100) })
  daemons.push(b)
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000)
  await waitFor('b follows a', async () => (await b.status()).instances[0]?.masterAddress === lab.ip('a') || undefined, 5000)
  await waitFor('VIP on a', async () => (await addressesOn(lab, 'a')).includes(vip), 3000)

  t.test('SIGUSR1 writes keepalived.data and keepalived.json', async (t) => {
    const { data, json } = await a.dataFiles()
    t.match(data, /VRRP Instance = VI_1/)
    t.match(data, /State = MASTER/)
    t.match(data, new RegExp(`Virtual IP = 1\\n\\s+${vip.replaceAll('.', '\\.')}/24`))
    t.equal(json.daemon.name, 'vrrpd')
    t.equal(json.daemon.pid, a.proc.pid, "the daemon's pid")
    const [i] = json.instances
    t.match(i, { name: 'VI_1', interface: 'eth0', virtualRouterId: 61, version: 2, state: 'MASTER', basePriority: 150, effectivePriority: 150, masterAddress: lab.ip('a') }, 'instance fields')
    t.same(i?.vips, [`${vip}/24 dev eth0`], "the VIP, with its device")
    const backup = (await b.dataFiles()).json.instances[0]
    t.match(backup, { name: 'VI_1', state: 'BACKUP', effectivePriority: 100, masterAddress: lab.ip('a'), masterPriority: 150 }, "b sees a as master")
  })

  t.test('SIGUSR2 writes keepalived.stats', async (t) => {
    // At least one advert interval after b became BACKUP.
    await waitFor('b has received adverts', async () => statValue(await b.statsFile(), /Advertisements:\n\s+Received: (\d+)/) > 0, 5000, 300)
    const sa = await a.statsFile()
    const sb = await b.statsFile()
    t.match(sa, /^VRRP Instance: VI_1$/m)
    t.ok(statValue(sa, /Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/) > 0, 'master: Advertisements Sent > 0')
    t.equal(statValue(sa, /Became master: (\d+)/), 1, 'master: Became master: 1')
    t.ok(statValue(sb, /Advertisements:\n\s+Received: (\d+)/) > 0, 'backup: Advertisements Received > 0')
    t.equal(statValue(sb, /Became master: (\d+)/), 0, 'backup: Became master: 0')
  })

  t.test('`vrrpd status` prints the same JSON as keepalived.json', async (t) => {
    const { json } = await a.dataFiles()
    const r = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile])
    t.equal(r.code, 0)
    const status = JSON.parse(r.stdout) as typeof json
    t.same(Object.keys(status).sort(), Object.keys(json).sort(), 'same top-level fields')
    t.same(status.daemon, json.daemon, 'same daemon')
    const pick = (v: typeof json) => v.instances.map(({ stats: _s, configMismatches: _c, ...rest }) => rest)
    t.same(pick(status), pick(json), 'same instances (counters aside, which move)')
    t.ok(status.instances[0]!.stats.advertSent >= json.instances[0]!.stats.advertSent, 'counters only grow')
    const missing = await lab.exec('a', process.execPath, [main, 'status', '--pid', join(dir, 'nobody.pid')], { allowFail: true })
    t.not(missing.code, 0, 'no daemon: non-zero exit')
    t.match(missing.stderr, /vrrpd status:/, 'and a message')
    const prom = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile, '--format', 'prometheus'])
    t.match(prom.stdout, /vrrpd_instance_state\{instance="VI_1",interface="eth0",vrid="61",state="MASTER"\} 1\n/, 'the same live state as Prometheus metrics')
    const text = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile, '--format', 'text'])
    t.match(text.stdout, /VRRP Instance = VI_1\n\s+State = MASTER/, 'and as keepalived.data text')
  })

  t.test('a second vrrpd with the same --pid refuses to start', async (t) => {
    const args = [main, '--dont-fork', '--log-console', '-f', a.configPath, '--pid', a.pidFile]
    const second = new LoggedProcess('second@a', lab.spawn('a', process.execPath, args))
    const code = await Promise.race([second.exited, new Promise((r) => setTimeout(() => r('still running'), 8000))])
    if (code === 'still running') await second.stop('SIGKILL')
    t.not(code, 0, `non-zero exit (${String(code)})`)
    t.not(code, 'still running', 'it exited by itself')
    t.match(second.text(), /already running/)
    t.ok(a.proc.running, 'the first one still runs')
    t.ok(existsSync(a.pidFile), "the first one's pid file stays")
    t.equal((await a.status()).instances[0]?.state, 'MASTER')
  })

  /** Stops `d` with `sig` and checks keepalived's shutdown, with `peer` taking over. */
  async function checkStop(t: Test, d: RuntimeVrrpd, host: string, prio: number, peer: RuntimeVrrpd, sig: NodeJS.Signals): Promise<void> {
    const stopLog = `${dir}/stop-${host}.log`
    const notifyLog = `${dir}/notify-${host}.log`
    let atExit: { stop: boolean; notify: boolean; pid: boolean } | undefined
    d.proc.child.once('exit', () => {
      atExit = { stop: existsSync(stopLog), notify: fileLines(notifyLog).includes(`INSTANCE VI_1 STOP ${prio}`), pid: existsSync(d.pidFile) }
    })
    const sent = performance.now()
    const code = await d.stop(sig, 15_000)
    t.equal(code, 0, `exit code 0 after ${sig}`)
    t.ok(d.find(new RegExp(`Received ${sig}, stopping`), sent), 'the signal is logged')
    t.ok(d.find(/\(VI_1\) removing VIPs\./, sent), '"(VI_1) removing VIPs." logged')
    t.same(atExit, { stop: true, notify: true, pid: false }, 'at exit: notify_stop and notify STOP had run, the pid file was gone')
    t.same(fileLines(stopLog), ['stopped'], 'notify_stop ran once')
    t.notOk((await addressesOn(lab, host)).includes(vip), 'the VIP is removed')
    // RFC 3768 6.4.3: shutdown sends priority 0; the backup takes over after Skew_Time.
    await peer.waitForLog(/\(VI_1\) Backup received priority 0 advertisement/, 3000, sent)
    await peer.waitForLog(/\(VI_1\) Entering MASTER STATE/, 3000, sent)
    t.pass('the peer got priority 0 and took over')
  }

  t.test('SIGTERM: priority 0, VIPs removed, stop notifies run before exit, pid file removed', async (t) => {
    await checkStop(t, a, 'a', 150, b, 'SIGTERM')
  })

  t.test('SIGINT behaves as SIGTERM', async (t) => {
    await waitFor('VIP on b', async () => (await addressesOn(lab, 'b')).includes(vip), 3000)
    const a2 = startRuntimeVrrpd(t, lab, 'a', { config: conf('a2', 50) })
    daemons.push(a2)
    await a2.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 8000)
    await checkStop(t, b, 'b', 100, a2, 'SIGINT')
    await waitFor('VIP on a', async () => (await addressesOn(lab, 'a')).includes(vip), 3000)
    t.pass('the VIP moved to a')
  })
}
