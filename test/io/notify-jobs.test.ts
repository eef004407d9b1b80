import t from 'tap'
import { splitCommandLine } from '../../src/config/tokenize.js'
import { DEFAULT_NOTIFY_TIMEOUT_MS, notifyJobsFor } from '../../src/io/notify-jobs.js'

const scripts = {
  master: '/etc/keepalived/master.sh "with space" x',
  backup: '/etc/keepalived/backup.sh',
  any: '/etc/keepalived/notify.sh --flag',
  masterRxLowerPri: '/etc/keepalived/lower.sh y',
}

t.test('notify_<state> first with its own arguments, then notify with 4 more', async (t) => {
  const jobs = notifyJobsFor(scripts, { kind: 'INSTANCE', name: 'VI_1' }, 'MASTER', 150, splitCommandLine)
  t.same(jobs, [
    { key: 'INSTANCE VI_1', argv: ['/etc/keepalived/master.sh', 'with space', 'x'], timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS },
    { key: 'INSTANCE VI_1', argv: ['/etc/keepalived/notify.sh', '--flag', 'INSTANCE', 'VI_1', 'MASTER', '150'], timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS },
  ])
})

t.test('a state without its own script runs only notify; a group reports priority 0', async (t) => {
  const jobs = notifyJobsFor(scripts, { kind: 'GROUP', name: 'G1' }, 'FAULT', 100, splitCommandLine, 500)
  t.same(jobs, [{ key: 'GROUP G1', argv: ['/etc/keepalived/notify.sh', '--flag', 'GROUP', 'G1', 'FAULT', '0'], timeoutMs: 500 }])
})

t.test('STOP and nothing configured', async (t) => {
  t.same(notifyJobsFor({ stop: '/s.sh' }, { kind: 'INSTANCE', name: 'VI_2' }, 'STOP', 90, splitCommandLine, 1000), [
    { key: 'INSTANCE VI_2', argv: ['/s.sh'], timeoutMs: 1000 },
  ])
  t.same(notifyJobsFor({}, { kind: 'INSTANCE', name: 'VI_2' }, 'BACKUP', 90, splitCommandLine), [])
  t.same(notifyJobsFor({ backup: '   ' }, { kind: 'INSTANCE', name: 'VI_2' }, 'BACKUP', 90, splitCommandLine), [])
})
