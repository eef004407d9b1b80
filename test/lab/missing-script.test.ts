// Issue 8 item 3: a track script whose program does not exist. keepalived 2.2.7
// disables it ("Disabling track script chk since not found/accessible") and runs
// the instance as if it were not tracked: it goes MASTER. It drops a notify
// script that does not exist too. vrrpd beside it in the same lab, with and
// without enable_script_security, and both `-t` verdicts on the same file.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { ensureBuilt } from '../helpers/vrrpd.js'
import { addressesOn, fileLines, renderConf, scratchDir, startRuntimeVrrpd, writeScript } from '../helpers/runtime-vrrpd.js'

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['v', 'k', 'vs', 'ks'] })
  const dir = scratchDir(t, 'missing')
  const conf = (who: string, vrid: number, vip: number, security: boolean) => {
    const notify = writeScript(`${dir}/notify-${who}.sh`, `echo "$*" >> ${dir}/notify-${who}.log`)
    return renderConf({
      global: security ? ['enable_script_security', 'script_user root'] : [],
      blocks: [`vrrp_script chk {\n  script "${dir}/no-such-check.sh"\n  interval 1\n  weight 0\n}\n`],
      instances: [{
        name: 'VI_1', iface: 'eth0', vrid, priority: 100, vips: [`${lab.address(vip)}/24`],
        extra: ['track_script {', '  chk', '}', `notify_master "${dir}/no-such-notify.sh"`, `notify "${notify}"`],
      }],
    })
  }

  for (const security of [false, true]) {
    t.test(`the instance runs untracked and goes MASTER, as in keepalived${security ? ' (enable_script_security)' : ''}`, async (t) => {
      const [vh, kh] = security ? ['vs', 'ks'] : ['v', 'k']
      const vConf = conf(vh, security ? 83 : 81, security ? 183 : 181, security)
      const kConf = conf(kh, security ? 84 : 82, security ? 184 : 182, security)
      const v = startRuntimeVrrpd(t, lab, vh, { config: vConf })
      t.teardown(() => v.stop())
      const k = startKeepalived(lab, kh, { config: kConf })
      t.teardown(() => k.stop())
      for (const d of [v, k]) {
        const line = await d.waitForLog(/Disabling track script chk since not found\/accessible/, 10_000)
        t.pass(`${d.kind}: ${line.text.replace(/^.*?(Disabling)/, '$1')}`)
        await d.waitForLog(/\(VI_1\) Entering MASTER STATE/, 10_000)
        t.pass(`${d.kind}: VI_1 MASTER`)
        t.notOk(d.proc.find(/Entering FAULT STATE/, {}), `${d.kind}: never FAULT`)
      }
      await waitFor('both notify scripts ran for MASTER', () => [vh, kh].every((h) => fileLines(`${dir}/notify-${h}.log`).includes('INSTANCE VI_1 MASTER 100')), 5000)
      t.ok((await addressesOn(lab, vh)).includes(lab.address(security ? 183 : 181)), 'vrrpd holds its VIP')
      t.ok((await addressesOn(lab, kh)).includes(lab.address(security ? 184 : 182)), 'keepalived holds its VIP')
      t.notOk(v.proc.find(/could not find script|could not run/, {}), 'vrrpd: no attempt to run the missing scripts')

      // -t on the same file, in the namespace where the interface exists.
      const verdict = (cmd: string, args: string[]) => spawnSync('ip', ['netns', 'exec', lab.netns(vh), cmd, ...args], { encoding: 'utf8' })
      const kt = verdict('/usr/sbin/keepalived', ['-t', '-l', '-f', v.configPath, '-p', join(dir, `t-${vh}.pid`), '-r', join(dir, `t-${vh}-vrrp.pid`), '-c', join(dir, `t-${vh}-chk.pid`)])
      const vt = verdict(process.execPath, [ensureBuilt(), '-t', '-f', v.configPath])
      // With enable_script_security the missing script is a config error (5); without it,
      // the notify script that exists is keepalived's SECURITY VIOLATION (6), which wins.
      t.equal(kt.status, security ? 5 : 6, `keepalived -t exits ${security ? 5 : 6}: ${kt.stdout}${kt.stderr}`.trim())
      t.equal(vt.status, kt.status, `vrrpd -t exits as keepalived: ${vt.stdout}${vt.stderr}`.trim())
      t.match(`${kt.stdout}${kt.stderr}`, /Disabling track script chk since not found\/accessible/)
      t.match(`${vt.stdout}${vt.stderr}`, /Disabling track script chk since not found\/accessible/)
    })
  }
}
