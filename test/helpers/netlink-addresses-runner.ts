/**
 * Runs src/io/netlink-addresses.ts inside a lab namespace
 * (`lab.node(host, 'test/helpers/netlink-addresses-runner.ts', [ops])`): argv[2]
 * is a JSON list of `{ op: 'add' | 'remove', vip }`, run in order on one
 * manager whose `ip` fallback is disabled (so a result cannot come from `ip`);
 * prints one JSON line: the outcomes, or `{ thrown }` if anything threw.
 */
import { createNetlinkAddressManager } from '../../src/io/netlink-addresses.js'
import type { VipEntry } from '../../src/config/model.js'

const ops = JSON.parse(process.argv[2] ?? '[]') as { op: 'add' | 'remove'; vip: VipEntry }[]
const refuse = async (): Promise<never> => {
  throw new Error('fallback used')
}
const m = createNetlinkAddressManager({ fallback: { add: refuse, remove: refuse, has: refuse } })
const results: unknown[] = []
try {
  for (const { op, vip } of ops) results.push(op === 'add' ? await m.add(vip) : await m.remove(vip))
  process.stdout.write(`${JSON.stringify({ results })}\n`)
} catch (error) {
  process.stdout.write(`${JSON.stringify({ thrown: String(error) })}\n`)
}
m.close()
