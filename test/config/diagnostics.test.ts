import t from 'tap'
import { DiagnosticSink, MAX_LISTED_DIAGNOSTICS, exitCodeFor, formatDiagnostic, sortDiagnostics } from '../../src/config/diagnostics.js'
import type { Diagnostic } from '../../src/config/model.js'

const d = (file: string, line: number, severity: Diagnostic['severity'], message = 'm'): Diagnostic => ({ file, line, severity, message })

t.test('formatDiagnostic: FILE:LINE: severity: message; fatal prints as error', async (t) => {
  t.equal(formatDiagnostic(d('k.conf', 3, 'warning', 'x')), 'k.conf:3: warning: x')
  t.equal(formatDiagnostic(d('k.conf', 3, 'error', 'x')), 'k.conf:3: error: x')
  t.equal(formatDiagnostic(d('k.conf', 0, 'fatal', 'x')), 'k.conf: error: x')
})

t.test('exit codes as keepalived 2.2.7: fatal 4 > security 6 > errors 5 > ok 0', async (t) => {
  t.equal(exitCodeFor([d('a', 1, 'warning')], false), 0)
  t.equal(exitCodeFor([d('a', 1, 'error')], false), 5)
  t.equal(exitCodeFor([d('a', 1, 'error')], true), 6)
  t.equal(exitCodeFor([d('a', 1, 'fatal'), d('a', 1, 'error')], true), 4)
  t.equal(exitCodeFor([], false), 0)
})

t.test('sortDiagnostics: files in first-seen order, lines ascending, whole-file last', async (t) => {
  const items = [d('b', 5, 'error', '1'), d('a', 0, 'warning', '2'), d('a', 9, 'error', '3'), d('b', 2, 'error', '4'), d('a', 1, 'error', '5')]
  t.same(sortDiagnostics(items).map((x) => x.message), ['4', '1', '5', '3', '2'])
})

t.test('past the cap, errors and warnings are counted in one closing line; fatal and always-listed ones still listed', async (t) => {
  const sink = new DiagnosticSink()
  for (let i = 1; i <= MAX_LISTED_DIAGNOSTICS + 500; i++) sink.warning({ file: 'k.conf', line: i }, `unknown keyword 'x${i}'`)
  t.equal(sink.items.length, MAX_LISTED_DIAGNOSTICS + 1, 'the first ones listed, then one summary')
  const summary = sink.items[MAX_LISTED_DIAGNOSTICS]!
  t.equal(summary.severity, 'warning')
  t.equal(formatDiagnostic(summary), "k.conf: warning: 500 more problems not listed (0 of them errors); only the first 1000 are")
  t.equal(exitCodeFor(sink.items, false), 0, 'warnings alone stay exit 0')

  sink.error({ file: 'k.conf', line: 2000 }, 'bad value')
  t.equal(sink.items.length, MAX_LISTED_DIAGNOSTICS + 1, 'an unlisted error is counted')
  t.equal(summary.severity, 'error', 'the summary becomes an error')
  t.match(summary.message, /^501 more problems not listed \(1 of them errors\)/)
  t.equal(exitCodeFor(sink.items, false), 5, 'an unlisted error still gives exit 5')

  sink.errorAlways({ file: 'k.conf', line: 2001 }, 'more than 50000 config lines')
  sink.fatal({ file: 'k.conf', line: 2002 }, 'unbalanced braces')
  t.same(sink.items.slice(-2).map((x) => x.message), ['more than 50000 config lines', 'unbalanced braces'], 'listed past the cap')
  t.equal(exitCodeFor(sink.items, false), 4)
  t.same(JSON.parse(JSON.stringify(summary)), { file: 'k.conf', line: 0, severity: 'error', message: summary.message }, 'serialises as a plain diagnostic')
  t.equal(structuredClone(summary).message, summary.message, 'and crosses a worker boundary')
})
