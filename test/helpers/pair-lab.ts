/**
 * Shared pieces of the vrrpd pair lab tests (vrrpd-pair, vrrpd-wire,
 * vrrpd-bad-packets): a VRRP config for a host, the addresses on its lab
 * interface, and a neighbour entry on the client for the VIP.
 */
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
