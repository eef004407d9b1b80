// Issue 12's config-reader attacks: each input once hung vrrpd, overflowed its
// stack or threw a TypeError. Every one now returns at once with FILE:LINE
// diagnostics and one of keepalived's exit codes; none throws.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/index.js'
import { formatDiagnostic } from '../../src/config/diagnostics.js'
import { READER_LIMITS } from '../../src/config/limits.js'

const instance = (extra = ''): string =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n${extra}  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n`

/** loadConfig with a generous wall-clock bound (the machine is shared): a hang fails here, not in CI's timeout. */
const load = (t: { ok: (v: boolean, m: string) => void }, file: string) => {
  const start = Date.now()
  const r = loadConfig(file, { configId: 'h1', interfaceExists: (n) => n === 'eth0' })
  t.ok(Date.now() - start < 30_000, `returned in ${Date.now() - start} ms`)
  return { ...r, text: r.diagnostics.map(formatDiagnostic) }
}

t.test('include of a device, a FIFO, a directory or an executable is skipped with keepalived\'s words', async (t) => {
  const dir = t.testdir({ d: {}, 'exec.conf': 'x\n', 'ok.conf': instance() })
  chmodSync(join(dir, 'exec.conf'), 0o755)
  execFileSync('mkfifo', [join(dir, 'fifo')])
  const main = join(dir, 'main.conf')
  writeFileSync(main, ['include /dev/zero', 'include /dev/urandom', `include ${join(dir, 'fifo')}`, 'include d', 'include exec.conf', 'include ok.conf'].join('\n'))
  const r = load(t, main)
  // keepalived 2.2.7: the same messages, the files skipped, and -t exits 0.
  t.same(r.text.filter((l) => l.includes('warning: configuration file')), [
    `${main}:1: warning: configuration file '/dev/zero' is not a regular non-executable file - skipping`,
    `${main}:2: warning: configuration file '/dev/urandom' is not a regular non-executable file - skipping`,
    `${main}:3: warning: configuration file '${join(dir, 'fifo')}' is not a regular non-executable file - skipping`,
    `${main}:4: warning: configuration file '${join(dir, 'd')}/' is a directory - skipping`,
    `${main}:5: warning: configuration file '${join(dir, 'exec.conf')}' is not a regular non-executable file - skipping`,
  ])
  t.equal(r.config.instances.length, 1, 'the regular include is still read')
  t.equal(r.exitCode, 0)
})

t.test('a device or FIFO as the main file is fatal, not a hang', async (t) => {
  const dir = t.testdir({})
  execFileSync('mkfifo', [join(dir, 'fifo')])
  for (const f of ['/dev/zero', join(dir, 'fifo'), dir]) {
    const r = load(t, f)
    t.equal(r.exitCode, 4, f)
    t.match(r.text, [/is not a regular non-executable file|is a directory/])
  }
})

t.test('a chain of 5,000 includes: a clean error at the depth limit, no RangeError', async (t) => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 5000; i++) files[`${i}.conf`] = `include ${i + 1}.conf\n`
  files['5000.conf'] = instance()
  const dir = t.testdir(files)
  const r = load(t, join(dir, '0.conf'))
  const max = READER_LIMITS.maxIncludeDepth
  t.same(r.text.filter((l) => l.includes('include nesting')), [
    `${join(dir, `${max - 1}.conf`)}:1: error: include nesting deeper than ${max} files: ${join(dir, `${max}.conf`)} skipped`,
  ])
  t.not(r.exitCode, 0, `exit ${r.exitCode}`)
})

t.test('an exponential glob (a/*/*/*/... through symlink loops) stops at the work limit', async (t) => {
  const dir = t.testdir({})
  mkdirSync(join(dir, 'd'))
  for (const n of ['a', 'b', 'c', 'e']) symlinkSync('.', join(dir, 'd', n))
  writeFileSync(join(dir, 'main.conf'), `include d/${Array(24).fill('*').join('/')}\n${instance()}`)
  const r = load(t, join(dir, 'main.conf'))
  t.match(r.text, [new RegExp(`main\\.conf:1: error: include d/.*: include patterns examine more than ${READER_LIMITS.maxGlobEntries} directory entries; later includes are skipped`)])
  t.equal(r.config.instances.length, 1, 'the rest of the file is read')
})

t.test('a brace bomb and a matcher bomb stop at their limits', async (t) => {
  const dir = t.testdir({ 'x.conf': '' })
  const main = join(dir, 'main.conf')
  writeFileSync(main, `include ${'{a,b}'.repeat(12)}.conf\ninclude ${'*a'.repeat(200)}*b\n`)
  const r = load(t, main)
  t.match(r.text[0], /main\.conf:1: error: include .*: include pattern expands to more than \d+ brace alternatives/)
  t.match(r.text[1], /main\.conf:2: warning: no file matches include/)
})

t.test('macro bombs: $A=$A$A, self reference, and a line grown past the limit', async (t) => {
  const dir = t.testdir({})
  const main = join(dir, 'main.conf')
  const doubling = [`$A0=${'x'.repeat(1000)}`, ...Array.from({ length: 30 }, (_, i) => `$A${i + 1}=\${A${i}}\${A${i}}`)]
  writeFileSync(main, ['$A=$A$A', 'k $A', '$S=${S}', 's ${S}', ...doubling, 'big ${A30}', instance()].join('\n'))
  const r = load(t, main)
  t.match(r.text, [
    /main\.conf:2: error: more than \d+ macro substitutions on one line/,
    /main\.conf:4: error: more than \d+ macro substitutions on one line/,
    new RegExp(`main\\.conf:36: error: line longer than ${READER_LIMITS.maxLineLength} characters after macro expansion`),
  ])
  t.equal(r.config.instances.length, 1)
})

t.test('advert_int with 100,000 and 1,000,000 digits returns at once', async (t) => {
  for (const n of [100_000, 1_000_000]) {
    const dir = t.testdir({ 'a.conf': instance(`  advert_int ${'1'.repeat(n)}x\n`) })
    const r = load(t, join(dir, 'a.conf'))
    t.match(r.text, [new RegExp(`a\\.conf:5: error: line longer than ${READER_LIMITS.maxLineLength} characters, skipped`)])
    t.equal(r.exitCode, 5)
  }
})

t.test('a word longer than the word limit is an error', async (t) => {
  const dir = t.testdir({ 'a.conf': instance(`  auth_pass ${'p'.repeat(READER_LIMITS.maxWordLength + 1)}\n`) })
  const r = load(t, join(dir, 'a.conf'))
  t.match(r.text, [new RegExp(`a\\.conf:5: error: word longer than ${READER_LIMITS.maxWordLength} characters, line skipped`)])
})

t.test('a ~SEQ of 10^18 lines stops at the line limit', async (t) => {
  const dir = t.testdir({ 'a.conf': `~SEQ(i, 1, 1000000000000000000) garbage_\${i}\n${instance()}` })
  const r = load(t, join(dir, 'a.conf'))
  t.match(r.text.filter((l) => l.includes('error')).slice(0, 1), [new RegExp(`a\\.conf:1: error: more than ${READER_LIMITS.maxLines} config lines`)])
  t.not(r.exitCode, 0)
})

t.test('an include that reads the same files many times is bounded (file count or include work)', async (t) => {
  // 8 files each including the next level 4 times: 4^8 opens without a limit.
  const files: Record<string, string> = { 'l8.conf': 'x\n' }
  for (let i = 0; i < 8; i++) files[`l${i}.conf`] = `include l${i + 1}.conf\n`.repeat(4)
  const dir = t.testdir(files)
  const r = load(t, join(dir, 'l0.conf'))
  t.match(r.text.filter((l) => l.includes('error')).slice(0, 1), [new RegExp(`error: (more than ${READER_LIMITS.maxIncludedFiles} config files included|include .*: include patterns examine more than ${READER_LIMITS.maxGlobEntries} directory entries)`)])
})

t.test('blocks nested past the depth limit are ignored up to their matching brace', async (t) => {
  const deep = `${'x {\n'.repeat(200)}${'}\n'.repeat(200)}`
  const dir = t.testdir({ 'a.conf': `${deep}${'{'.repeat(16000)}\n${instance()}` })
  const r = load(t, join(dir, 'a.conf'))
  t.match(r.text.filter((l) => l.includes('error: blocks nested')), [new RegExp(`a\\.conf:${READER_LIMITS.maxBlockDepth + 1}: error: blocks nested deeper than ${READER_LIMITS.maxBlockDepth}`), /a\.conf:401: error: blocks nested deeper/])
})

t.test('a ~SEQ of includes that all fail still stops at the line limit', async (t) => {
  const dir = t.testdir({ 'a.conf': `~SEQ(i, 1, 20000) ~SEQ(j, 20000) include /dev/urandom\n${instance()}` })
  const r = load(t, join(dir, 'a.conf'))
  t.match(r.text.filter((l) => l.includes('config lines')), [new RegExp(`a\\.conf:1: error: more than ${READER_LIMITS.maxLines} config lines`)])
})

t.test('50,000 lines of one long unknown keyword each: the first problems listed, the rest counted, the line limit said', async (t) => {
  // Fuzz seed 22427's shape: it took 3.9 s (a word built a character at a time, 50,000 diagnostics).
  const dir = t.testdir({ 'a.conf': `${instance()}~SEQ(i, 1, 60000) ${'x'.repeat(75)}\${i}\n` })
  const r = load(t, join(dir, 'a.conf'))
  t.ok(r.diagnostics.length <= 1002, `${r.diagnostics.length} diagnostics listed`)
  t.match(r.text.at(-1), /a\.conf: error: [\d,]+ more problems not listed \([\d,]+ of them errors\); only the first 1000 are/)
  t.match(r.text.filter((l) => l.includes('config lines')), [new RegExp(`a\\.conf:\\d+: error: more than ${READER_LIMITS.maxLines} config lines`)])
  t.ok(r.text.includes(`${join(dir, 'a.conf')}:9: error: unknown keyword '${'x'.repeat(75)}2' in the top level, skipped`), 'each word read whole')
  t.equal(r.exitCode, 5)
})

t.test('a per-line limit hit on thousands of lines: listed the first time, counted after the cap', async (t) => {
  // Fuzz seed 69831's shape: 9,000 listed limit errors, each with a stack trace, took 4 s.
  const dir = t.testdir({ 'a.conf': `${instance()}$A=x$A\n~SEQ(i, 1, 3000) $A\n` })
  const r = load(t, join(dir, 'a.conf'))
  const per = r.text.filter((l) => l.includes('macro substitutions on one line'))
  t.ok(per.length >= 1 && per.length <= 1000, `${per.length} of 3000 listed`)
  t.match(r.text.at(-1), /more problems not listed/)
  t.same(r.incomplete?.filter((m) => m.includes('macro substitutions')).length, 1, 'named once as a reason the config is incomplete')
})
