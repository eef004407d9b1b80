// Runs every test with tap and ends with one plain summary line
// ("N passed, N failed, N skipped") that CI reads. Extra arguments go to tap.
import { spawn } from 'node:child_process'

const args = ['tap', ...process.argv.slice(2)]
const child = spawn('npx', args, { stdio: ['inherit', 'pipe', 'inherit'] })
let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk.toString()).slice(-4096)
})
child.on('close', (code) => {
  // tap's closing line: "# { total: 12, pass: 11, fail: 1, skip: 0 }"
  const m = /#\s*\{([^}]*)\}\s*$/m.exec(tail.replace(/\n# time=.*$/m, ''))
  const field = (name) => Number((m?.[1].match(new RegExp(`${name}: (\\d+)`)) ?? [])[1] ?? 0)
  if (m) console.log(`\ntests: ${field('pass')} passed, ${field('fail')} failed, ${field('skip') + field('todo')} skipped`)
  process.exit(code ?? 1)
})
