// AF_UNIX datagram sockets through libc: the transport of systemd's notify protocol.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openUnixDatagram, sockaddrUn } from '../../src/io/unix-datagram.js'

t.test('sockaddr_un: a path ends in NUL, an abstract name starts with one', async (t) => {
  const path = sockaddrUn('/run/x.sock')
  t.equal(path.addr.readUInt16LE(0), 1, 'AF_UNIX')
  t.equal(path.len, 2 + '/run/x.sock'.length + 1)
  t.equal(path.addr.subarray(2, path.len).toString('latin1'), '/run/x.sock\0')
  const abstract = sockaddrUn('@vrrpd/notify')
  t.equal(abstract.len, 2 + 1 + 'vrrpd/notify'.length, 'no trailing NUL: abstract names are length-delimited')
  t.equal(abstract.addr[2], 0)
  t.equal(abstract.addr.subarray(3, abstract.len).toString('latin1'), 'vrrpd/notify')
  t.throws(() => sockaddrUn(`/${'x'.repeat(200)}`), /too long/)
})

t.test('datagrams reach a bound socket, by path and in the abstract namespace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrt-unixdg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const name of [join(dir, 'notify.sock'), `@vrt-unixdg-${process.pid}-${Date.now()}`]) {
    const server = openUnixDatagram(name)
    const client = openUnixDatagram()
    t.equal(server.tryReceive(), undefined, 'nothing waiting yet')
    t.same(client.send(name, Buffer.from('READY=1')), { ok: true })
    t.same(client.send(name, Buffer.from('STATUS=two')), { ok: true })
    t.equal(server.tryReceive()?.toString(), 'READY=1', 'in order')
    t.equal(server.tryReceive()?.toString(), 'STATUS=two')
    client.close()
    server.close()
  }
  const lonely = openUnixDatagram()
  const sent = lonely.send(join(dir, 'nobody.sock'), Buffer.from('x'))
  t.equal(sent.ok, false, 'a socket nobody listens on is reported, not thrown')
  t.match(sent.ok ? '' : sent.error, /No such file/)
  lonely.close()
})
