/**
 * The no_accept filter for a config: vrrpd's nftables table with the global_defs
 * `nftables*` settings, and keepalived's line when strict mode or no_accept asks
 * for a filter that the config did not set up.
 */
import type { Config } from '../config/model.js'
import { dropsVipTraffic } from '../core/transition.js'
import { createNftablesFilter, type VipFilter } from '../io/nftables.js'
import { isPlainNftName, VRRPD_TABLE, vrrpdTableName } from '../io/nftables-script.js'
import type { ProcLog } from '../io/proc-log.js'

export function vipFilterFor(config: Config, log: ProcLog): VipFilter {
  const g = config.globalDefs
  // keepalived says it for use_vmac too (vrrp_complete_instance: `!accept || VMAC`).
  if (g.nftablesTable === undefined && config.instances.some((i) => dropsVipTraffic(i) || i.useVmac !== false)) {
    log('info', 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables')
  }
  let table = vrrpdTableName(g.nftablesTable)
  if (!isPlainNftName(table)) {
    log('error', `nftables table name '${table}' is not a plain nft name; using ${VRRPD_TABLE}`)
    table = VRRPD_TABLE
  }
  return createNftablesFilter({ table, priority: g.nftablesPriority, counters: g.nftablesCounters, ifindex: g.nftablesIfindex, log })
}
