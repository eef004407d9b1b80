// keepalived.data, keepalived_parent.data, keepalived.stats and keepalived.json
// from keepalived 2.2.7 and from vrrpd, for the same config in the same state
// (MASTER alone, then BACKUP under a higher-priority master), on the same host
// one after the other (issue #14 "Must show"). They must match in sections,
// labels, nesting, key names and value types; values too, except those named
// in VALUES_DIFFER (times, fds, counters that move). Both daemons' files also
// go through keepalived-exporter's parsing rules. Each daemon writes its dumps
// in its own $TMPDIR (keepalived honours TMPDIR: lib/utils.c), so nothing here
// reads or writes the shared /tmp/keepalived.* files.
import t, { type Test } from 'tap'
import { createLab, requireRoot, waitFor } from '../helpers/netns.js'
import { renderConf, startRuntimeVrrpd, type RuntimeVrrpd } from '../helpers/runtime-vrrpd.js'
import { blocks, jsonShape, parseDataDump, shape, signalForFiles, startIsolatedKeepalived, type DumpLine } from '../helpers/keepalived-dumps.js'
import { parseJson, parseStats, parseVrrpData, parseVrrpScripts } from '../helpers/keepalived-exporter-rules.js'

/** Labels whose values legitimately differ between two runs (and two programs): times and descriptors. */
const VALUES_DIFFER = new Set(['Last transition', 'Read timeout', 'fd_in'])
/** keepalived.data lines about keepalived's build, which vrrpd has no equivalent of. */
const BUILD_ONLY = /^libnftnl version /
/** keepalived.json keys whose values move with time. */
const JSON_VALUES_DIFFER = new Set(['last_transition', 'advert_sent', 'advert_rcvd'])
/** keepalived.stats labels whose values move with time. */
const STATS_VALUES_DIFFER = new Set(['Received', 'Sent'])

interface Dumps {
  data: string
  parent: string
  stats: string
  /** keepalived.stats written on STATS_CLEAR (SIGRTMAX-1), before the counters are cleared. */
  cleared: string
  json: string
  /** The daemon's log. */
  log: string
}

/** keepalived's lines for the dump signals (vrrp_daemon.c, main.c). */
const DUMP_LINES = [
  /Printing parent data for process\(\d+\) on signal/,
  /Printing VRRP data for process\(\d+\) on signal/,
  /Printing VRRP stats for process\(\d+\) on signal/,
  /Printing and clearing VRRP stats for process\(\d+\) on signal/,
  /Printing VRRP as json for process\(\d+\) on signal/,
]

