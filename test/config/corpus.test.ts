// keepalived 2.2.7 is the oracle for `-t`: every config of the corpus
// (test/fixtures/config/keepalived-corpus: keepalived's own doc/samples, public
// configs, the corners of issue 8; and test/fixtures/config/broken) is checked by
// `keepalived -t` and `vrrpd -t` side by side, in one network namespace that has
// every interface the configs name. The verdict class must be the same, except
// for the deliberate differences listed below by name, each with its reason
// (docs/configuration.md, "Where vrrpd -t differs from keepalived -t").
import t from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireRoot } from '../helpers/netns.js'
import { createOracleNamespace, inBatches, verdictOf, type Verdict } from '../helpers/config-oracle.js'

const root = fileURLToPath(new URL('../fixtures/config', import.meta.url))
const DIRS = ['keepalived-corpus/samples', 'keepalived-corpus/public', 'keepalived-corpus/corners', 'broken']
const files = DIRS.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => `${d}/${f}`),
)

/**
 * The verdict classes: keepalived exits 2 (its KEEPALIVED_EXIT_CONFIG) when it
 * stops reading at a keyword with no value; vrrpd says 4. Both mean "does not run".
 */
function verdictClass(v: Verdict | 2): string {
  if (v === 4 || v === 2) return 'will not run'
  if (v === 5) return 'runs, with config errors'
  if (v === 6) return 'script security'
  if (v === 0) return 'ok'
  return 'other'
}
const classOf = (code: number): string => verdictClass(code === 2 ? 2 : verdictOf(code))

const NOTHING_TO_RUN = 'vrrpd is the VRRP half only: with no usable vrrp_instance it has nothing to run and -t says 4; keepalived would start its other halves (or idle) and says 0 or 5'
const LVS_NOT_READ = 'vrrpd skips the LVS blocks (virtual_server...) without reading them, so errors inside them are not reported'

/** File -> why vrrpd's verdict class differs from keepalived's, on purpose. */
const DELIBERATE: Readonly<Record<string, { vrrpd: string; why: string }>> = {
  'keepalived-corpus/samples/HTTP_GET.port.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/IPv6.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/PING_CHECK.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/SMTP_CHECK.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/UDP_CHECK.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/fwmark.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/inhibit.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/misc_check.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/misc_check_arg.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/quorum.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/status_code.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/virtual_server_group.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/samples/virtualhost.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/public/KailongLi__elb-test.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/public/DrPsychick__docker-dnsmasq.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'keepalived-corpus/public/EngAhmedNazmy__HA_LoadBalancer.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'broken/no-instances.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'broken/no-usable-instance.conf': { vrrpd: 'will not run', why: NOTHING_TO_RUN },
  'broken/strict-mode.conf': {
    vrrpd: 'will not run',
    why: 'keepalived stops completing instances at the first one that cannot run (strict mode without a VIP) and exits 5; vrrpd checks every instance and none is left',
  },
  'keepalived-corpus/public/HeartZhang__ha.conf': { vrrpd: 'ok', why: LVS_NOT_READ },
  'broken/unbalanced-braces.conf': {
    vrrpd: 'will not run',
    why: 'unbalanced braces move keywords out of (or into) their block: VIPs, authentication or track scripts silently go missing, so vrrpd refuses the config; keepalived says 5',
  },
  'keepalived-corpus/corners/unbalanced-drops-vips.conf': {
    vrrpd: 'will not run',
    why: 'an extra } ends VI_1 early and its authentication and VIPs are dropped; vrrpd refuses the config, keepalived says 5',
  },
  'broken/ah-auth.conf': {
    vrrpd: 'runs, with config errors',
    why: 'vrrpd does not implement AH authentication: it runs without, which peers expecting AH will notice, so it is reported as an error',
  },
  'broken/include-cycle.conf': {
    vrrpd: 'runs, with config errors',
    why: 'vrrpd reports an include cycle; keepalived reads the files until it runs out of file descriptors and says nothing',
  },
}

t.test('keepalived -t and vrrpd -t give the same verdict on the corpus', async (t) => {
  if (!requireRoot(t)) return
  t.ok(files.length >= 70, `the corpus has ${files.length} configs`)
  const ns = await createOracleNamespace(files.map((f) => join(root, f)))
  t.teardown(() => ns.remove())
  // keepalived -t is quick; vrrpd -t is a node start-up. A few at a time keeps the load bounded.
  const results = await inBatches(files, 4, (f) => ns.configTest(join(root, f)))
  const seen = new Set<string>()
  for (const [i, r] of results.entries()) {
    const name = files[i] as string
    const k = classOf(r.keepalived.code)
    const v = classOf(r.vrrpd.code)
    const deliberate = DELIBERATE[name]
    const detail = { keepalived: r.keepalived.code, vrrpd: r.vrrpd.code, keepalivedSays: r.keepalived.stderr.split('\n').slice(0, 12), vrrpdSays: r.vrrpd.stderr.split('\n').slice(0, 12) }
    t.not(k, 'other', `${name}: keepalived gave a verdict (exit ${r.keepalived.code})`, detail)
    if (deliberate) {
      seen.add(name)
      t.not(k, deliberate.vrrpd, `${name}: still differs from keepalived (else drop it from the list)`, detail)
      t.equal(v, deliberate.vrrpd, `${name}: vrrpd says "${deliberate.vrrpd}" on purpose: ${deliberate.why}`, detail)
    } else {
      t.equal(v, k, `${name}: ${k}`, detail)
    }
  }
  t.same([...Object.keys(DELIBERATE)].filter((f) => !seen.has(f)), [], 'every listed difference names a corpus file')
})
