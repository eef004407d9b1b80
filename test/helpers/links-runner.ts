/**
 * Runs src/io/links.ts with the real rtnetlink monitor inside a lab namespace
 * (`lab.node(host, 'test/helpers/links-runner.ts', [names...])`): prints one JSON
 * line `{ get }` with the first interface's `get()`, then `{ view }` for every
 * view `watch` reports, and stops at EOF on stdin (or SIGTERM). The ip fallback
 * is disabled, so a view cannot come from `ip`.
 */
import { createLinks } from '../../src/io/links.js'

const names = process.argv.slice(2)
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`)
const links = createLinks({
  run: async () => {
    throw new Error('ip fallback used')
  },
  log: { debug() {}, info() {}, warn: (_o: unknown, m?: string) => print({ warn: m }), error: (_o: unknown, m?: string) => print({ error: m }) } as never,
})
print({ get: (await links.get(names[0]!)) ?? null })
links.watch(names, (info, name) => print({ name, view: info ?? null }))
const stop = () => links.close()
process.stdin.on('end', stop).resume()
process.on('SIGTERM', stop)
