// The config reader against keepalived 2.2.7 itself, on the same input in the
// same test. keepalived -t names every line it cannot use ("(Line 7) Unknown
// keyword 'x_1'"), so lines made of unknown words show exactly what its reader
// produced: the ~SEQ/~LST values, the macro expansions, the built-ins, the
// conditional lines and the include order. vrrpd's reader must produce the same
// lines. Escapes in script lines are compared on the script path keepalived
// reports at start-up ("Script /x cannot be accessed").
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigReader } from '../../src/config/reader.js'
import { DiagnosticSink } from '../../src/config/diagnostics.js'
import { tokenizeLine } from '../../src/config/tokenize.js'
import { loadConfig } from '../../src/config/index.js'
import { buildTree, type Node } from '../../src/config/tree.js'
import { notifyLine, vrrpScriptLine } from '../../src/config/keywords/script-command.js'
import { splitCommandLine } from '../../src/config/tokenize.js'

const KEEPALIVED = '/usr/sbin/keepalived'
const SENTINEL = 'zz_end_of_pass'

/** keepalived -t's unknown keywords, `LINE word`, from its first parse pass only. */
function keepalivedWords(file: string, configId: string): string[] {
  const r = spawnSync(KEEPALIVED, ['-t', '-f', file, '-i', configId], { encoding: 'utf8', timeout: 20_000 })
  const out: string[] = []
  for (const l of `${r.stdout}${r.stderr}`.split('\n')) {
    const m = /^\((?:.*: )?Line (\d+)\) Unknown keyword '(.*)'$/s.exec(l)
    if (!m) continue
    if (m[2] === SENTINEL) break
    out.push(`${m[1]} ${m[2]}`)
  }
  return out
}

/** vrrpd's reader on the same file: the first word of every line, as keepalived would name it. */
function vrrpdWords(file: string, configId: string): string[] {
  const r = new ConfigReader(new DiagnosticSink(), { configId })
  r.readFile(file)
  const out: string[] = []
  for (const l of r.lines) {
    const word = tokenizeLine(l.text, l.at)[0]?.text
    if (word === SENTINEL) break
    if (word !== undefined) out.push(`${l.at.line} ${word}`)
  }
  return out
}

const skip = !existsSync(KEEPALIVED) ? 'keepalived 2.2.7 is not installed' : undefined

const CASES: Record<string, { main: string[]; files?: Record<string, string> }> = {
  macros: {
    main: [
      '$A=1', '$B=${A}0', '$C=$B$A', 'k1_$C', 'k2_${C}', '$D=x', 'k3 $D', '$D k4', '${D}k5', 'k6_${D}/24', 'k7_$D/24',
      '$E=one \\', '  two', 'k8 $E end', '$E', '$F=\\', 'f1_line \\', '', 'k9', '$G=k_g1 \\', '  k_g2 \\', '', '$G',
      '$N=${_INSTANCE}_${_HASH}', 'k10_$N', 'k11_"${_HASH}"_${_BANG}', 'k12_${_RANDOM 5 5}', '$_BANG=bang', 'k13_${_BANG}',
      'k14_$UNDEFINED', 'k16_\\#x', '"k17 a"#c', "k18_'q#'", '$_PWD=pwd', 'k19_${_PWD}',
    ],
  },
  sequences: {
    main: [
      '~SEQ(i, 3) s_${i}', '~SEQ(i, 2, 5) t_${i}', '~SEQ(i, 10, -3, 2) u_${i}', '~SEQx(i, 9, 12) v_${i}',
      '~SEQ(i, 0x10, 0x11) w_${i}', '~SEQ(i, 010, 011) o_${i}', '~SEQ(i, -2) n_${i}', '~SEQ( i , 1 , 2 )   p_${i}',
      '~LST(j, a, b, c) l_${j}', '~LST({p, q}, {1, 2}, {3}, 4) m_${p}_${q}', '~LST({x}, {a}, b) lx_${x}',
      '~SEQ(i, 1, 2) ~SEQ(j, 1, 2) nest_${i}_${j}', '$S=5', '~SEQ(i, $S, 6) d_${i}', '$T=~SEQ(k, 1, 2) dt_${k}', '$T',
      '$M=ma_${i} \\', '  mb_${i}', '', '~SEQ(i, 1, 2) $M', 'after_${i}_${j}_${k}',
      '~SEQ(i, 1, 0, 3) bad1', '~SEQ(i, 3, 1, 1) bad2', '~SEQ(i) bad3', '~SEQ i, 1) bad4', '~SEQx(i, -1, 2) bad5',
      '~LST(a, 1, 2', '~LST({a}, {1, 2}) bad6', '~SEQUENCE(i, 1) bad7', '~OTHER x', 'k_end',
    ],
  },
  conditionals: {
    main: ['@h1 c1', '@^h1 c2', '@h2 c3', '@^h2 c4', '@h1\r', '@h1 c5\r', '@h1\u2028 c6', '@^h2\u2028c7', '@h1 \u2028c8', '@', '@^', '@h1\tc9', '@h1 c11\rx', '@h1 c12\u2028x', '$I=h1', '@$I c10', 'c_end'],
  },
  includes: {
    main: ['include inc/{b,a,x*}.conf', 'include inc/{a,{c,b}}.conf', 'include inc/{a,zz}.conf', 'include inc/{}a.conf', 'include inc/\\{a,b}.conf', 'include inc/*.none', '$W=inc/c', 'include ${W}.conf', '~SEQ(i, 1, 2) include inc/x${i}.conf', 'i_end'],
    files: { 'inc/a.conf': 'i_a\n', 'inc/b.conf': 'i_b\n', 'inc/c.conf': 'i_c\n', 'inc/x1.conf': 'i_x1\n', 'inc/x2.conf': 'i_x2\n' },
  },
}

