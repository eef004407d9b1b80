/**
 * A process run inside a lab namespace (`lab.node(host, 'test/helpers/io-agent.ts', [config])`)
 * that drives the real io adapters there and talks JSON lines:
 *
 *   argv[2]: { transports?: [{ interface, ifindex, multicastGroup, unicastPeers }] }
 *   stdin:   { op: 'send', interface, payload (hex), source, destination }
 *            { op: 'garp', iface: { name, index, mac }, address, count }
 *            { op: 'na', iface: { name, index, mac }, address } (unsolicited Neighbor Advertisement)
 *            { op: 'exit' }
 *   stdout:  { event: 'ready' } | { event: 'packet', ...ReceivedPacket, payload (hex) }
 *            { event: 'sent', ok, error? } | { event: 'garp', ok, error?, msPerSend }
 *            { event: 'error', error }
 */
import { createInterface } from 'node:readline'
import type { RawAdvertTransport } from '../../src/io/advert-transport.js'
import { openTransportFor } from '../../src/io/open-transport.js'
import { createGarpSender } from '../../src/io/garp-sender.js'
import { createNaSender } from '../../src/io/na-sender.js'

interface AgentConfig {
  /** family defaults to 4. */
  transports?: { interface: string; ifindex: number; multicastGroup: string; unicastPeers: string[]; family?: 4 | 6 }[]
}

const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`)

const config = JSON.parse(process.argv[2] ?? '{}') as AgentConfig
const transports = new Map<string, RawAdvertTransport>()
try {
  for (const c of config.transports ?? []) {
    const tr = openTransportFor({ ...c, family: c.family ?? 4 })
    tr.onPacket((p) => out({ event: 'packet', ...p, payload: p.payload.toString('hex') }))
    transports.set(c.interface, tr)
  }
} catch (error) {
  out({ event: 'error', error: (error as Error).message })
  process.exit(1)
}
const garp = createGarpSender()
const na = createNaSender()

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as Record<string, unknown>
  if (cmd.op === 'send') {
    const tr = transports.get(cmd.interface as string)
    if (!tr) return out({ event: 'sent', ok: false, error: `no transport on ${String(cmd.interface)}` })
    out({ event: 'sent', ...tr.send(Buffer.from(cmd.payload as string, 'hex'), cmd.source as string, cmd.destination as string) })
  } else if (cmd.op === 'garp') {
    const count = (cmd.count as number | undefined) ?? 1
    let result: { ok: boolean; error?: string } = { ok: true }
    const start = process.hrtime.bigint()
    for (let i = 0; i < count && result.ok; i++) result = garp.send(cmd.iface as { name: string; index: number; mac: string }, cmd.address as string)
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    out({ event: 'garp', ...result, msPerSend: ms / count })
  } else if (cmd.op === 'na') {
    out({ event: 'na', ...na.send(cmd.iface as { name: string; index: number; mac: string }, cmd.address as string) })
  } else if (cmd.op === 'exit') {
    for (const tr of transports.values()) tr.close()
    garp.close()
    na.close()
    process.exit(0)
  }
})
out({ event: 'ready' })
