// vrrpd's notify scripts and notify FIFO in real namespaces (issue #4 "Must
// show"): scripts run in transition order per instance (keepalived runs them
// unordered, issues #996/#1055), `notify` gets `INSTANCE VI_1 MASTER 100`, the
// FIFO gets `INSTANCE "VI_1" MASTER 100`, and a sync group's notify gets
// `GROUP G1 STATE 0` while its instances move together.
import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { addressesOn, fileLines, renderConf, scratchDir, startRuntimeVrrpd, writeScript, type RuntimeVrrpd } from '../helpers/runtime-vrrpd.js'

if (requireRoot(t)) {
  t.test('notify scripts run in order per instance; notify and the FIFO get keepalived arguments', async (t) => {
    const lab = await createLab(t, { hosts: ['a'] })
    const dir = scratchDir(t, 'notify')
    const order = `${dir}/order.log`
    const fifoLog = `${dir}/fifo.log`
    // Long enough that MASTER (Master_Down_Interval, ~3.6 s) comes while it still runs.
    writeScript(`${dir}/backup.sh`, `echo backup-start >> ${order}; sleep 6; echo backup-end >> ${order}`)
    writeScript(`${dir}/master.sh`, `echo master >> ${order}`)
    writeScript(`${dir}/notify.sh`, `echo "notify $*" >> ${order}`)
    writeScript(`${dir}/reader.sh`, `while read -r line; do echo "$line" >> ${fifoLog}; done < "$1"`)
    const vip = lab.address(120)
    const a = startRuntimeVrrpd(t, lab, 'a', {
      config: renderConf({
        global: [`vrrp_notify_fifo ${dir}/notify.fifo`, `vrrp_notify_fifo_script "/bin/sh ${dir}/reader.sh"`],
        instances: [{
          name: 'VI_1', iface: 'eth0', vrid: 71, priority: 100, vips: [`${vip}/24`],
          extra: [`notify_backup "/bin/sh ${dir}/backup.sh"`, `notify_master ${dir}/master.sh`, `notify "/bin/sh ${dir}/notify.sh"`],
        }],
      }),
    })
    t.teardown(() => a.stop('SIGKILL'))

    await a.waitForLog(/\(VI_1\) Entering BACKUP STATE \(init\)/, 8000)
    await a.waitForLog(/\(VI_1\) Entering MASTER STATE/, 8000)
    const atMaster = fileLines(order)
    t.ok(atMaster.includes('backup-start') && !atMaster.includes('backup-end'), `MASTER came while notify_backup still ran (${JSON.stringify(atMaster)})`)
    await waitFor('all notifies done', () => fileLines(order).length >= 5, 12_000)
    t.same(fileLines(order), [
      'backup-start',
      'backup-end',
      'notify INSTANCE VI_1 BACKUP 100',
      'master',
      'notify INSTANCE VI_1 MASTER 100',
    ], 'each script waited for the one before it: backup-end before master')
    await waitFor('FIFO lines', () => fileLines(fifoLog).length >= 2, 3000)
    t.same(fileLines(fifoLog), ['INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_1" MASTER 100'], 'the FIFO reader got keepalived lines')
    t.ok((await addressesOn(lab, 'a')).includes(vip), 'the VIP is up')
    const code = await a.stop('SIGTERM', 8000)
    t.equal(code, 0, 'SIGTERM with a FIFO reader running: exit 0')
    t.ok(fileLines(fifoLog).includes('INSTANCE "VI_1" STOP 100'), 'the FIFO got STOP')
    t.equal(fileLines(order).at(-1), 'notify INSTANCE VI_1 STOP 100', 'notify got STOP')
  })

  t.test('a sync group moves its instances together and runs its GROUP notify', async (t) => {
    const lab = await createLab(t, { hosts: ['a', 'b'] })
    const dir = scratchDir(t, 'group')
    const flag = `${dir}/healthy`
    writeFileSync(flag, '')
    writeScript(`${dir}/gnotify.sh`, `host=$1; shift; echo "$*" >> ${dir}/group-$host.log`)
    const vip1 = lab.address(121)
    const vip2 = lab.address(122)
    const conf = (host: string, priority: number, tracked: boolean): string =>
      renderConf({
        blocks: [
          ...(tracked ? [`vrrp_script chk {\n  script "/usr/bin/test -f ${flag}"\n  interval 1\n}\n`] : []),
          `vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n  notify "/bin/sh ${dir}/gnotify.sh ${host}"\n}\n`,
        ],
        instances: [
          // Only VI_1 tracks the script (weight 0: FAULT on failure); VI_2 follows through the group.
          { name: 'VI_1', iface: 'eth0', vrid: 81, priority, vips: [`${vip1}/24`], extra: tracked ? ['track_script {', '  chk', '}'] : [] },
          { name: 'VI_2', iface: 'eth0', vrid: 82, priority, vips: [`${vip2}/24`] },
        ],
      })
    const a = startRuntimeVrrpd(t, lab, 'a', { config: conf('a', 150, true) })
    const b = startRuntimeVrrpd(t, lab, 'b', { config: conf('b', 100, false) })
    const both: RuntimeVrrpd[] = [a, b]
    t.teardown(() => Promise.all(both.map((d) => d.stop('SIGKILL'))))
    const groupLog = (h: string): string[] => fileLines(`${dir}/group-${h}.log`)

    for (const vi of ['VI_1', 'VI_2']) await a.waitForLog(new RegExp(`\\(${vi}\\) Entering MASTER STATE`), 10_000)
    await waitFor('a: GROUP G1 MASTER', () => groupLog('a').includes('GROUP G1 MASTER 0'), 5000)
    t.pass('a is MASTER of both; its group notify got GROUP G1 MASTER 0')
    t.same(groupLog('a').filter((l) => !l.startsWith('GROUP G1 ')), [], 'only GROUP lines (the instances have no notify)')

    const failed = performance.now()
    rmSync(flag)
    await a.waitForLog(/VRRP_Script\(chk\) failed/, 5000, failed)
    await a.waitForLog(/\(VI_1\) Entering FAULT STATE/, 3000, failed)
    await a.waitForLog(/\(VI_2\) Entering (FAULT|BACKUP) STATE/, 3000, failed)
    t.pass('VI_2 left MASTER with VI_1 although nothing it tracks failed')
    for (const vi of ['VI_1', 'VI_2']) await b.waitForLog(new RegExp(`\\(${vi}\\) Entering MASTER STATE`), 6000, failed)
    await waitFor('both VIPs on b', async () => {
      const on = await addressesOn(lab, 'b')
      return on.includes(vip1) && on.includes(vip2)
    }, 3000)
    const onA = await addressesOn(lab, 'a')
    t.notOk(onA.includes(vip1) || onA.includes(vip2), 'a holds neither VIP')
    await waitFor('a: GROUP G1 FAULT', () => groupLog('a').includes('GROUP G1 FAULT 0'), 5000)
    await waitFor('b: GROUP G1 MASTER', () => groupLog('b').includes('GROUP G1 MASTER 0'), 5000)
    t.pass('group notify: a FAULT, b MASTER')

    const healed = performance.now()
    writeFileSync(flag, '')
    for (const vi of ['VI_1', 'VI_2']) await a.waitForLog(new RegExp(`\\(${vi}\\) Entering MASTER STATE`), 10_000, healed)
    await waitFor('a: GROUP G1 MASTER again', () => groupLog('a').filter((l) => l === 'GROUP G1 MASTER 0').length === 2, 5000)
    t.pass('both instances came back to a together')
    // b hears a's adverts a moment after a's own lines: wait for its side before comparing.
    for (const vi of ['VI_1', 'VI_2']) await b.waitForLog(new RegExp(`\\(${vi}\\) Entering BACKUP STATE`), 5000, healed)
    t.same(b.linesSince(healed).filter((l) => /Entering (MASTER|BACKUP|FAULT) STATE/.test(l.text)).map((l) => l.text.replace(/^.*?\(/, '(')).sort(), [
      '(VI_1) Entering BACKUP STATE',
      '(VI_2) Entering BACKUP STATE',
    ], 'b released both')
  })
}