if (requireRoot(t)) {
  const lab = await createLab(t, { hosts: ['a', 'b'] })
  const vip = lab.address(120)
  const conf = (priority: number): string =>
    renderConf({
      global: ['router_id dumps-lab'],
      blocks: ['vrrp_script chk {\n  script "/bin/true"\n  interval 1\n}\n'],
      instances: [{ name: 'VI_1', iface: 'eth0', vrid: 81, priority, vips: [`${vip}/24`], extra: ['track_script {\n    chk\n  }'] }],
    })
  const running: { stop(sig?: NodeJS.Signals, ms?: number): Promise<unknown> }[] = []
  t.teardown(async () => {
    await Promise.all(running.map((d) => d.stop('SIGKILL')))
  })

  async function keepalivedDumps(state: 'MASTER' | 'BACKUP'): Promise<Dumps> {
    const k = startIsolatedKeepalived(t, lab, 'a', conf(150))
    running.push(k)
    await k.waitForLog(new RegExp(`\\(VI_1\\) Entering ${state} STATE`), 15_000)
    if (state === 'BACKUP') await new Promise((r) => setTimeout(r, 2500)) // a few adverts from the master
    await waitFor('keepalived pid file', async () => k.pid() > 0 || undefined, 5000).catch(() => undefined)
    const [data, parent] = await k.dump(10, ['keepalived.data', 'keepalived_parent.data'])
    const [stats] = await k.dump(12, ['keepalived.stats'])
    const [json] = await k.dump(36, ['keepalived.json'])
    const [cleared] = await k.dump(63, ['keepalived.stats'])
    await k.stop('SIGTERM', 10_000)
    return { data: data!, parent: parent!, stats: stats!, cleared: cleared!, json: json!, log: k.proc.text() }
  }

  async function vrrpdDumps(state: 'MASTER' | 'BACKUP'): Promise<Dumps> {
    const v = startRuntimeVrrpd(t, lab, 'a', { config: conf(150) })
    running.push(v)
    await v.waitForLog(new RegExp(`\\(VI_1\\) Entering ${state} STATE`), 15_000)
    if (state === 'BACKUP') await new Promise((r) => setTimeout(r, 2500))
    const { data, parent } = await v.dataFiles()
    const stats = await v.statsFile()
    const json = await v.jsonFile()
    const [cleared] = await signalForFiles(v.dir, () => v.signal(63), ['keepalived.stats'], 5000, 'vrrpd@a')
    await v.stop('SIGTERM', 10_000)
    return { data, parent, stats, cleared: cleared!, json, log: v.proc.text() }
  }

  function compareData(t: Test, file: string, k: string, v: string): void {
    const kl = parseDataDump(k).filter((l) => !BUILD_ONLY.test(l.label))
    const vl = parseDataDump(v)
    const sections = (ls: DumpLine[]) => [...new Set(ls.map((l) => l.section))]
    t.same(sections(vl), sections(kl), `${file}: the same sections in the same order`)
    for (const section of sections(kl)) {
      if (section === 'Interfaces') {
        // keepalived lists every interface of the namespace; vrrpd those it uses. Compare eth0's entry.
        t.same(shape(blocks(vl, section).get('Name = eth0') ?? []), shape(blocks(kl, section).get('Name = eth0') ?? []), `${file}: Interfaces, eth0`)
        continue
      }
      t.same(shape(vl.filter((l) => l.section === section), VALUES_DIFFER), shape(kl.filter((l) => l.section === section), VALUES_DIFFER), `${file}: ${section}`)
    }
  }

  function compare(t: Test, state: string, k: Dumps, v: Dumps): void {
    compareData(t, 'keepalived.data', k.data, v.data)
    compareData(t, 'keepalived_parent.data', k.parent, v.parent)
    const statsLines = (s: string) => s.split('\n').map((l) => (STATS_VALUES_DIFFER.has(l.trim().split(':')[0]!) ? l.replace(/\d+$/, 'N') : l))
    t.same(statsLines(v.stats), statsLines(k.stats), 'keepalived.stats: the same lines (moving counters as N)')
    t.same(statsLines(v.cleared), statsLines(k.cleared), 'keepalived.stats on STATS_CLEAR: the same lines')
    const kj = JSON.parse(k.json) as Array<{ data: Record<string, unknown>; stats: Record<string, unknown> }>
    const vj = JSON.parse(v.json) as typeof kj
    t.equal(vj.length, kj.length, 'keepalived.json: one entry per instance')
    for (const part of ['data', 'stats'] as const) {
      t.same(Object.keys(vj[0]![part]), Object.keys(kj[0]![part]), `keepalived.json ${part}: the same keys in the same order`)
      t.same(jsonShape(vj[0]![part]), jsonShape(kj[0]![part]), `keepalived.json ${part}: the same value types`)
      const values = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([key]) => !JSON_VALUES_DIFFER.has(key)))
      t.same(values(vj[0]![part]), values(kj[0]![part]), `keepalived.json ${part}: the same values (${[...JSON_VALUES_DIFFER].join(', ')} aside)`)
    }
    t.match(v.json, /\\\//, "keepalived's escaped slashes")
    for (const re of DUMP_LINES) t.ok(re.test(k.log) && re.test(v.log), `both log ${re.source}`)
    // keepalived-exporter, text mode and JSON mode: both files parse, and to the same.
    const parsed = (d: Dumps) => ({
      data: [...parseVrrpData(d.data)],
      scripts: parseVrrpScripts(d.data),
      statsKeys: [...parseStats(d.stats)].map(([i, s]) => [i, Object.keys(s).sort()]),
      json: parseJson(d.json).map((e) => ({ iname: e.data.iname, state: e.data.state, vips: e.data.vips })),
    })
    t.same(parsed(v), parsed(k), `keepalived-exporter reads the same from both (${state})`)
  }

  t.test('MASTER: vrrpd writes what keepalived writes', async (t) => {
    const k = await keepalivedDumps('MASTER')
    const v = await vrrpdDumps('MASTER')
    t.match(k.data, /State = MASTER/, 'keepalived was MASTER')
    compare(t, 'MASTER', k, v)
  })

  t.test('BACKUP: vrrpd writes what keepalived writes', async (t) => {
    const master: RuntimeVrrpd = startRuntimeVrrpd(t, lab, 'b', { config: conf(200) })
    running.push(master)
    await master.waitForLog(/\(VI_1\) Entering MASTER STATE/, 15_000)
    const k = await keepalivedDumps('BACKUP')
    const v = await vrrpdDumps('BACKUP')
    t.match(k.data, /State = BACKUP\n   Master router = /, 'keepalived was BACKUP')
    compare(t, 'BACKUP', k, v)
    await master.stop('SIGTERM', 10_000)
  })
}
