// vrrpd's own wording for the broken configs (FILE:LINE, every problem at once): each
// test/fixtures/config/broken/*.conf comes with a
// .expected file holding the exact diagnostic lines and exit code. Whether that exit
// code is keepalived's is checked against keepalived itself in corpus.test.ts.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatDiagnostic, loadConfig } from '../../src/config/index.js'

const dir = fileURLToPath(new URL('../fixtures/config/broken', import.meta.url))
const interfaceExists = (n: string): boolean => n === 'eth0' || n === 'eth1'
const cases = readdirSync(dir).filter((f) => f.endsWith('.conf')).sort()

t.ok(cases.length >= 20, 'the corpus has at least 20 broken configs')
for (const name of cases) {
  t.test(name, async (t) => {
    const expected = readFileSync(join(dir, name.replace(/\.conf$/, '.expected')), 'utf8').trimEnd().split('\n')
    const r = loadConfig(join(dir, name), { configId: 'h1', interfaceExists })
    const got = [`exit ${r.exitCode}`, ...r.diagnostics.map((d) => formatDiagnostic(d).split(dir + '/').join(''))]
    t.same(got, expected)
  })
}
