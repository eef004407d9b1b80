/**
 * The test side of test/helpers/io-agent.ts: starts the agent in a lab host and
 * collects what it reports.
 */
import { createInterface } from 'node:readline'
import type { Lab } from './netns.js'
import { waitFor } from './netns.js'

export interface AgentEvent {
  event: string
  [key: string]: unknown
}

export interface Agent {
  /** Everything the agent reported, in order. */
  readonly events: AgentEvent[]
  /** Received packets (event 'packet'). */
  packets(): AgentEvent[]
  /** Sends a command and resolves with the next event of kind `reply`. */
  request(cmd: object, reply: string): Promise<AgentEvent>
  stop(): Promise<void>
}

const AGENT = new URL('./io-agent.ts', import.meta.url).pathname

/** Starts an io agent in `host` and waits until its transports are open. */
export async function startAgent(lab: Lab, host: string, config: object): Promise<Agent> {
  const child = lab.node(host, AGENT, [JSON.stringify(config)])
  const events: AgentEvent[] = []
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as AgentEvent)
    } catch {
      events.push({ event: 'stdout', line })
    }
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitFor(`agent in ${host} to start (stderr: ${stderr})`, () => {
    if (child.exitCode !== null) throw new Error(`agent in ${host} exited ${child.exitCode}: ${stderr} ${JSON.stringify(events)}`)
    return events.some((e) => e.event === 'ready' || e.event === 'error')
  }, 30_000)
  const failed = events.find((e) => e.event === 'error')
  if (failed) throw new Error(`agent in ${host}: ${String(failed.error)}`)

  return {
    events,
    packets: () => events.filter((e) => e.event === 'packet'),
    async request(cmd, reply) {
      const seen = events.length
      child.stdin!.write(`${JSON.stringify(cmd)}\n`)
      return waitFor(`agent reply ${reply}`, () => events.slice(seen).find((e) => e.event === reply))
    },
    async stop() {
      if (child.exitCode !== null) return
      child.stdin!.write(`${JSON.stringify({ op: 'exit' })}\n`)
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
    },
  }
}
