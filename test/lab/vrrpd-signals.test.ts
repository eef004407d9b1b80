// vrrpd's signals and CLI in real namespaces (issues #4 and #14 "Must show"):
// keepalived's dumps on SIGUSR1, SIGUSR2, SIGSTATS_CLEAR and SIGJSON, every
// keepalived signal sent to a running MASTER (it lives, roles stay), `vrrpd status`, a clean SIGTERM /
// SIGINT (priority 0, VIPs released, notify_stop and notify STOP run before the
// exit, pid file removed) and the pid-file lock against a second daemon.
import t, { type Test } from 'tap'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LoggedProcess } from '../../src/lab/proc.js'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { ensureBuilt } from '../helpers/vrrpd.js'
import { addressesOn, fileLines, renderConf, scratchDir, startRuntimeVrrpd, writeScript, type RuntimeVrrpd } from '../helpers/runtime-vrrpd.js'
import { signalForFiles } from '../helpers/keepalived-dumps.js'

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

  t.test('SIGUSR1 writes keepalived.data and keepalived_parent.data in keepalived\'s format', async (t) => {
    const { data, parent } = await a.dataFiles()
    t.match(data, /^------< Global definitions >------$/m)
    t.match(data, /^ VRRP Instance = VI_1\n   VRRP Version = 2\n   State = MASTER$/m)
    t.match(data, new RegExp(`   Virtual IP \\(1\\):\\n     ${vip.replaceAll('.', '\\.')}/24 dev eth0 scope global set\\n`))
    t.match(data, /^   Virtual Router ID = 61$/m)
    t.match(parent, /^------< Global definitions >------\n/, 'the parent file: global definitions')
    t.notMatch(parent, /VRRP Topology/, 'and only those')
    const backup = (await b.dataFiles()).data
    t.match(backup, new RegExp(`   State = BACKUP\\n   Master router = ${lab.ip('a').replaceAll('.', '\\.')}\\n   Master priority = 150\\n`), "b names a as master")
    t.ok(a.find(new RegExp(`Printing VRRP data for process\\(${a.proc.pid}\\) on signal`)), "keepalived's log line")
  })

  t.test('SIGJSON (SIGRTMIN+2) writes keepalived.json in keepalived\'s format', async (t) => {
    const json = JSON.parse(await a.jsonFile()) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>
    t.equal(json.length, 1)
    t.match(json[0]!.data, { iname: 'VI_1', ifp_ifname: 'eth0', vrid: 61, state: 2, wantstate: 2, base_priority: 150, effective_priority: 150, version: 2, vipset: true }, 'instance fields, keepalived\'s names and state numbers')
    t.same(json[0]!.data.vips, [`${vip}/24 dev eth0 scope global set`], 'the VIP as keepalived formats it')
    t.ok(json[0]!.stats.advert_sent > 0, 'stats.advert_sent')
    const backup = JSON.parse(await b.jsonFile()) as typeof json
    t.match(backup[0]!.data, { iname: 'VI_1', state: 1, master_priority: 150, vipset: false }, 'b is BACKUP (1) under a master of priority 150')
  })

  t.test('SIGUSR2 writes keepalived.stats; SIGSTATS_CLEAR writes it and clears the counters', async (t) => {
    // At least one advert interval after b became BACKUP.
    await waitFor('b has received adverts', async () => statValue(await b.statsFile(), /Advertisements:\n\s+Received: (\d+)/) > 0, 5000, 300)
    const sa = await a.statsFile()
    const sb = await b.statsFile()
    t.match(sa, /^VRRP Instance: VI_1$/m)
    t.ok(statValue(sa, /Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/) > 0, 'master: Advertisements Sent > 0')
    t.equal(statValue(sa, /Became master: (\d+)/), 1, 'master: Became master: 1')
    t.ok(statValue(sb, /Advertisements:\n\s+Received: (\d+)/) > 0, 'backup: Advertisements Received > 0')
    t.equal(statValue(sb, /Became master: (\d+)/), 0, 'backup: Became master: 0')
    t.notMatch(sa, /Dropped/, "no section keepalived does not write")
    const [cleared] = await signalForFiles(a.dir, () => a.signal(63), ['keepalived.stats'], 3000, 'vrrpd@a')
    t.equal(statValue(cleared!, /Became master: (\d+)/), 1, 'SIGSTATS_CLEAR writes the counters before clearing them')
    const after = await a.statsFile()
    t.equal(statValue(after, /Became master: (\d+)/), 0, 'then they start again from 0')
    t.ok(statValue(after, /Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/) < statValue(cleared!, /Advertisements:\n\s+Received: \d+\n\s+Sent: (\d+)/), 'Sent restarted')
    t.ok(a.find(/Printing and clearing VRRP stats for process\(\d+\) on signal/), "keepalived's log line")
    t.equal((await a.status()).instances[0]?.stats.becomeMaster, 0, '`vrrpd status` shows the cleared counters too')
  })

  t.test('every keepalived signal to the running MASTER: it lives, roles stay, keepalived.json is written', async (t) => {
    const since = performance.now()
    // keepalived --signum's names (STOP aside: it stops, below) and the VRRP child's others:
    // RELOAD 1, DATA 10, STATS 12, STATS_CLEAR 63, JSON 36, SIGRTMAX 64 (TDUMP builds), SIGXCPU 24.
    for (const signo of [36, 1, 10, 12, 63, 64, 24, 36]) {
      a.signal(signo)
      await new Promise((r) => setTimeout(r, 300))
      t.ok(a.proc.running, `alive after signal ${signo}`)
    }
    await a.waitForLog(/Reload finished/, 10_000, since)
    const json = JSON.parse(await a.jsonFile()) as Array<{ data: { state: number } }>
    t.equal(json[0]?.data.state, 2, 'keepalived.json written, MASTER (2)')
    const jsonLines = (): number => a.linesSince(since).filter((l) => /Printing VRRP as json for process\(\d+\) on signal/.test(l.text)).length
    await waitFor('three json lines', async () => jsonLines() >= 3 || undefined, 3000).catch(() => undefined)
    t.equal(jsonLines(), 3, 'each SIGRTMIN+2 logged as keepalived does')
    t.equal((await a.status()).instances[0]?.state, 'MASTER', 'a is still MASTER')
    t.equal((await b.status()).instances[0]?.state, 'BACKUP', 'b is still BACKUP')
    t.notOk(a.find(/Entering \w+ STATE/, since), 'a: no state change')
    t.notOk(b.find(/Entering \w+ STATE/, since), 'b: no state change')
    t.ok((await addressesOn(lab, 'a')).includes(vip), 'the VIP stays on a')
    t.notMatch(a.proc.text(), /DEP0111|DeprecationWarning/, 'no deprecation warning in the log')
  })

  t.test('the daemon sets its own umask: 022 whatever it inherits (000 here), or -u\'s value; the pid file 0644', async (t) => {
    // Issue 13: under umask 000 vrrpd made a 0666 pid file and a 0777 directory.
    for (const [extra, want] of [[[], 0o022], [['-u', '077'], 0o077]] as const) {
      const tag = want.toString(8).padStart(3, '0')
      const runDir = join(dir, `umask-${tag}`, 'run') // not there yet: vrrpd makes it
      const confPath = join(dir, `umask-${tag}.conf`)
      writeFileSync(confPath, renderConf({ instances: [{ name: 'VI_9', iface: 'eth0', vrid: 62, priority: 50, vips: [`${lab.address(111)}/24`] }] }))
      const pidFile = join(runDir, 'vrrpd.pid')
      const cmd = `umask 000; exec ${process.execPath} ${main} --dont-fork --log-console -f ${confPath} --pid ${pidFile} ${extra.join(' ')}`
      const p = new LoggedProcess(`umask-${tag}@a`, lab.spawn('a', 'sh', ['-c', cmd]))
      try {
        await p.waitForLog(/Starting vrrpd/, 15_000)
        await waitFor('the pid file', async () => existsSync(pidFile) || undefined, 5000)
        const umask = /^Umask:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1]
        t.equal(umask, `0${tag}`, `the daemon runs with umask 0${tag} (${extra.length ? '-u 077' : 'its default'}), not the inherited 000`)
        t.equal(statSync(pidFile).mode & 0o777, 0o644, 'the pid file is 0644')
        t.equal(statSync(runDir).mode & 0o777, 0o755 & ~want, `the directory it made is 0${(0o755 & ~want).toString(8)}, not 0777`)
      } finally {
        t.equal(await p.stop('SIGTERM', 10_000), 0, 'and it stops cleanly')
      }
    }
  })

  t.test('`vrrpd status` prints vrrpd\'s own JSON', async (t) => {
    const r = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile])
    t.equal(r.code, 0)
    const status = JSON.parse(r.stdout) as Awaited<ReturnType<typeof a.status>>
    t.equal(status.daemon.name, 'vrrpd')
    t.equal(status.daemon.pid, a.proc.pid, "the daemon's pid")
    t.match(status.instances[0], { name: 'VI_1', interface: 'eth0', virtualRouterId: 61, version: 2, state: 'MASTER', basePriority: 150, effectivePriority: 150, masterAddress: lab.ip('a') }, 'instance fields')
    t.same(status.instances[0]?.vips, [`${vip}/24 dev eth0`], 'the VIP, with its device')
    const missing = await lab.exec('a', process.execPath, [main, 'status', '--pid', join(dir, 'nobody.pid')], { allowFail: true })
    t.not(missing.code, 0, 'no daemon: non-zero exit')
    t.match(missing.stderr, /vrrpd status:/, 'and a message')
    const prom = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile, '--format', 'prometheus'])
    t.match(prom.stdout, /vrrpd_instance_state\{instance="VI_1",interface="eth0",vrid="61",state="MASTER"\} 1\n/, 'the same live state as Prometheus metrics')
    const text = await lab.exec('a', process.execPath, [main, 'status', '--pid', a.pidFile, '--format', 'text'])
    t.match(text.stdout, /VRRP Instance = VI_1\n\s+State = MASTER/, 'and as text')
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
