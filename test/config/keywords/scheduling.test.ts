// vrrp_priority, vrrp_rt_priority, vrrp_rlimit_rttime, vrrp_no_swap and
// vrrp_cpu_affinity: the values vrrpd keeps (what src/io/scheduling.ts applies),
// and, as root, `vrrpd -t` beside `keepalived -t` on the same files: the same exit
// code and keepalived's words for every bad value.
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config/index.js'
import type { GlobalDefs } from '../../../src/config/model.js'
import { requireRoot } from '../../helpers/netns.js'
import { createOracleNamespace } from '../../helpers/config-oracle.js'

const conf = (globals: string[]): string =>
  `global_defs {\n${globals.map((g) => ` ${g}\n`).join('')}}\nvrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\n`

const lastCpu = cpus().length - 1

type Fields = Pick<GlobalDefs, 'processPriority' | 'realtimePriority' | 'rlimitRttimeUs' | 'noSwap' | 'cpuAffinity'>

/** name -> global_defs lines, the fields vrrpd keeps, keepalived's messages (none: a clean config). */
const CASES: Record<string, { globals: string[]; keeps: Fields; says?: string[] }> = {
  all: {
    globals: ['vrrp_priority -5', 'vrrp_rt_priority 50', 'vrrp_rlimit_rttime 20000', 'vrrp_no_swap', `vrrp_cpu_affinity ${lastCpu} 0`],
    keeps: { processPriority: -5, realtimePriority: 50, rlimitRttimeUs: 20000, noSwap: true, cpuAffinity: [...new Set([0, lastCpu])] },
  },
  'rlimit-1': { globals: ['vrrp_rlimit_rttime 1'], keeps: { rlimitRttimeUs: 2 } },
  'old-spelling': { globals: ['vrrp_rlimit_rtime 5000'], keeps: { rlimitRttimeUs: 5000 } },
  'no-swap-value': { globals: ['vrrp_no_swap yes'], keeps: { noSwap: true } },
  'rt-no-value': { globals: ['vrrp_rt_priority'], keeps: {}, says: ['No vrrp process real-time priority specified'] },
  'rt-zero': { globals: ['vrrp_rt_priority 0'], keeps: { realtimePriority: 1 }, says: ['vrrp process real-time priority 0 less than minimum 1 - setting to minimum'] },
  'rt-negative': { globals: ['vrrp_rt_priority -3'], keeps: { realtimePriority: 1 }, says: ['vrrp process real-time priority -3 less than minimum 1 - setting to minimum'] },
  'rt-100': { globals: ['vrrp_rt_priority 100'], keeps: { realtimePriority: 99 }, says: ['vrrp process real-time priority 100 greater than maximum 99 - setting to maximum'] },
  'rt-word': { globals: ['vrrp_rt_priority abc'], keeps: {}, says: ["invalid number 'abc'", "vrrp process real-time priority 'abc' invalid"] },
  'nice-no-value': { globals: ['vrrp_priority'], keeps: {}, says: ['No vrrp process priority specified'] },
  'nice-20': { globals: ['vrrp_priority 20'], keeps: { processPriority: 0 }, says: ["number '20' outside range [-20, 19]", 'Invalid vrrp process priority specified'] },
  'nice-minus-21': { globals: ['vrrp_priority -21'], keeps: { processPriority: 0 }, says: ["number '-21' outside range [-20, 19]", 'Invalid vrrp process priority specified'] },
  'nice-word': { globals: ['vrrp_priority x'], keeps: { processPriority: 0 }, says: ["invalid number 'x'", 'Invalid vrrp process priority specified'] },
  'rlimit-zero': { globals: ['vrrp_rlimit_rttime 0'], keeps: { rlimitRttimeUs: 0 }, says: ["number '0' outside range [1, 4294967295]", 'Invalid vrrp real-time limit - 0'] },
  'rlimit-word': { globals: ['vrrp_rlimit_rttime x'], keeps: { rlimitRttimeUs: 0 }, says: ["invalid number 'x'", 'Invalid vrrp real-time limit - x'] },
  'cpu-no-value': { globals: ['vrrp_cpu_affinity'], keeps: {}, says: ['No vrrp cpu_id set specified'] },
  'cpu-offline': {
    globals: [`vrrp_cpu_affinity ${lastCpu + 1}`],
    keeps: { cpuAffinity: [] },
    says: [`number '${lastCpu + 1}' outside range [0, ${lastCpu}]`, `Invalid cpu_id:${lastCpu + 1} specified for vrrp process`],
  },
  'cpu-word-after-one': { globals: [`vrrp_cpu_affinity ${lastCpu} x`], keeps: { cpuAffinity: [] }, says: ["invalid number 'x'", 'Invalid cpu_id:0 specified for vrrp process'] },
  'cpu-negative': { globals: ['vrrp_cpu_affinity 0 -4'], keeps: { cpuAffinity: [] }, says: [`number '-4' outside range [0, ${lastCpu}]`, 'Invalid cpu_id:-4 specified for vrrp process'] },
}

const load = (t: Test, globals: string[]) => {
  const dir = t.testdir({ 'k.conf': conf(globals) })
  return loadConfig(join(dir, 'k.conf'), { interfaceExists: () => true })
}

t.test('defaults: nothing set', async (t) => {
  const g = load(t, []).config.globalDefs
  t.same([g.processPriority, g.realtimePriority, g.rlimitRttimeUs, g.noSwap, g.cpuAffinity], [undefined, undefined, undefined, undefined, undefined])
})

t.test('what vrrpd keeps, and its messages', async (t) => {
  for (const [name, c] of Object.entries(CASES)) {
    const r = load(t, c.globals)
    t.match(r.config.globalDefs, c.keeps, `${name}: keeps ${JSON.stringify(c.keeps)}`)
    const messages = r.diagnostics.map((d) => d.message)
    t.same(messages, c.says ?? [], `${name}: says ${JSON.stringify(c.says ?? [])}`)
    t.equal(r.exitCode, c.says ? 5 : 0, `${name}: -t exit code`)
  }
})

t.test('vrrpd -t says what keepalived -t says', async (t) => {
  if (!requireRoot(t)) return
  const dir = t.testdir()
  const files = Object.entries(CASES).map(([name, c]) => {
    const file = join(dir, `${name}.conf`)
    writeFileSync(file, conf(c.globals))
    return file
  })
  const ns = await createOracleNamespace(files)
  t.teardown(() => ns.remove())
  for (const [name, c] of Object.entries(CASES)) {
    const r = await ns.configTest(join(dir, `${name}.conf`))
    const k = `${r.keepalived.stdout}${r.keepalived.stderr}`
    const v = `${r.vrrpd.stdout}${r.vrrpd.stderr}`
    t.equal(r.vrrpd.code, r.keepalived.code, `${name}: vrrpd -t exits ${r.vrrpd.code}, keepalived -t ${r.keepalived.code}\n${v}`)
    for (const says of c.says ?? []) {
      t.ok(k.includes(says), `${name}: keepalived says "${says}"`)
      t.ok(v.includes(says), `${name}: vrrpd says it too`)
    }
  }
})
