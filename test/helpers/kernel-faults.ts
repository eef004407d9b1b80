/**
 * Faults the kernel can do to a running router, for lab tests and the soak:
 *
 *     await recycleInterface(lab, 'a')          // eth0 deleted, then created again (new ifindex)
 *     await deleteAddress(lab, 'a', vip)        // `ip addr del VIP/24 dev eth0` behind the daemon's back
 *
 * recycleInterface rebuilds the host's lab link as createLab made it: the veth
 * pair to the bridge, the same MAC and address, up. Only its ifindex changes,
 * as with a VLAN or bond rebuilt, or a VM NIC hot-plugged.
 */
import { execFile } from 'node:child_process'
import type { Lab } from './netns.js'

function ip(ns: string, args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    execFile('ip', ['-n', ns, ...args], (error, _out, stderr) => (error ? reject(new Error(`ip -n ${ns} ${args.join(' ')}: ${stderr.trim()}`)) : resolve())),
  )
}

/** The ifindex of `host`'s lab interface now. */
export async function currentIfindex(lab: Lab, host: string): Promise<number | undefined> {
  const r = await lab.exec(host, 'ip', ['-j', 'link', 'show', lab.iface(host)], { allowFail: true })
  if (r.code !== 0) return undefined
  return (JSON.parse(r.stdout) as { ifindex: number }[])[0]?.ifindex
}

/**
 * Deletes `host`'s lab interface (and its bridge-side peer), waits `downMs`, and
 * creates it again with the same name, MAC and address. Resolves when it is up.
 */
export async function recycleInterface(lab: Lab, host: string, opts: { downMs?: number } = {}): Promise<void> {
  const ns = lab.netns(host)
  const bridge = lab.netns('bridge')
  const peer = `v-${host}`
  const iface = lab.iface(host)
  await ip(ns, ['link', 'del', iface])
  if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs))
  await ip(bridge, ['link', 'add', peer, 'type', 'veth', 'peer', 'name', iface, 'netns', ns, 'address', lab.mac(host)])
  await ip(bridge, ['link', 'set', peer, 'master', 'br0', 'up'])
  await ip(ns, ['addr', 'add', `${lab.ip(host)}/${lab.prefixLength}`, 'dev', iface])
  await ip(ns, ['link', 'set', iface, 'up'])
}

/** `ip addr del ADDRESS/24 dev eth0` on `host`, as a DHCP client or a network manager would. */
export async function deleteAddress(lab: Lab, host: string, address: string): Promise<void> {
  await lab.exec(host, 'ip', ['addr', 'del', `${address}/${lab.prefixLength}`, 'dev', lab.iface(host)])
}
