// scripts/setup.sh (run by `npm run demo` and `npm test`) installs the Debian packages
// the lab needs; the README names them, so that nobody is surprised by what a demo
// installs. The two lists must stay the same.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8')

t.test("the README's package list is what setup.sh installs", async (t) => {
  const installed = [...read('scripts/setup.sh').matchAll(/need_apt\+=\(([a-z0-9.+-]+)\)/g)].map((m) => m[1]!)
  t.ok(installed.length >= 10, `${installed.length} packages in setup.sh`)
  const listed = /installs the\s+Debian packages the lab and the tests need when they are missing \(([^)]*)\)/.exec(read('README.md'))
  t.ok(listed, 'the README names the packages')
  const named = listed![1]!.split(',').map((p) => p.trim())
  t.same([...named].sort(), [...installed].sort())
})
