// `vrrpd status --format prometheus`: the live view as Prometheus metrics.
import t from 'tap'
import { renderKeepalivedExporter, renderLoopDelay, renderPrometheus } from '../../src/daemon/metrics.js'
import type { StatusView } from '../../src/daemon/status-files.js'
import { parseSubCommand } from '../../src/cli.js'

const view: StatusView = {
  daemon: { name: 'vrrpd', pid: 42, startedAt: '2026-11-25T00:00:00.000Z', config: '/etc/keepalived/keepalived.conf' },
  instances: [
    {
      name: 'VI_1',
      interface: 'eth0',
      family: 4,
      virtualRouterId: 51,
      version: 2,
      state: 'MASTER',
      effectivePriority: 80,
      basePriority: 100,
      masterAddress: '10.0.0.1',
      masterPriority: 80,
      masterAdverIntervalMs: 1000,
      faultReason: null,
      syncGroup: null,
      vips: ['10.0.0.100/24 dev eth0', '10.0.1.100/24 dev eth1'],
      excludedVips: [],
      tracks: [{ kind: 'script', name: 'chk_nginx', weight: -20, reverse: false, ok: false, value: 0, delta: -20, fault: false }],
      stats: { advertRcvd: 3, advertSent: 7, becomeMaster: 1, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, configMismatch: 2, dropped: { ttl: 4, authData: 1 } },
      configMismatches: [],
    },
  ],
  syncGroups: [],
  unattributedDrops: { vrid: 5 },
}

t.test('state, priorities, counters and drops by reason', async (t) => {
  const text = renderPrometheus(view)
  const id = 'instance="VI_1",interface="eth0",vrid="51"'
  t.match(text, `vrrpd_instance_state{${id},state="MASTER"} 1\n`)
  t.match(text, `vrrpd_instance_state{${id},state="BACKUP"} 0\n`)
  t.match(text, `vrrpd_instance_priority{${id},kind="base"} 100\n`)
  t.match(text, `vrrpd_instance_priority{${id},kind="effective"} 80\n`)
  t.match(text, `vrrpd_adverts_sent_total{${id}} 7\n`)
  t.match(text, `vrrpd_config_mismatch_total{${id}} 2\n`)
  t.match(text, `vrrpd_dropped_total{${id},reason="ttl"} 4\n`)
  t.match(text, `vrrpd_dropped_total{instance="",interface="",vrid="",reason="vrid"} 5\n`)
  t.match(text, '# TYPE vrrpd_dropped_total counter\n')
  // Every sample line is `name{labels} number`.
  for (const line of text.trim().split('\n').filter((l) => !l.startsWith('#'))) t.match(line, /^[a-z_]+\{[^}]*\} \d+$/)
})

t.test('label values are escaped', async (t) => {
  const odd = { ...view, instances: [{ ...view.instances[0]!, name: 'a"b\\c' }] }
  t.match(renderPrometheus(odd), 'instance="a\\"b\\\\c"')
})

t.test('vrrpd status --format', async (t) => {
  t.match(parseSubCommand(['status']), { command: 'status', format: 'json' })
  t.match(parseSubCommand(['status', '--format', 'prometheus', '--pid', '/run/x.pid']), { command: 'status', format: 'prometheus', pid: '/run/x.pid' })
  t.match(parseSubCommand(['status', '--format=xml']), { exit: 1 })
  t.equal(parseSubCommand(['-t']), undefined, 'daemon options are not a subcommand')
})

t.test('track status per object', async (t) => {
  t.match(renderPrometheus(view), 'vrrpd_track_ok{instance="VI_1",interface="eth0",vrid="51",kind="script",name="chk_nginx"} 0\n')
})

t.test("keepalived-exporter's names and labels", async (t) => {
  const text = renderKeepalivedExporter(view)
  t.match(text, 'keepalived_up 1\n')
  // One state gauge per VIP, keepalived's state number (MASTER = 2), the VIP's own device.
  t.match(text, 'keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.100"} 2\n')
  t.match(text, 'keepalived_vrrp_state{iname="VI_1",intf="eth1",vrid="51",ip_address="10.0.1.100"} 2\n')
  const common = 'iname="VI_1",intf="eth0",vrid="51",state="MASTER"'
  t.match(text, `keepalived_advertisements_sent_total{${common}} 7\n`)
  t.match(text, `keepalived_advertisements_received_total{${common}} 3\n`)
  t.match(text, `keepalived_ip_ttl_errors_total{${common}} 4\n`)
  t.match(text, `keepalived_authentication_failure_total{${common}} 1\n`)
  t.match(text, `keepalived_become_master_total{${common}} 1\n`)
  t.match(text, 'keepalived_script_status{name="chk_nginx"} 0\n', 'BAD is 0, as the exporter maps it')
  t.notMatch(text, 'keepalived_gratuitous_arp_delay_total', 'no GARP delay without the config')
  const withConfig = renderKeepalivedExporter(view, { garpDelaySeconds: (name) => (name === 'VI_1' ? 3 : undefined) })
  t.match(withConfig, `# TYPE keepalived_gratuitous_arp_delay_total counter\nkeepalived_gratuitous_arp_delay_total{${common}} 3\n`, "the configured garp_master_delay, as the exporter reports it")
  const backup = renderKeepalivedExporter({ ...view, instances: [{ ...view.instances[0]!, state: 'BACKUP' }] })
  t.match(backup, 'ip_address="10.0.0.100"} 1\n', 'BACKUP is 1')
})

t.test('event-loop delay in seconds, as quantiles', async (t) => {
  const text = renderLoopDelay({ p50: 10.5, p99: 21, max: 40 })
  t.match(text, 'vrrpd_event_loop_delay_seconds{quantile="0.5"} 0.0105\n')
  t.match(text, 'vrrpd_event_loop_delay_seconds{quantile="0.99"} 0.021\n')
  t.match(text, 'vrrpd_event_loop_delay_seconds{quantile="1"} 0.04\n')
})

t.test('`vrrpd status --format prometheus` carries the event-loop delay when the daemon measures it', async (t) => {
  t.notMatch(renderPrometheus(view), 'vrrpd_event_loop_delay_seconds', 'an older daemon without it: no empty family')
  const text = renderPrometheus({ ...view, daemon: { ...view.daemon, eventLoopDelay: { p50: 0.5, p99: 3, max: 120, samples: 10 } } })
  t.match(text, '# TYPE vrrpd_event_loop_delay_seconds gauge\n')
  t.match(text, 'vrrpd_event_loop_delay_seconds{quantile="0.99"} 0.003\n')
  t.match(text, 'vrrpd_event_loop_delay_seconds{quantile="1"} 0.12\n')
})
