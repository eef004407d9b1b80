/**
 * Virtual addresses via `ip addr add/del`, idempotent: adding an address that is
 * already there, or removing one that is already gone, is success, so the
 * daemon can re-apply its view after a restart or a flap without special cases.
 */
import type { VipEntry } from '../config/model.js'
import { parseIpAddrJson } from './ip-json.js'
import { runIp, type IpRunner } from './ip-command.js'
import type { AddressManager } from './ports.js'

type Outcome = { ok: true } | { ok: false; error: string }

/** stderr of `ip addr add` when the address is already on the device. */
const ALREADY_PRESENT = [/File exists/i, /Address already assigned/i]
/** stderr of `ip addr del` when the address (or its device) is already gone. */
const ALREADY_GONE = [/Cannot assign requested address/i, /Address not found/i, /Cannot find device/i, /does not exist/i, /No such device/i]

function prefixed(vip: VipEntry): string {
  return `${vip.address}/${vip.prefixLength}`
}

/**
 * `ip addr add` arguments for a VIP. IPv6 gets `nodad`: a VIP moving between
 * routers must be usable at once, not after Duplicate Address Detection. `brd`
 * and `label` are IPv4-only in iproute2 and are left out for IPv6.
 */
export function addArgs(vip: VipEntry): string[] {
  const args = vip.family === 6 ? ['-6', 'addr', 'add', prefixed(vip)] : ['addr', 'add', prefixed(vip)]
  if (vip.family === 4 && vip.broadcast) args.push('brd', vip.broadcast)
  args.push('dev', vip.dev)
  if (vip.scope) args.push('scope', vip.scope)
  if (vip.family === 4 && vip.label) args.push('label', vip.label)
  if (vip.family === 6) args.push('nodad')
  return args
}

/** `ip addr del` arguments for a VIP. */
export function removeArgs(vip: VipEntry): string[] {
  return vip.family === 6 ? ['-6', 'addr', 'del', prefixed(vip), 'dev', vip.dev] : ['addr', 'del', prefixed(vip), 'dev', vip.dev]
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** Creates an {@link AddressManager} running `ip` (or `run`, for tests). */
export function createAddressManager(opts: { run?: IpRunner } = {}): AddressManager {
  const run = opts.run ?? ((args: string[]) => runIp(args))

  async function change(args: string[], harmless: RegExp[]): Promise<Outcome> {
    const r = await run(args)
    if (r.ok) return { ok: true }
    const error = r.stderr.trim() || `ip ${args.join(' ')} failed`
    if (harmless.some((re) => re.test(error))) return { ok: true }
    return { ok: false, error }
  }

  return {
    add: (vip) => change(addArgs(vip), ALREADY_PRESENT),
    remove: (vip) => change(removeArgs(vip), ALREADY_GONE),
    async has(vip) {
      const r = await run(['-j', 'addr', 'show', 'dev', vip.dev])
      if (!r.ok) return false
      const links = parseIpAddrJson(r.stdout) ?? []
      return links.some((l) =>
        l.addresses.some((a) => a.family === vip.family && a.prefixLength === vip.prefixLength && sameAddress(a.address, vip.address)),
      )
    },
  }
}
