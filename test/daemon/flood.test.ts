// The attack rows of issue 12, scaled down, through the real daemon over fake
// ports: adverts for a VRID with no instance from spoofed sources, and adverts
// with a wrong auth_pass. Counters exact, a bounded number of log lines, and a
// heap that does not grow with the number of sources.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { loadConfig } from '../../src/config/index.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { createLogger } from '../../src/log.js'
import { authDataFromPassword, encodeAdvert } from '../../src/protocol/index.js'
import type { Advert } from '../../src/protocol/types.js'
import { FakeWorld, flush } from '../helpers/fake-ports.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const CONF = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`

function setup(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-flood-'))
  const file = join(dir, 'keepalived.conf')
  writeFileSync(file, CONF)
  const loaded = loadConfig(file, { interfaceExists: () => true })
  t.equal(loaded.exitCode, 0, 'config is valid')
  const world = new FakeWorld()
  world.addInterface('eth0', '10.0.0.1')
  const lines: string[] = []
  // info, as the daemon runs by default: debug lines are per packet by design.
  const log = createLogger({ format: 'text', level: 'info', write: (l) => void (lines.length < 10_000 && lines.push(l)) })
  const daemon = new Daemon(loaded.config, world.ports(), log)
  return { world, daemon, lines }
}

const advert = (over: Partial<Advert>): Advert => ({
  version: 2, type: 1, virtualRouterId: 51, priority: 200, adverIntervalMs: 1000,
  authType: 1, authData: authDataFromPassword('s3cret'), ipAddresses: ['10.0.0.100'], family: 4, ...over,
})
const spoofed = (i: number): string => `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`

function flood(world: FakeWorld, n: number, over: Partial<Advert>, sources = n): void {
  // One payload for all: the checksum does not cover the IPv4 source in VRRPv2.
  const payload = encodeAdvert(advert(over), { source: spoofed(0), destination: '224.0.0.18' })
  for (let i = 0; i < n; i++) world.deliver('eth0', { family: 4, source: spoofed(i % sources), destination: '224.0.0.18', ttl: 255, payload })
}

const warnOrWorse = (lines: string[]) => lines.filter((l) => / (WARN|ERROR) /.test(l))

t.test('100k adverts for a VRID with no instance from 65k sources: exact counter, two lines', async (t) => {
  const { world, daemon, lines } = setup(t)
  await daemon.start()
  const before = lines.length
  flood(world, 100_000, { virtualRouterId: 52 }, 65_000)
  world.advance(10_000)
  await flush()
  t.equal(daemon.status().unattributedDrops.vrid, 100_000, 'every packet counted')
  const logged = warnOrWorse(lines.slice(before))
  t.equal(logged.length, 2, 'the first packet, then one summary', { lines: logged.slice(0, 5) })
  t.match(logged[0], /dropped advert from 172\.16\.0\.0 on eth0: vrid \(no instance for VRID 52 on eth0\)/)
  t.match(logged[1], /dropped 99,999 adverts for VRID 52 on eth0 in the last 10 s from about 6\d,000 sources: no instance for this VRID/)
  // A second window of the same flood: one summary more, no "first" line again.
  flood(world, 1000, { virtualRouterId: 52 })
  world.advance(10_000)
  t.equal(warnOrWorse(lines.slice(before)).length, 3, 'a continuing flood costs one line per window')
  await daemon.stop()
})

t.test('30k adverts with a wrong auth_pass from spoofed sources: counted, one CONFIG MISMATCH line and a summary', async (t) => {
  const { world, daemon, lines } = setup(t)
  await daemon.start()
  const before = lines.length
  flood(world, 30_000, { authData: authDataFromPassword('wrong') })
  world.advance(10_000)
  await flush()
  const vi1 = daemon.status().instances.find((i) => i.name === 'VI_1')!
  t.equal(vi1.stats.dropped.authData, 30_000, 'every packet counted as an auth failure')
  const logged = lines.slice(before)
  const mismatch = logged.filter((l) => l.includes('CONFIG MISMATCH'))
  t.equal(mismatch.length, 2, 'one CONFIG MISMATCH line and one summary of the rest', { lines: mismatch.slice(0, 5) })
  t.match(mismatch[1], /\(VI_1\) suppressed 29,999 more "CONFIG MISMATCH: advert from \* has a different auth_pass - split brain likely" lines in the last 10 s from about 29,\d00 sources/)
  await daemon.stop()
})

t.test('memory does not grow with the number of spoofed sources or VRIDs', async (t) => {
  const { world, daemon, lines } = setup(t)
  await daemon.start()
  // Warm up the paths, then measure a flood 4x bigger than the warm-up.
  flood(world, 20_000, { virtualRouterId: 9 })
  world.advance(10_000)
  gc()
  const base = process.memoryUsage().heapUsed
  for (let round = 0; round < 4; round++) {
    for (let vrid = 1; vrid < 256; vrid += 1) {
      const payload = encodeAdvert(advert({ virtualRouterId: vrid === 51 ? 50 : vrid }), { source: spoofed(0), destination: '224.0.0.18' })
      for (let i = 0; i < 400; i++) world.deliver('eth0', { family: 4, source: spoofed(round * 102_400 + vrid * 400 + i), destination: '224.0.0.18', ttl: 255, payload })
    }
    world.advance(10_000)
  }
  gc()
  const grown = process.memoryUsage().heapUsed - base
  t.ok(grown < 4 * 1024 * 1024, `heap grew ${(grown / 1024).toFixed(0)} KiB over 408k packets from 408k sources`)
  const perWindow = warnOrWorse(lines).length / 5
  t.ok(perWindow <= 15, `at most 15 WARN lines per 10 s window (${perWindow})`)
  await daemon.stop()
})
