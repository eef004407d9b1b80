import t from 'tap'
import { Definitions } from '../../src/config/macros.js'
import { parseLst, parseSeq, strtol, type LineSequence } from '../../src/config/sequences.js'

const defs = (): Definitions => new Definitions({ configId: 'h1', currentDir: () => '/' })
const drain = (seq: LineSequence, max = 100): string[] => {
  const out: string[] = []
  for (let v = seq.next(); v && out.length < max; v = seq.next()) out.push(`${v.assign.map(([k, x]) => `${k}=${x}`).join(',')}:${v.text}`)
  return out
}

t.test('strtol: base 0, sign, saturation, no digits', async (t) => {
  t.same(strtol(' 42)', 0), [42n, 3])
  t.same(strtol('0x1f,', 0), [31n, 4])
  t.same(strtol('010', 0), [8n, 3])
  t.same(strtol('-7', 0), [-7n, 2])
  t.same(strtol('0x', 0), [0n, 1], '0x without a hex digit is just 0')
  t.same(strtol(',', 0), [0n, 0], 'no number: the end is the start')
  t.same(strtol('9'.repeat(100), 0)[0], (1n << 63n) - 1n, 'saturates at LONG_MAX')
})

t.test('~SEQ forms', async (t) => {
  const seq = (line: string): string[] => {
    const p = parseSeq(line, defs())
    return p.ok ? drain(p.seq) : [p.error]
  }
  t.same(seq('~SEQ(i, 3) x'), ['i=1:x', 'i=2:x', 'i=3:x'])
  t.same(seq('~SEQ(i, -2) x'), ['i=-1:x', 'i=-2:x'])
  t.same(seq('~SEQ(i, 5, 3) x'), ['i=5:x', 'i=4:x', 'i=3:x'])
  t.same(seq('~SEQx(i, 9, 3, 16) x'), ['i=9:x', 'i=c:x', 'i=f:x'])
  t.same(seq('~SEQ(i, 1, 0, 3) x'), ["invalid ~SEQ values '~SEQ(i, 1, 0, 3) x'"])
  t.same(seq('~SEQx(i, -1, 2) x'), ["~SEQx is only valid for positive numbers '~SEQx(i, -1, 2) x'"])
  t.same(seq(`~SEQ(i, ${'1'.repeat(70)}) x`), [`~SEQ parameter strings too long '~SEQ(i, ${'1'.repeat(70)}) x'`])
  const big = parseSeq('~SEQ(i, 1, 1000000000000000000) x', defs())
  t.ok(big.ok && drain(big.seq, 3).length === 3, 'a huge sequence is lazy: nothing is built up front')
})

t.test('~LST forms', async (t) => {
  const lst = (line: string): string[] => {
    const p = parseLst(line)
    return p.ok ? drain(p.seq) : [p.error]
  }
  t.same(lst('~LST(v, a, b) x'), ['v=a:x', 'v=b:x'])
  t.same(lst('~LST({p, q}, {1, 2}, {3}, 4) x'), ['p=1,q=2:x', 'p=3,q=:x', 'p=4,q=:x'])
  t.same(lst('~LST({p}, {1, 2}) x'), ["~LST specification has too many values '~LST({p}, {1, 2}) x'"])
  t.same(lst('~LST(a, 1, 2'), ["invalid ~LST specification '~LST(a, 1, 2'"])
})
