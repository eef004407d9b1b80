// The demo lab's own namespace builder: hosts on one bridge, nothing left behind.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { LabNetwork, pruneStaleNamespaces, run } from '../../src/lab/netns.js'
import { requireRoot } from '../helpers/netns.js'

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean)

if (requireRoot(t)) {
  t.test('hosts talk over the bridge and teardown removes everything', async (t) => {
    const net = await LabNetwork.create({ hosts: ['one', 'two'] })
    t.teardown(() => net.teardown())
    t.equal(net.ip('one'), '10.77.0.11')
    t.equal(net.ip('two'), '10.77.0.12')
    t.match(net.mac('two'), /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
    t.same(await net.addresses('one'), ['10.77.0.11'])
    t.ok(net.prefix.startsWith(`vrt-lab-${process.pid}-`), 'names carry our pid')
    const ours = namespaces().filter((n) => n.startsWith(net.prefix))
    t.equal(ours.length, 3, 'two hosts and the bridge')
    t.throws(() => net.ip('three'), /no host three/)

    // A TCP connection from one to two resolves two's MAC in one's neighbour table.
    const server = net.spawn('two', 'listener', process.execPath, ['-e', `require('net').createServer((s) => s.end('hi')).listen(7777, () => console.log('up'))`])
    await server.waitForLog(/up/, 5000)
    const fetch = await net.exec('one', process.execPath, ['-e', `require('net').connect(7777, '${net.ip('two')}').on('data', (d) => process.stdout.write(d))`])
    t.equal(fetch.stdout, 'hi')
    t.equal((await net.neighbour('one', net.ip('two'))).mac, net.mac('two'))
    t.same(await net.neighbour('one', '10.77.0.99'), {}, 'no entry for an unknown address')

    await net.teardown()
    t.equal(server.running, false, 'teardown stopped the spawned process')
    t.same(namespaces().filter((n) => n.startsWith(net.prefix)), [], 'no namespace left')
  })

  t.test('namespaces of a dead run are pruned, live ones are kept', async (t) => {
    // Find a pid that is not running.
    let dead = 4_000_000
    for (;;) {
      try {
        process.kill(dead, 0)
        dead++
      } catch {
        break
      }
    }
    const stale = `vrt-lab-${dead}-0-x`
    const live = `vrt-lab-${process.pid}-99-x`
    await run('ip', ['netns', 'add', stale])
    await run('ip', ['netns', 'add', live])
    t.teardown(async () => {
      await run('ip', ['netns', 'del', stale])
      await run('ip', ['netns', 'del', live])
    })
    const removed = await pruneStaleNamespaces()
    t.ok(removed.includes(stale), 'the dead run is pruned')
    t.notOk(removed.includes(live), 'ours is kept')
    t.ok(namespaces().includes(live))
    t.notOk(namespaces().includes(stale))
  })
}
