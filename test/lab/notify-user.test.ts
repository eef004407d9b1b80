// Issue 8 item 4: `notify_master /path/script USER` unquoted names the user to run
// the script as (keepalived's notify_script_init: word 1 is the command, words 2
// and 3 user and group; vrrp_notify_fifo_script too), and vrrp_script `script`
// runs word 1 only. keepalived
// 2.2.7 and vrrpd run the same config in turn, alone in a lab host; the scripts
// record the uid:gid they run as and the arguments they see. Both must match.
import t from 'tap'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { startKeepalived } from '../helpers/keepalived.js'
import { startVrrpd } from '../helpers/vrrpd.js'
import type { Daemon } from '../../src/lab/daemon.js'

t.test('notify USER [GROUP] and script word 1: the same argv and uid as keepalived', async (t) => {
  if (!requireRoot(t)) return
  const lab = await createLab(t, { hosts: ['a'] })
  const dir = mkdtempSync(join(tmpdir(), 'vrt-notify-user-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o755)
  const out = join(dir, 'out.txt')
  const script = join(dir, 'record.sh')
  const track = join(dir, 'track.sh')
  // The daemon user (uid 1) must be able to run the scripts and append to the file.
  for (const f of [script, track]) {
    writeFileSync(f, `#!/bin/sh\necho "$(basename "$0") $(id -u):$(id -g) $*" >> ${out}\n`)
    chmodSync(f, 0o755)
  }
  const vip = lab.address(150)
  // The FIFO's reader runs with the FIFO's path as its last argument, as the user its line names.
  const fifo = join(dir, 'notify.fifo')
  const config = `global_defs {
    vrrp_notify_fifo ${fifo}
    vrrp_notify_fifo_script "${script} fifo" daemon
}
vrrp_script chk {
    script ${track} ignored words
    interval 1
    user daemon
}
vrrp_instance VI_1 {
    state MASTER
    interface ${lab.iface('a')}
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        ${vip}/24
    }
    track_script {
        chk
    }
    notify_master ${script} daemon
    notify_backup "${script} backup arg" root
    notify "${script} generic" root root
}
`
  const run = async (start: () => Daemon): Promise<string[]> => {
    rmSync(fifo, { force: true })
    writeFileSync(out, '')
    chmodSync(out, 0o666)
    const d = start()
    await d.waitForLog(/Entering MASTER STATE/, 30_000)
    await waitFor('the MASTER notify scripts', () => {
      const lines = readFileSync(out, 'utf8')
      return lines.includes('generic INSTANCE VI_1 MASTER') && lines.includes('record.sh 1:1 \n') && lines.includes(`record.sh 1:1 fifo ${fifo}`)
    }, 15_000)
    await d.stop('SIGTERM', 15_000)
    await waitFor('the STOP notify', () => readFileSync(out, 'utf8').includes('STOP'), 15_000)
    // The track script runs every second: one of its lines is enough. keepalived forks notify
    // scripts without waiting (their order is racy there), so the lines are compared as a set.
    return [...new Set(readFileSync(out, 'utf8').trim().split('\n'))].sort()
  }
  const keepalived = await run(() => startKeepalived(lab, 'a', { config }))
  const vrrpd = await run(() => startVrrpd(lab, 'a', { config }))
  t.same(keepalived.filter((l) => l.startsWith('track.sh')), ['track.sh 1:1 '], 'keepalived: the check script runs word 1 only, as its user')
  t.ok(keepalived.includes('record.sh 1:1 '), 'keepalived: notify_master runs as daemon, without "daemon" in its argv')
  t.ok(keepalived.includes('record.sh 0:0 generic INSTANCE VI_1 MASTER 100'), 'keepalived: notify with user and group root')
  t.ok(keepalived.includes(`record.sh 1:1 fifo ${fifo}`), 'keepalived: the FIFO script runs as the user of its line, with the FIFO path')
  t.same(vrrpd, keepalived, 'vrrpd runs the same scripts with the same arguments as the same users')
})
