/**
 * Switch ports of a lab (test/helpers/netns.ts) that block traffic without
 * taking the link down: a bridge port in the "disabled" STP state forwards
 * nothing, while the host's interface keeps its carrier (a cable cut behind a
 * switch, or a switch port shut down). Also a second LAN (`eth1` in each host,
 * on a bridge of its own) for sync-group tests.
 *
 *     await secondLan(lab, ['h1', 'h2'], '192.168.77')   // h1 .1, h2 .2 on eth1
 *     await setPort(lab, 'h1', 'eth1', false)              // h1's eth1 hears nobody, carrier kept
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Lab } from './netns.js'

const run = promisify(execFile)

/** The bridge-side name of a host's port: `v-<host>` on the lab's br0 (eth0), `s1-<host>` on br1 (eth1). */
function portOf(host: string, iface: 'eth0' | 'eth1'): string {
  return iface === 'eth0' ? `v-${host}` : `s1-${host}`
}

/** A second LAN: bridge br1 in the lab's bridge namespace, `eth1` with `${subnet}.N` (N = 1, 2, ...) in each host. */
export async function secondLan(lab: Pick<Lab, 'netns' | 'exec'>, hosts: string[], subnet: string): Promise<void> {
  const br = lab.netns('bridge')
  await run('ip', ['-n', br, 'link', 'add', 'br1', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0'])
  await run('ip', ['-n', br, 'link', 'set', 'br1', 'up'])
  for (const [i, h] of hosts.entries()) {
    await run('ip', ['-n', br, 'link', 'add', portOf(h, 'eth1'), 'type', 'veth', 'peer', 'name', 'eth1', 'netns', lab.netns(h)])
    await run('ip', ['-n', br, 'link', 'set', portOf(h, 'eth1'), 'master', 'br1', 'up'])
    await lab.exec(h, 'ip', ['link', 'set', 'eth1', 'up'])
    await lab.exec(h, 'ip', ['addr', 'add', `${subnet}.${i + 1}/24`, 'dev', 'eth1'])
  }
}

/** Block (forwarding = false) or unblock a host's port; its interface keeps carrier either way. */
export async function setPort(lab: Pick<Lab, 'netns'>, host: string, iface: 'eth0' | 'eth1', forwarding: boolean): Promise<void> {
  await run('ip', ['netns', 'exec', lab.netns('bridge'), 'bridge', 'link', 'set', 'dev', portOf(host, iface), 'state', forwarding ? '3' : '0'])
}
