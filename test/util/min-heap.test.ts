// The binary min-heap behind the daemon's instance deadlines and the simulator's event queue.
import t from 'tap'
import { MinHeap } from '../../src/util/min-heap.js'

t.test('pops in order, ties in insertion order when the comparison says so', async (t) => {
  type Item = { at: number; seq: number }
  const h = new MinHeap<Item>((x, y) => x.at < y.at || (x.at === y.at && x.seq < y.seq))
  let seq = 0
  // A fixed pseudo-random sequence, with repeats.
  const ats = Array.from({ length: 500 }, (_, i) => (i * 7919) % 97)
  for (const at of ats) h.push({ at, seq: seq++ })
  t.equal(h.size, 500)
  const out: Item[] = []
  for (let x = h.pop(); x; x = h.pop()) out.push(x)
  const sorted = [...out].sort((x, y) => x.at - y.at || x.seq - y.seq)
  t.same(out, sorted, 'ascending by at, then by seq')
  t.equal(h.pop(), undefined, 'empty')
  t.equal(h.peek(), undefined)
})

t.test('peek leaves the item; reset rebuilds from any order', async (t) => {
  const h = new MinHeap<number>((x, y) => x < y)
  h.push(5)
  h.push(2)
  t.equal(h.peek(), 2)
  t.equal(h.size, 2)
  h.reset([9, 3, 7, 1])
  t.same([h.pop(), h.pop(), h.pop(), h.pop(), h.pop()], [1, 3, 7, 9, undefined])
  h.push(4)
  h.reset()
  t.equal(h.size, 0)
})
