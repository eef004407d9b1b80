/**
 * Shared pieces of the vrrpd pair lab tests (vrrpd-pair, vrrpd-wire,
 * vrrpd-bad-packets): a VRRP config for a host, the addresses on its lab
 * interface, a neighbour entry on the client for the VIP, and the driver of
 * test/helpers/pair-injector.ts (crafted packets from a third host).
 */
import { createInterface } from 'node:readline'
import { renderKeepalivedConf, type InstanceConfig } from './keepalived.js'
import type { Lab } from './netns.js'
import { waitFor } from './netns.js'

/** One VI_1 config for `host` with the VIP as /24 (VRRPv2 PASS "s3cret" unless `over` says otherwise). */
export function pairConf(lab: Lab, host: string, priority: number, vip: string, over: Partial<InstanceConfig> = {}): string {
  return renderKeepalivedConf({ iface: lab.iface(host), priority, vips: [`${vip}/24`], authPass: 's3cret', ...over })
}

/** Whether `ip` is configured on `host`'s lab interface (`ip addr` in its namespace). */
export async function hasAddress(lab: Lab, host: string, ip: string): Promise<boolean> {
  const r = await lab.exec(host, 'ip', ['-4', '-o', 'addr', 'show', 'dev', lab.iface(host)])
  return r.stdout.split('\n').some((line) => line.includes(` ${ip}/`))
}

/** The hosts of `hosts` that carry `ip` right now. */
export async function holders(lab: Lab, hosts: string[], ip: string): Promise<string[]> {
  const out: string[] = []
  for (const h of hosts) if (await hasAddress(lab, h, ip)) out.push(h)
  return out
}

/**
 * Give `client` a neighbour entry for `ip` by talking to it (a TCP connect
 * with curl: there is no ping on CI images, and a refused connection resolves
 * the address just as well): Linux with
 * arp_accept=0 updates existing entries from gratuitous ARP but never creates
 * them, so a GARP test needs one first. Returns the entry's MAC.
 */
export async function learnNeighbour(lab: Lab, client: string, ip: string, timeoutMs = 5000): Promise<string> {
  return waitFor(`${client} to learn a neighbour entry for ${ip}`, async () => {
    await lab.exec(client, 'curl', ['-s', '--connect-timeout', '1', `http://${ip}:9/`], { allowFail: true })
    return lab.neighbour(client, ip)
  }, timeoutMs, 100)
}

/** A running test/helpers/pair-injector.ts. */
export interface Injector {
  /** Sends one whole IPv4 packet (header included) and resolves once it left. */
  send(packet: Buffer, destination?: string): Promise<void>
  stop(): Promise<void>
}

const INJECTOR = new URL('./pair-injector.ts', import.meta.url).pathname

/** Starts the packet injector in `host` on its lab interface. */
export async function startInjector(lab: Lab, host: string): Promise<Injector> {
  const child = lab.node(host, INJECTOR, [lab.iface(host), String(lab.ifindex(host))])
  const events: { event: string; ok?: boolean; error?: string }[] = []
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as (typeof events)[number])
    } catch {
      events.push({ event: 'stdout', error: line })
    }
  })
  await waitFor(`the injector in ${host} to start`, () => {
    if (child.exitCode !== null) throw new Error(`injector in ${host} exited ${child.exitCode}: ${stderr}`)
    return events.some((e) => e.event === 'ready' || e.event === 'error')
  }, 30_000)
  const failed = events.find((e) => e.event === 'error')
  if (failed) throw new Error(`injector in ${host}: ${failed.error}`)
  return {
    async send(packet, destination = '224.0.0.18') {
      const seen = events.length
      child.stdin!.write(`${JSON.stringify({ packet: packet.toString('hex'), destination })}\n`)
      const reply = await waitFor('the injector to send', () => events.slice(seen).find((e) => e.event === 'sent'), 5000, 5)
      if (!reply.ok) throw new Error(`injector send failed: ${reply.error}`)
    },
    async stop() {
      if (child.exitCode !== null) return
      child.stdin!.write(`${JSON.stringify({ op: 'exit' })}\n`)
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 3000))])
    },
  }
}
