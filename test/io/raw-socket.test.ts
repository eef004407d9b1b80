import t from 'tap'
// The structs it re-exports are tested in ipv4-socket.test.ts.
import { loadRawSocket } from '../../src/io/raw-socket.js'

t.test('raw-socket loads (CommonJS from ESM) and is loaded once', async (t) => {
  const raw = loadRawSocket()
  t.notOk(raw instanceof Error, raw instanceof Error ? raw.message : 'loaded')
  t.equal(loadRawSocket(), raw)
  if (!(raw instanceof Error)) t.equal(raw.AddressFamily.IPv4, 1)
})
