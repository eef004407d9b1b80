/**
 * Brings the VMACs of a config into being and takes them away: the macvlan
 * (src/io/vmac-links.ts), keepalived's sysctls for it and its base
 * (src/io/vmac-sysctls.ts), and for an IPv6 instance that sends from the VMAC
 * the base's link-local address on it (keepalived's set_link_local_address:
 * adverts leave from a non-VIP address, at the virtual MAC). A VMAC that cannot
 * be made is logged; its instance then finds no interface and waits in FAULT.
 */
import type { Logger } from '../log.js'
import { bytesToAddress } from '../protocol/index.js'
import type { VmacLinks } from '../io/vmac-links.js'
import type { VmacSysctls } from '../io/vmac-sysctls.js'
import type { AddressManager, Links } from '../io/ports.js'
import type { VmacSpec } from './vmac-plan.js'

/** What the daemon asks of the VMACs. */
export interface VmacPort {
  /** Makes (or reuses) each VMAC; never throws. */
  setUp(specs: VmacSpec[]): Promise<void>
  /** Removes these VMACs; `final` (stop): also puts all.rp_filter back. */
  tearDown(specs: VmacSpec[], final: boolean): Promise<void>
  close(): void
}

/** Bond modes that rewrite the source MAC of what they send (balance-tlb, balance-alb). */
const MAC_REWRITING_BOND_MODES = new Set(['balance-tlb', 'balance-alb'])

/** fe80::/64 EUI-64 address of `mac` (keepalived's make_link_local_address). */
export function linkLocalOf(mac: string): string {
  const m = mac.split(':').map((x) => parseInt(x, 16))
  const bytes = Buffer.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!])
  return bytesToAddress(bytes, 6)
}

export function createVmacManager(deps: { links: VmacLinks; sysctls: VmacSysctls; addresses: AddressManager; interfaces: Links; log: Logger }): VmacPort {
  const { links, sysctls, addresses, interfaces, log } = deps
  /** Base (for the sysctls) of each VMAC we applied them for. */
  const appliedBase = new Map<string, string | undefined>()

  async function setUpOne(spec: VmacSpec): Promise<void> {
    const ilog = log.child({ instance: spec.instance })
    const base = await links.inspect(spec.base)
    if (!base) return // "interface X doesn't exist" is the daemon's line; the instance waits in FAULT
    if (base.linkType !== 'ether') {
      // keepalived's words (vrrp_complete_instance); there too the instance cannot run.
      ilog.error(`(${spec.instance}): vmacs are only supported on Ethernet type interfaces`)
      return
    }
    let sysctlBase: string | undefined = spec.base
    if (base.kind === 'macvlan' || base.kind === 'macvtap') {
      sysctlBase = base.lower
      ilog.info(
        base.lower
          ? `(${spec.instance}) ${spec.base} is a macvlan: the kernel puts VMAC ${spec.name} on its parent ${base.lower}, whose arp_ignore/arp_filter are set`
          : `(${spec.instance}) ${spec.base} is a macvlan whose parent is in another namespace: VMAC ${spec.name} goes on that parent, and its arp_ignore/arp_filter cannot be set from here`,
      )
    } else if (base.kind === 'bond' && base.mode && MAC_REWRITING_BOND_MODES.has(base.mode)) {
      ilog.warn(`(${spec.instance}) ${spec.base} is a bond in ${base.mode} mode, which sends with its slaves' MACs: adverts and ARP from VMAC ${spec.name} will not carry ${spec.mac}; use active-backup or 802.3ad`)
    }
    const made = await links.ensure({ name: spec.name, base: spec.base, mac: spec.mac })
    if (!made.ok) {
      ilog.error(`(${spec.instance}): Unable to create VMAC interface ${spec.name}: ${made.error}`)
      return
    }
    // keepalived's lines: found at start, updated, or removed for sitting on another interface.
    if (made.how === 'reused') ilog.info(`(${spec.instance}) Found matching interface ${spec.name}`)
    else if (made.how === 'updated') ilog.info(`(${spec.instance}) Update old VMAC interface ${spec.name} due to wrong MAC/mode `)
    else if (made.how === 'recreated') ilog.info(`(${spec.instance}) Removing old VMAC interface ${spec.name} due to conflicting interface`)
    else ilog.debug(`(${spec.instance}): Success creating VMAC interface ${spec.name}`)
    if (spec.family === 4) {
      if (appliedBase.has(spec.name)) sysctls.applyVmac(spec.name)
      else sysctls.apply(spec.name, sysctlBase)
      appliedBase.set(spec.name, sysctlBase)
    }
    sysctls.setIpv6(spec.name, spec.family === 6)
    if (spec.family === 6 && !spec.xmitBase) {
      const info = await interfaces.get(spec.base)
      const own = info?.addresses.find((a) => a.family === 6 && a.address.toLowerCase().startsWith('fe80'))?.address
      const address = own ?? linkLocalOf(base.mac)
      const added = await addresses.add({ address, family: 6, prefixLength: 64, dev: spec.name, at: { file: '', line: 0 } })
      if (!added.ok) ilog.info(`(${spec.instance}) adding link-local address to ${spec.name} failed: ${added.error}`)
    }
  }

  return {
    async setUp(specs) {
      for (const spec of specs) {
        try {
          await setUpOne(spec)
        } catch (err) {
          log.error({ err }, `(${spec.instance}): Unable to create VMAC interface ${spec.name}: ${(err as Error).message}`)
        }
      }
    },
    async tearDown(specs, final) {
      for (const spec of specs) {
        const removed = await links.remove(spec.name)
        if (!removed.ok) log.child({ instance: spec.instance }).info(`(${spec.instance}) Error removing VMAC interface ${spec.name}: ${removed.error}`)
        if (appliedBase.has(spec.name)) {
          sysctls.release(appliedBase.get(spec.name))
          appliedBase.delete(spec.name)
        }
      }
      if (final) sysctls.restoreRpFilter()
    },
    close: () => links.close(),
  }
}
