// The opt-in HTTP metrics endpoint, scraped for real and read with a Prometheus
// text-format parser (not a regex).
import t from 'tap'
import { createRequire } from 'node:module'
import { startMetricsServer } from '../../src/daemon/metrics-server.js'
import { parseCli, parseListenAddress } from '../../src/cli.js'
import type { StatusView } from '../../src/daemon/status-files.js'

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Array<{ name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> }>

function view(advertSent: number): StatusView {
  return {
    daemon: { name: 'vrrpd', pid: 1, startedAt: '2026-11-30T00:00:00.000Z', config: '/etc/keepalived/keepalived.conf', eventLoopDelay: { p50: 0.4, p99: 2, max: 12, samples: 30 } },
    instances: [{
      name: 'VI_1', interface: 'eth0', family: 4, virtualRouterId: 51, version: 2, state: 'MASTER', effectivePriority: 100, basePriority: 100,
      masterAddress: '10.0.0.1', masterPriority: 100, masterAdverIntervalMs: 1000, faultReason: null, syncGroup: null,
      vips: ['10.0.0.100/24 dev eth0'], excludedVips: [], tracks: [],
      stats: { advertRcvd: 0, advertSent, becomeMaster: 1, releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0, dropped: {} },
      configMismatches: [],
    }],
    syncGroups: [],
    unattributedDrops: {},
  }
}

t.test('listen address: port, address:port, [v6]:port, :port', async (t) => {
  t.same(parseListenAddress('9165'), { host: '127.0.0.1', port: 9165 }, 'loopback unless told otherwise')
  t.same(parseListenAddress('10.0.0.1:2112'), { host: '10.0.0.1', port: 2112 })
  t.same(parseListenAddress('[::1]:2112'), { host: '::1', port: 2112 })
  t.same(parseListenAddress(':2112'), { host: '::', port: 2112 })
  for (const bad of ['', 'abc', '1.2.3.4:', '70000', '1.2.3.4:0', '::1:9165']) t.match(parseListenAddress(bad), { error: /expected \[ADDRESS:\]PORT/ }, bad)
  t.match(await parseCli(['--metrics-listen', '127.0.0.1:9165']), { metricsListen: { host: '127.0.0.1', port: 9165 } })
  t.match(await parseCli(['--metrics-listen', 'nope']), { exit: 1, message: /--metrics-listen/ })
})

t.test('GET /metrics: valid text format with vrrpd and keepalived-exporter names; counters move', async (t) => {
  let sent = 7
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, () => view(sent), { garpDelaySeconds: () => 5 })
  t.teardown(async () => {
    await server.close()
  })
  const url = `http://127.0.0.1:${server.address.port}/metrics`
  const scrape = async () => {
    const res = await fetch(url)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    const families = parsePrometheus(await res.text())
    for (const f of families) for (const m of f.metrics) t.ok(Number.isFinite(Number(m.value)), `${f.name} has a numeric value`)
    return new Map(families.map((f) => [f.name, f]))
  }
  const first = await scrape()
  for (const name of ['vrrpd_instance_state', 'vrrpd_adverts_sent_total', 'vrrpd_event_loop_delay_seconds', 'keepalived_vrrp_state', 'keepalived_advertisements_sent_total', 'keepalived_up']) {
    t.ok(first.has(name), `${name} is served`)
  }
  t.equal(first.get('keepalived_advertisements_sent_total')?.type, 'COUNTER')
  t.equal(first.get('keepalived_advertisements_sent_total')?.metrics[0]?.value, '7')
  t.same(first.get('keepalived_vrrp_state')?.metrics[0]?.labels, { iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '10.0.0.100' })
  t.same(first.get('keepalived_gratuitous_arp_delay_total')?.metrics[0], { value: '5', labels: { iname: 'VI_1', intf: 'eth0', vrid: '51', state: 'MASTER' } })
  sent = 9
  const second = await scrape()
  t.equal(second.get('vrrpd_adverts_sent_total')?.metrics[0]?.value, '9', 'each scrape reads the live view')
  t.equal((await fetch(url.replace('/metrics', '/other'))).status, 404)
  t.equal((await fetch(url, { method: 'POST' })).status, 405)
})

t.test('a port already taken rejects, for the daemon to report', async (t) => {
  const a = await startMetricsServer({ host: '127.0.0.1', port: 0 }, () => view(0))
  await t.rejects(startMetricsServer({ host: '127.0.0.1', port: a.address.port }, () => view(0)), /EADDRINUSE/)
  await a.close()
})
