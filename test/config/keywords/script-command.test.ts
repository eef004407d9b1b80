// keepalived's split of a script line: word 1 is the command, words 2 and 3 of a
// notify line the user and group (checked against keepalived in test/lab/notify-user.test.ts).
import t from 'tap'
import { DiagnosticSink } from '../../../src/config/diagnostics.js'
import { buildTree } from '../../../src/config/tree.js'
import { notifyLine, vrrpScriptLine } from '../../../src/config/keywords/script-command.js'
import { splitCommandLine } from '../../../src/config/tokenize.js'

const parse = (text: string) => {
  const sink = new DiagnosticSink()
  const [node] = buildTree([{ text, at: { file: 'f', line: 1 } }], sink)
  const ctx = { sink, interfaceExists: () => true }
  return { node: node!, ctx, msgs: () => sink.items.map((d) => `${d.severity}: ${d.message}`) }
}

t.test('notify: unquoted, the word after the command is the user', async (t) => {
  const p = parse('notify /path/script root')
  t.same(notifyLine(p.node, p.ctx), { command: '/path/script', user: { user: 'root' } })
  const g = parse('notify_master "/path/script a \'b c\'" nobody nogroup')
  const line = notifyLine(g.node, g.ctx)
  t.same(line, { command: "/path/script a 'b c'", user: { user: 'nobody', group: 'nogroup' } })
  t.same(splitCommandLine(line!.command), ['/path/script', 'a', 'b c'], 'the quoted command is split into argv')
  t.same(notifyLine(parse('notify /x').node, parse('notify /x').ctx), { command: '/x' })
  const extra = parse('notify /x u g more')
  notifyLine(extra.node, extra.ctx)
  t.match(extra.msgs(), [/^warning: notify: words after the group 'g' are ignored/])
})

t.test('script: word 1 only, with a warning for the rest', async (t) => {
  const q = parse('script "/usr/bin/pgrep nginx"')
  t.equal(vrrpScriptLine(q.node, q.ctx), '/usr/bin/pgrep nginx')
  t.same(q.msgs(), [])
  const u = parse('script /usr/bin/pgrep nginx')
  t.equal(vrrpScriptLine(u.node, u.ctx), '/usr/bin/pgrep')
  t.match(u.msgs(), [/^warning: script: only '\/usr\/bin\/pgrep' is run, as keepalived does/])
  const m = parse('script')
  t.equal(vrrpScriptLine(m.node, m.ctx), undefined)
  t.match(m.msgs(), [/^fatal: script needs a value/])
})

t.test('the line is decoded once, the command again into argv, as keepalived (notify_script_init, set_script_params_array)', async (t) => {
  const argv = (text: string, line: (p: ReturnType<typeof parse>) => string | undefined) => {
    const p = parse(text)
    const command = line(p)
    return command === undefined ? undefined : splitCommandLine(command)
  }
  const notify = (p: ReturnType<typeof parse>) => notifyLine(p.node, p.ctx)?.command
  const script = (p: ReturnType<typeof parse>) => vrrpScriptLine(p.node, p.ctx)
  // `\\t` survives the first decoding as `\t`, which the second makes a tab inside the word.
  t.same(argv('script "/bin/echo a\\\\tb"', script), ['/bin/echo', 'a\tb'])
  // `\t` is a tab after the first decoding: the second splits on it.
  t.same(argv('notify "/bin/echo a\\tb \\x41"', notify), ['/bin/echo', 'a', 'b', 'A'])
  // `\"` inside the quotes is a quote of the command, which quotes again.
  t.same(argv('notify "/bin/echo \\"q r\\"\\\\n"', notify), ['/bin/echo', 'q r\n'])
  t.same(argv("script '/bin/sh -c \"x y\"'", script), ['/bin/sh', '-c', 'x y'])
  t.same(argv('script "/bin/sh" "-c" "x"', script), ['/bin/sh'], 'word 1 only')
  // The user and group are words of the decoded line too.
  const p = parse('notify_master "/x y" "ro""ot" \\x72oot')
  t.same(notifyLine(p.node, p.ctx), { command: '/x y', user: { user: 'root', group: 'root' } })
})
