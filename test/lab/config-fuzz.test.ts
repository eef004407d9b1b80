// The config fuzzer, seeded and bounded for CI: a few hundred hostile configs
// through loadConfig. None may throw, none may take long, and every exit code is
// one of keepalived's. The long run (100k cases) is bench/config-fuzz.mjs.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fuzzCase, makeFuzzFixtures, prng, runFuzzCase } from '../../src/lab/config-fuzz.js'

const CASES = 150
const SEED = 20261130

t.test('prng is deterministic per seed', async (t) => {
  const a = prng(7)
  const b = prng(7)
  t.same([a(), a(), a()], [b(), b(), b()])
  t.not(prng(8)(), prng(7)())
  t.same(fuzzCase(SEED, '/fix'), fuzzCase(SEED, '/fix'), 'a case is reproducible from its seed')
})

t.test(`${CASES} fuzzed configs: no throw, no hang, exit codes 0/4/5/6 only`, async (t) => {
  const dir = t.testdir({})
  const fix = join(dir, 'fix')
  const work = join(dir, 'case')
  mkdirSync(work)
  makeFuzzFixtures(fix)
  const codes = new Map<number, number>()
  const failures: string[] = []
  let slowest = 0
  for (let i = 0; i < CASES; i++) {
    const r = runFuzzCase(fuzzCase(SEED + i, fix), work)
    slowest = Math.max(slowest, r.ms)
    if (r.error) failures.push(`seed ${SEED + i}: threw ${r.error.split('\n')[0]}`)
    else if (![0, 4, 5, 6].includes(r.exitCode as number)) failures.push(`seed ${SEED + i}: exit ${r.exitCode}`)
    // Generous: the machine is shared. The 2 s claim is measured in bench/.
    else if (r.ms > 8000) failures.push(`seed ${SEED + i}: took ${Math.round(r.ms)} ms`)
    codes.set(r.exitCode ?? -1, (codes.get(r.exitCode ?? -1) ?? 0) + 1)
  }
  t.same(failures, [])
  t.ok((codes.get(0) ?? 0) + (codes.get(5) ?? 0) > 0, `some cases get past the reader; exit codes seen: ${JSON.stringify([...codes])}, slowest ${Math.round(slowest)} ms`)
})
