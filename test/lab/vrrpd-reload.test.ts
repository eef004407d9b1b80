// vrrpd's SIGHUP reload in real namespaces (issue #4 "Must show"): an unchanged
// instance keeps its VIP without a gap and runs no notify; an added instance
// starts; a removed MASTER hands over with priority 0; a broken config is
// refused and the running one stays (keepalived vrrp_reload semantics,
// /work/shared/reference/keepalived-behaviour.md "Runtime").
import t from 'tap'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import {
  addressesOn,
  fileLines,
  renderConf,
  scratchDir,
  startAddressMonitor,
  startAddressSampler,
  startRuntimeVrrpd,
  writeScript,
  type InstanceSpec,
} from '../helpers/runtime-vrrpd.js'

const STATE_LINE = /\((VI_\d)\) Entering (MASTER|BACKUP|FAULT) STATE/

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['a', 'b', 'client'] })
  const dir = scratchDir(t, 'reload')
  const notifyLog = `${dir}/notify.log`
  writeScript(`${dir}/notify.sh`, `echo "$*" >> ${notifyLog}`)
  const vip1 = lab.address(101)
  const vip2 = lab.address(102)
  const vi1 = (priority: number): InstanceSpec => ({
    name: 'VI_1', iface: 'eth0', vrid: 51, priority, vips: [`${vip1}/24`],
    // splitCommandLine: the outer quotes go, the rest splits into /bin/sh + script.
    extra: [`notify "/bin/sh ${dir}/notify.sh"`],
  })
  const vi2: InstanceSpec = { name: 'VI_2', iface: 'eth0', vrid: 52, priority: 150, vips: [`${vip2}/24`] }
  const confA1 = renderConf({ instances: [vi1(150)] })
  const a = startRuntimeVrrpd(t, lab, 'a', { config: confA1 })
  t.teardown(() => a.stop())
  await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
  // b once a is master, so no start-up race can give b a MASTER line of its own.
  const b = startRuntimeVrrpd(t, lab, 'b', { config: renderConf({ instances: [vi1(100)] }) })
  t.teardown(() => b.stop())
  await b.waitForLog(/\(VI_1\) Entering BACKUP STATE/, 10_000)
  await waitFor('a has VIP1', async () => (await addressesOn(lab, 'a')).includes(vip1), 3000)
  await waitFor('notify for MASTER', () => fileLines(notifyLog).includes('INSTANCE VI_1 MASTER 150'), 5000)
  await waitFor("b's notify for BACKUP (init)", () => fileLines(notifyLog).includes('INSTANCE VI_1 BACKUP 100'), 5000)

  t.test('SIGHUP with an unchanged instance: the VIP never leaves, no notify, no transition', async (t) => {
    const notifiesBefore = fileLines(notifyLog)
    const sampler = startAddressSampler(lab, 'a')
    const monitor = startAddressMonitor(lab, 'a')
    await waitFor('first samples', () => sampler.samples.length >= 5, 5000)
    const sent = performance.now()
    a.writeConfig(confA1)
    a.signal('SIGHUP')
    const finished = await a.waitForLog(/Reload finished/, 5000, sent)
    // Keep sampling through the next adverts: VIP work after the reload would show here.
    await waitFor('samples 1.5 s after the reload', () => sampler.samples.some((s) => s.at > finished.at + 1500), 5000)
    await sampler.stop()
    await monitor.stop('SIGTERM', 2000)

    const before = sampler.samples.filter((s) => s.at < sent)
    const during = sampler.samples.filter((s) => s.at >= sent && s.at <= finished.at)
    const after = sampler.samples.filter((s) => s.at > finished.at)
    t.comment(`${sampler.samples.length} samples: ${before.length} before SIGHUP, ${during.length} during the reload, ${after.length} after`)
    t.ok(before.length > 0 && after.length > 0, 'sampled before the SIGHUP and after "Reload finished"')
    const missing = sampler.samples.filter((s) => !s.addrs.includes(vip1))
    t.same(missing.map((s) => Math.round(s.at - sent)), [], `every sample had ${vip1} (ms after SIGHUP of those without it)`)
    const deleted = monitor.lines.filter((l) => l.text.startsWith('Deleted') && l.text.includes(vip1))
    t.same(deleted.map((l) => l.text), [], 'ip monitor saw no deletion of the VIP')

    t.ok(a.find(/Reloading configuration \(SIGHUP\)/, sent), 'the reload was logged')
    t.same(a.linesSince(sent).filter((l) => STATE_LINE.test(l.text)).map((l) => l.text), [], 'a logged no state transition')
    t.same(b.linesSince(sent).filter((l) => STATE_LINE.test(l.text)).map((l) => l.text), [], 'b logged no state transition')
    t.same(fileLines(notifyLog), notifiesBefore, 'no notify script ran on reload')
    t.equal(a.state('VI_1'), 'MASTER')
  })

  t.test('an instance added by reload starts and becomes MASTER with its VIP', async (t) => {
    const notifiesBefore = fileLines(notifyLog)
    const sent = performance.now()
    a.writeConfig(renderConf({ instances: [vi1(150), vi2] }))
    a.signal('SIGHUP')
    await a.waitForLog(/Reload finished/, 5000, sent)
    // RFC 3768 6.4.1: a new BACKUP waits Master_Down_Interval, then takes over (nobody else has VRID 52).
    await a.waitForLog(/\(VI_2\) Entering BACKUP STATE \(init\)/, 3000, sent)
    await a.waitForLog(/\(VI_2\) Entering MASTER STATE/, 8000, sent)
    await waitFor('VIP2 on a', async () => (await addressesOn(lab, 'a')).includes(vip2), 3000)
    t.pass(`VI_2 is MASTER and ${vip2} is on a`)
    t.ok((await addressesOn(lab, 'a')).includes(vip1), 'VIP1 still on a')
    t.same(a.linesSince(sent).filter((l) => /\(VI_1\)/.test(l.text) && STATE_LINE.test(l.text)).map((l) => l.text), [], 'VI_1 logged no transition')
    t.same(fileLines(notifyLog), notifiesBefore, "VI_1's notify did not run")
    const status = await a.status()
    t.same(status.instances.map((i) => [i.name, i.state]).sort(), [['VI_1', 'MASTER'], ['VI_2', 'MASTER']], 'status: both MASTER')
  })

  t.test('an instance removed by reload on the master sends priority 0 and drops its VIP', async (t) => {
    const sent = performance.now()
    a.writeConfig(renderConf({ instances: [vi2] }))
    a.signal('SIGHUP')
    await a.waitForLog(/\(VI_1\) removed by reload/, 5000, sent)
    // RFC 3768 6.4.2: a Backup receiving priority 0 waits Skew_Time only, not Master_Down_Interval.
    const zero = await b.waitForLog(/\(VI_1\) Backup received priority 0 advertisement/, 3000, sent)
    const master = await b.waitForLog(/\(VI_1\) Entering MASTER STATE/, 3000, sent)
    t.ok(zero.at <= master.at, 'b took over after the priority-0 advert')
    const masterDownMs = 3 * 1000 + ((256 - 100) * 1000) / 256
    t.ok(master.at - sent < masterDownMs - 1000, `b MASTER ${Math.round(master.at - sent)} ms after SIGHUP, well under Master_Down_Interval (${Math.round(masterDownMs)} ms)`)
    await waitFor('VIP1 gone from a', async () => !(await addressesOn(lab, 'a')).includes(vip1), 3000)
    t.pass(`${vip1} removed from a`)
    await waitFor('VIP1 on b', async () => (await addressesOn(lab, 'b')).includes(vip1), 3000)
    t.pass(`${vip1} on b`)
    t.ok((await addressesOn(lab, 'a')).includes(vip2), 'VIP2 (VI_2, unchanged) stays on a')
    t.same(a.linesSince(sent).filter((l) => /\(VI_2\)/.test(l.text) && STATE_LINE.test(l.text)).map((l) => l.text), [], 'VI_2 logged no transition')
    const status = await a.status()
    t.same(status.instances.map((i) => i.name), ['VI_2'], 'status: only VI_2 left')
  })

  t.test('a reload with a broken config logs the errors and keeps the running config', async (t) => {
    const sent = performance.now()
    a.writeConfig(renderConf({ instances: [{ ...vi2, vrid: 300 }] }))
    a.signal('SIGHUP')
    const refused = await a.waitForLog(/new configuration cannot be used; keeping the running one/, 5000, sent)
    t.ok(a.find(/invalid virtual_router_id '300'/, sent), 'the config error is logged')
    t.ok(a.find(/keepalived\.conf:\d+: error:/, sent), 'errors carry file:line')
    t.notOk(a.find(/Reload finished/, sent), 'no "Reload finished"')
    // Give the daemon an advert interval to do anything it wrongly might.
    await waitFor('1 s after the refusal', () => performance.now() > refused.at + 1000, 3000)
    t.ok((await addressesOn(lab, 'a')).includes(vip2), 'VIP2 kept')
    t.same(a.linesSince(sent).filter((l) => STATE_LINE.test(l.text)).map((l) => l.text), [], 'no transition')
    const status = await a.status()
    t.same(status.instances.map((i) => [i.name, i.virtualRouterId, i.state]), [['VI_2', 52, 'MASTER']], 'the running config stays')
    t.ok(a.proc.running, 'the daemon still runs')
  })
}
