import t from 'tap'
import { StepPrinter, rel } from '../../src/lab/steps.js'

t.test('steps are numbered and marked ✔ or ✘ with the reason', async (t) => {
  const out: string[] = []
  const s = new StepPrinter((l) => out.push(l))
  t.equal(await s.run('first', async () => s.note('detail')), true)
  t.equal(await s.run('second', async () => {
    throw new Error('went wrong\nmore context')
  }), false)
  t.equal(out[0], ' 1. first')
  t.equal(out[1], '     detail')
  t.match(out[2], /^     ✔ ok \(\d+ ms\)$/)
  t.equal(out[3], ' 2. second')
  t.match(out[4], /^     ✘ failed \(\d+ ms\): went wrong$/)
  t.equal(out[5], '       more context')
  t.match(s.results, [{ n: 1, ok: true }, { n: 2, ok: false, error: 'went wrong\nmore context' }])
})

t.test('relative times are aligned', async (t) => {
  t.equal(rel(1234.4, 0), '  +1234 ms')
  t.equal(rel(5, 5), '     +0 ms')
})