t.test('the reader produces keepalived\'s lines', { skip }, async (t) => {
  const dir = t.testdir({})
  for (const [name, c] of Object.entries(CASES)) {
    const base = join(dir, name)
    mkdirSync(base)
    for (const [f, text] of Object.entries(c.files ?? {})) {
      mkdirSync(join(base, f, '..'), { recursive: true })
      writeFileSync(join(base, f), text)
    }
    const main = join(base, 'main.conf')
    writeFileSync(main, `${c.main.join('\n')}\n${SENTINEL}\n`)
    const theirs = keepalivedWords(main, 'h1')
    t.ok(theirs.length > 3, `${name}: keepalived reported lines`)
    t.same(vrrpdWords(main, 'h1'), theirs, name)
  }
})

/** Script paths keepalived reports as missing at start-up, run in a private network namespace. */
function keepalivedScriptPaths(dir: string, conf: string): string[] {
  const script = [
    'ip link add v0 type veth peer name v1',
    'ip link set v0 up && ip link set v1 up && ip addr add 192.0.2.1/24 dev v0',
    `timeout 4 ${KEEPALIVED} -n -l -P -f ${conf} -p ${dir}/k.pid -r ${dir}/v.pid 2>&1 || true`,
  ].join(' && ')
  const out = execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 })
  return [...out.matchAll(/Script (\/nonexist\/.*?) cannot be accessed/g)].map((m) => m[1] as string).sort()
}

t.test('escapes in script lines decode as keepalived decodes them', { skip: skip ?? (process.getuid?.() === 0 ? undefined : 'needs root (a network namespace)') }, async (t) => {
  const dir = t.testdir({})
  const scripts = [
    '"/nonexist/e1\\x41\\tb c"', "'/nonexist/e2\\tz'", '/nonexist/e3\\x42', '"/nonexist/e4\\101\\cA"', '"/nonexist/e5 arg"',
    '"/nonexist/e6\\\\tq"', '"/nonexist/e7\\"q"', '"/nonexist/e8\\n"', '"/nonexist/e9\\E\\a\\v\\f\\r\\b"', "\"/nonexist/e10'x'\"",
  ]
  const conf = join(dir, 'k.conf')
  writeFileSync(
    conf,
    [
      'global_defs {', '  enable_script_security', '  script_user root', '}',
      ...scripts.flatMap((s, i) => [`vrrp_script chk${i} {`, `  script ${s}`, '}']),
      'vrrp_instance VI_1 {', '  interface v0', '  virtual_router_id 51', '  priority 100', '  notify "/nonexist/n1\\\\tz arg"',
      '  track_script {', ...scripts.map((_, i) => `    chk${i}`), '  }', '  virtual_ipaddress {', '    192.0.2.100', '  }', '}', '',
    ].join('\n'),
  )
  const theirs = keepalivedScriptPaths(dir, conf)
  t.ok(theirs.length >= scripts.length, `keepalived named ${theirs.length} scripts`)
  // The command lines as the keyword handlers take them (vrrpScriptLine, notifyLine),
  // straight from the tree: the model drops scripts whose file is missing, as keepalived does.
  const sink = new DiagnosticSink()
  const reader = new ConfigReader(sink, { configId: 'h1' })
  reader.readFile(conf)
  const commands: string[] = []
  const ctx = { sink, interfaceExists: () => true }
  const walk = (nodes: Node[]): void => {
    for (const n of nodes) {
      if (n.keyword === 'script') commands.push(vrrpScriptLine(n, ctx) ?? '')
      if (n.keyword === 'notify') commands.push(notifyLine(n, ctx)?.command ?? '')
      if (n.children) walk(n.children)
    }
  }
  walk(buildTree(reader.lines, sink))
  const ours = commands
    .map((line) => splitCommandLine(line)[0] ?? '')
    .filter((argv0) => argv0 !== '') // a line keepalived cannot split: it removes the script
    .sort()
  t.same(ours, theirs)
})

t.test('include of a device, FIFO, directory or executable: keepalived\'s message and exit code', { skip }, async (t) => {
  const dir = t.testdir({ d: {}, 'exec.conf': 'x\n' })
  chmodSync(join(dir, 'exec.conf'), 0o755)
  execFileSync('mkfifo', [join(dir, 'fifo')])
  const targets = ['/dev/zero', '/dev/urandom', join(dir, 'fifo'), join(dir, 'd'), join(dir, 'exec.conf')]
  for (const target of targets) {
    const main = join(dir, 'main.conf')
    writeFileSync(main, `global_defs {\n}\ninclude ${target}\n`)
    const k = spawnSync(KEEPALIVED, ['-t', '-f', main], { encoding: 'utf8', timeout: 20_000 })
    const theirs = /^\(Line 3\) (Configuration file .*)$/m.exec(`${k.stdout}${k.stderr}`)?.[1]
    const ours = loadConfig(main, { configId: 'h1', interfaceExists: () => true })
    const mine = ours.diagnostics.find((d) => d.line === 3)
    t.ok(theirs, `keepalived names ${target}`)
    t.equal(mine?.message, theirs?.replace(/^Configuration/, 'configuration'), target)
    t.equal(mine?.severity, 'warning', 'a warning, as keepalived: the include is skipped')
    t.equal(k.status, 0, 'keepalived -t exits 0')
  }
})
