// `vrrpd -d` against keepalived's own interpretation of the same config: for every
// corpus config that both will run, keepalived is started briefly (network
// namespace with the configs' interfaces, private /tmp) and its SIGUSR1 dump is
// compared field by field with vrrpd's model: instances, VRID, priority, version,
// interface, source address, advert interval, preempt, authentication, VIPs,
// unicast peers, track scripts and weights, GARP settings, notify scripts (file,
// arguments, uid:gid).
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireRoot } from '../helpers/netns.js'
import { createOracleNamespace, inBatches } from '../helpers/config-oracle.js'
import { keepalivedData, parseKeepalivedData, viewOfVrrpdDump } from '../helpers/keepalived-data.js'

const root = fileURLToPath(new URL('../fixtures/config', import.meta.url))
const DIRS = ['keepalived-corpus/samples', 'keepalived-corpus/public', 'keepalived-corpus/corners']
const files = DIRS.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => `${d}/${f}`),
)

/** File -> instance names vrrpd leaves out on purpose, with the reason. */
const DROPPED_ON_PURPOSE: Readonly<Record<string, { instances: string[]; why: string }>> = {}

/** Configs keepalived cannot start on this machine: lvs_sync_daemon needs the ip_vs module, absent here. */
const KEEPALIVED_CANNOT_START: Readonly<Record<string, string>> = {
  'keepalived-corpus/samples/vrrp.lvs_syncd.conf': 'lvs_sync_daemon_interface starts IPVS (no ip_vs module here)',
  'keepalived-corpus/corners/deprecated-keyword.conf': 'lvs_sync_daemon_interface starts IPVS (no ip_vs module here)',
}

/** File/instance -> the fields that differ on purpose (docs/configuration.md), with the reason. */
const FIELDS_DIFFER: Readonly<Record<string, { fields: string[]; why: string }>> = {
  'keepalived-corpus/samples/SSL_GET.conf: VI_1': { fields: ['auth'], why: 'AH authentication is not implemented: vrrpd runs without (reported as an error)' },
}

/** `uid:gid` of a script user as keepalived resolves it (default: keepalived_script if it exists, else root). */
function uidOf(user: string | undefined, group?: string): string {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'))
  const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'))
  const entry = passwd.find((p) => p[0] === (user ?? 'keepalived_script'))
  if (!entry) return '0:0'
  const gid = group === undefined ? entry[3] : groups.find((g) => g[0] === group)?.[2]
  return `${entry[2]}:${gid}`
}

t.test('vrrpd -d equals keepalived\'s parsed view, field by field', async (t) => {
  if (!requireRoot(t)) return
  const ns = await createOracleNamespace(files.map((f) => join(root, f)))
  t.teardown(() => ns.remove())
  const verdicts = await inBatches(files, 4, (f) => ns.configTest(join(root, f)))
  const runnable = files.filter((f, i) => {
    const r = verdicts[i]
    return r !== undefined && r.vrrpd.code !== 4 && r.keepalived.code !== 4 && r.keepalived.code !== 2 && !(f in KEEPALIVED_CANNOT_START)
  })
  t.ok(runnable.length >= 30, `${runnable.length} configs both would run`)
  const views = await inBatches(runnable, 3, async (f) => {
    const [data, dump] = await Promise.all([keepalivedData(ns, join(root, f)), ns.vrrpdDump(join(root, f))])
    return { f, data, dump }
  })
  let compared = 0
  for (const { f, data, dump } of views) {
    t.match(data, /VRRP Topology/, `${f}: keepalived dumped its view`)
    const k = parseKeepalivedData(data)
    const v = viewOfVrrpdDump(dump.stdout, uidOf)
    const dropped = DROPPED_ON_PURPOSE[f]?.instances ?? []
    t.same(Object.keys(v.instances).sort(), Object.keys(k.instances).filter((n) => !dropped.includes(n)).sort(), `${f}: the same instances`)
    for (const [name, kv] of Object.entries(k.instances)) {
      const vv = v.instances[name]
      if (!vv) continue
      const differ = FIELDS_DIFFER[`${f}: ${name}`]
      if (differ) {
        for (const field of differ.fields) t.not(JSON.stringify(vv[field as keyof typeof vv]), JSON.stringify(kv[field as keyof typeof kv]), `${f}: ${name}: ${field} still differs (else drop it from the list): ${differ.why}`)
        const omit = (x: object): object => Object.fromEntries(Object.entries(x).filter(([k]) => !differ.fields.includes(k)))
        t.same(omit(vv), omit(kv), `${f}: ${name}, but ${differ.fields.join(', ')}`)
      } else {
        t.same(vv, kv, `${f}: ${name}`)
      }
      compared++
    }
  }
  t.ok(compared >= 30, `${compared} instances compared field by field`)
})
