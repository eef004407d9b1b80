/**
 * A seeded config fuzzer: keepalived.conf texts mixed from valid fragments and
 * hostile lines (devices, FIFOs, symlink-loop globs, macro bombs, huge ~SEQ,
 * long numbers, stray quotes, braces, CR and U+2028), then mutated byte-wise.
 * `runFuzzCase` loads one through loadConfig; the caller checks that nothing
 * throws, nothing takes long, and the exit code is one of keepalived's (0/4/5/6).
 * Used by test/lab/config-fuzz.test.ts (a short run) and bench/config-fuzz.mjs
 * (100k cases).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadConfig } from '../config/index.js'

/** mulberry32: small, fast, good enough to pick fragments reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const VALID = [
  'global_defs {', '  router_id r1', '  enable_script_security', '  script_user root', '  vrrp_garp_master_delay 2', '}',
  'vrrp_script chk {', '  script "/bin/true"', '  interval 2', '  weight -20', '  fall 2', '}',
  'vrrp_instance VI_1 {', '  state MASTER', '  interface eth0', '  virtual_router_id 51', '  priority 100', '  advert_int 1',
  '  authentication {', '    auth_type PASS', '    auth_pass secret', '  }', '  virtual_ipaddress {', '    10.0.0.1/24 dev eth0',
  '    10.0.0.2', '  }', '  track_script {', '    chk', '  }', '  notify "/bin/echo a\\tb" root', '}',
  'vrrp_sync_group G {', '  group {', '    VI_1', '  }', '}', 'static_ipaddress {', '  192.0.2.1/24 dev eth0', '}',
]

/** Hostile lines; FIX is replaced by the fixture directory. */
const HOSTILE = [
  'include /dev/zero', 'include /dev/urandom', 'include FIX/fifo', 'include FIX/dir', 'include FIX/exec.conf',
  'include {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}',
  'include *', 'include inc*.conf', 'include {inc1,inc2}.conf', 'include main.conf', 'include "inc1.conf"',
  '$A=$A$A', '$B=${B}x', '$C=${C}${C}', '$M=one \\', 'two \\', '$M', '$D=~SEQ(i, 1, 3) d${i}', '$D', '${_RANDOM 1 9}',
  '${_PWD} ${_INSTANCE} ${_HASH} ${_BANG}', '~SEQ(i, 1, 3) ~SEQ(j, 1, 3) y${i}${j}',
  '~SEQx(i, 0, 10, 255) 10.0.0.${i}', '~LST({a,b},{1,2},{3})', '~LST(a, 1, 2) vrrp_instance V$a {', '~SEQ(i,', '~SEQ(',
  '@h1\r', '@^h2\u2028 x', '@', '@^', '@h1 @h1 @^h1 x', '"unterminated', '\\', 'a\\', '{', '}', '}}}}', '{{{{',
  'priority 99999999999999999999999', 'advert_int -1', 'advert_int 1.5.5', 'virtual_router_id 0x10', '\0\0', '\ufeff',
  'auth_pass "a#b" # c', "auth_pass 'x#y'", 'notify_master "/bin/sh -c \'\\x41\'"', 'script "\\"', '$', '${', '${}', '$_',
]

/** Hostile lines that run into a work limit (tens to hundreds of ms each): rarer. */
const EXPENSIVE = ['include FIX/loop/*/*/*/*/*/*/*/*/*/*/*/*', '~SEQ(i, 1, 100000000000) x${i}', '~SEQ(i, 1, 20000) ~SEQ(j, 1, 20000) z']

const SPECIALS = ['{', '}', '"', "'", '\\', '$', '@', '~', '#', '!', '\r', '\n', '\t', '\u2028', '\0', ' ', '${', 'include ', '~SEQ(i,1,2) ']

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

/** One case: the main file's text and two include files. */
export interface FuzzCase {
  main: string
  inc1: string
  inc2: string
}

function lines(r: () => number, fix: string, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const x = r()
    if (x < 0.6) out.push(pick(r, VALID))
    else if (x < 0.6015) out.push(pick(r, EXPENSIVE).replaceAll('FIX', fix))
    else if (x < 0.95) out.push(pick(r, HOSTILE).replaceAll('FIX', fix))
    else if (x < 0.96) out.push(`advert_int ${'9'.repeat(Math.floor(r() * 200_000))}`)
    else out.push('x'.repeat(Math.floor(r() * 5000)))
  }
  return out
}

function mutate(r: () => number, text: string): string {
  let s = text
  const edits = Math.floor(r() * 8)
  for (let k = 0; k < edits && s.length > 0; k++) {
    const at = Math.floor(r() * s.length)
    const op = r()
    if (op < 0.4) s = s.slice(0, at) + pick(r, SPECIALS) + s.slice(at)
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20))
    else {
      const len = Math.floor(r() * 200)
      s = s.slice(0, at) + s.slice(at, at + len).repeat(1 + Math.floor(r() * 3)) + s.slice(at)
    }
  }
  return s
}

/** The case for `seed`; `fix` is the fixture directory (see makeFuzzFixtures). */
export function fuzzCase(seed: number, fix: string): FuzzCase {
  const r = prng(seed)
  const text = (n: number): string => mutate(r, lines(r, fix, n).join('\n'))
  // Half the cases are a whole valid config with a few hostile lines slipped in
  // (so that parsing goes deep), half a random mix.
  const main = r() < 0.5 ? text(5 + Math.floor(r() * 60)) : mutate(r, withInserts(r, lines(r, fix, 1 + Math.floor(r() * 4))))
  return { main, inc1: text(Math.floor(r() * 20)), inc2: text(Math.floor(r() * 20)) }
}

function withInserts(r: () => number, extra: string[]): string {
  const out = [...VALID]
  for (const line of extra) out.splice(Math.floor(r() * (out.length + 1)), 0, line)
  return out.join('\n')
}

/** Fixtures the hostile lines point at: a FIFO, a directory, an executable, a symlink loop. */
export function makeFuzzFixtures(dir: string): void {
  mkdirSync(join(dir, 'dir'), { recursive: true })
  writeFileSync(join(dir, 'exec.conf'), 'x\n')
  chmodSync(join(dir, 'exec.conf'), 0o755)
  if (!existsSync(join(dir, 'fifo'))) execFileSync('mkfifo', [join(dir, 'fifo')])
  mkdirSync(join(dir, 'loop'), { recursive: true })
  for (const n of ['a', 'b', 'c']) if (!existsSync(join(dir, 'loop', n))) symlinkSync('.', join(dir, 'loop', n))
}

export interface FuzzResult {
  exitCode: number | undefined
  ms: number
  error?: string
}

/** Writes the case into `dir` and loads it; never throws (a throw is the result). */
export function runFuzzCase(c: FuzzCase, dir: string): FuzzResult {
  writeFileSync(join(dir, 'main.conf'), c.main)
  writeFileSync(join(dir, 'inc1.conf'), c.inc1)
  writeFileSync(join(dir, 'inc2.conf'), c.inc2)
  const start = performance.now()
  try {
    const r = loadConfig(join(dir, 'main.conf'), { configId: 'h1', interfaceExists: (n) => n === 'eth0' })
    return { exitCode: r.exitCode, ms: performance.now() - start }
  } catch (e) {
    return { exitCode: undefined, ms: performance.now() - start, error: (e as Error).stack ?? String(e) }
  }
}
