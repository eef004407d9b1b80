import t from 'tap'
import { exitCodeFor, formatDiagnostic, sortDiagnostics } from '../../src/config/diagnostics.js'
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
