/**
 * The top level of keepalived.conf: which blocks vrrpd reads, and which of
 * keepalived's blocks it skips (the LVS half, BFD, static routes...), each with
 * one warning and an entry in Config.ignored.
 */
import type { GlobalDefs, IgnoredItem, RouteEntry, RuleEntry, TrackFile, VipEntry, VrrpScript } from '../model.js'
import { parseRoute } from '../route.js'
import { parseRule } from '../rule.js'
import { parseVipBlock } from '../address.js'
import type { Node } from '../tree.js'
import { applyKeywords, type KeywordTable, type ParseContext } from '../values.js'
import { GLOBAL_DEFS_IGNORED, GLOBAL_DEFS_KEYWORDS } from './global-defs.js'
import { INSTANCE_KEYWORDS, newInstance, type InstanceDraft } from './instance.js'
import { newScript, newTrackFile, SCRIPT_KEYWORDS, TRACK_FILE_KEYWORDS } from './script.js'
import { newSyncGroup, SYNC_GROUP_KEYWORDS, type SyncGroupDraft } from './sync-group.js'

/** Everything read from the top level, before finalize. */
export interface ParsedConfig {
  globalDefs: GlobalDefs
  scripts: Record<string, VrrpScript>
  trackFiles: Record<string, TrackFile>
  instances: InstanceDraft[]
  syncGroups: SyncGroupDraft[]
  staticIpAddresses: VipEntry[]
  staticRoutes: RouteEntry[]
  staticRules: RuleEntry[]
  ignored: IgnoredItem[]
}

/** Top-level blocks keepalived knows and vrrpd does not do. */
export const TOP_LEVEL_IGNORED: Readonly<Record<string, string>> = {
  virtual_server: 'LVS virtual_server',
  virtual_server_group: 'LVS virtual_server_group',
  SSL: 'LVS checker SSL settings',
  bfd_instance: 'BFD instance',
  track_group: 'track_group',
  garp_group: 'garp_group',
  linkbeat_interfaces: 'linkbeat_interfaces',
  linkbeat_use_polling: 'linkbeat_use_polling',
  vrrp_track_process: 'vrrp_track_process',
  interface_up_down_delays: 'interface_up_down_delays',
  net_namespace: 'net_namespace',
  net_namespace_ipvs: 'net_namespace_ipvs',
  namespace_with_ipsets: 'namespace_with_ipsets',
  use_pid_dir: 'use_pid_dir',
  instance: 'instance',
  child_wait_time: 'child_wait_time',
}

function named(node: Node, ctx: ParseContext): string | undefined {
  const name = node.args[0]?.text
  if (!name) ctx.sink.error(node.at, `${node.keyword} needs a name`)
  if (!node.children) ctx.sink.error(node.at, `${node.keyword} ${name ?? ''} needs a { ... } block`.replace('  ', ' '))
  return name
}

function ignore(node: Node, parsed: ParsedConfig, ctx: ParseContext, what: string): void {
  parsed.ignored.push({ keyword: node.keyword, at: node.at })
  ctx.sink.warning(node.at, `${what} is not supported by vrrpd and is ignored`)
}

const GLOBAL_TABLE: KeywordTable<GlobalDefs> = {
  ...GLOBAL_DEFS_KEYWORDS,
  ...Object.fromEntries(
    GLOBAL_DEFS_IGNORED.map((k) => [k, (n: Node, _g: GlobalDefs, ctx: ParseContext) => ctx.sink.warning(n.at, `${k} is not supported by vrrpd and is ignored`)]),
  ),
}

const TOP_LEVEL: KeywordTable<ParsedConfig> = {
  global_defs: (n, p, ctx) => applyKeywords(n.children, GLOBAL_TABLE, p.globalDefs, ctx, 'global_defs'),
  vrrp_instance: (n, p, ctx) => {
    const name = named(n, ctx)
    if (name === undefined) return
    if (p.instances.some((i) => i.name === name)) {
      ctx.sink.error(n.at, `vrrp_instance ${name} is defined twice; the later one is used`)
      p.instances = p.instances.filter((i) => i.name !== name)
    }
    const d = newInstance(name, n.at)
    applyKeywords(n.children, INSTANCE_KEYWORDS, d, ctx, `vrrp_instance ${name}`)
    p.instances.push(d)
  },
  vrrp_script: (n, p, ctx) => {
    const name = named(n, ctx)
    if (name === undefined) return
    const s = newScript(name, n.at)
    applyKeywords(n.children, SCRIPT_KEYWORDS, s, ctx, `vrrp_script ${name}`)
    if (s.script === '') ctx.sink.error(n.at, `vrrp_script ${name} has no script line; ignored`)
    else p.scripts[name] = s
  },
  vrrp_sync_group: (n, p, ctx) => {
    const name = named(n, ctx)
    if (name === undefined) return
    const g = newSyncGroup(name, n.at)
    applyKeywords(n.children, SYNC_GROUP_KEYWORDS, g, ctx, `vrrp_sync_group ${name}`)
    p.syncGroups = p.syncGroups.filter((x) => x.name !== name)
    p.syncGroups.push(g)
  },
  static_ipaddress: (n, p, ctx) => {
    p.staticIpAddresses = parseVipBlock(n, ctx)
  },
  static_routes: (n, p, ctx) => {
    p.staticRoutes = (n.children ?? []).flatMap((c) => parseRoute([c.keyword, ...c.args.map((a) => a.text)], c.at, ctx) ?? [])
  },
  static_rules: (n, p, ctx) => {
    p.staticRules = (n.children ?? []).flatMap((c) => parseRule([c.keyword, ...c.args.map((a) => a.text)], c.at, ctx) ?? [])
  },
  ...Object.fromEntries(
    ['track_file', 'vrrp_track_file'].map((kw) => [
      kw,
      (n: Node, p: ParsedConfig, ctx: ParseContext) => {
        const name = named(n, ctx)
        if (name === undefined) return
        const f = newTrackFile(name, n.at)
        applyKeywords(n.children, TRACK_FILE_KEYWORDS, f, ctx, `${kw} ${name}`)
        if (f.file === '') ctx.sink.error(n.at, `${kw} ${name} has no file line; ignored`)
        else p.trackFiles[name] = f
      },
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(TOP_LEVEL_IGNORED).map(([kw, what]) => [kw, (n: Node, p: ParsedConfig, ctx: ParseContext) => ignore(n, p, ctx, what)]),
  ),
}

/** Runs the top-level table over the tree. */
export function parseTopLevel(nodes: readonly Node[], parsed: ParsedConfig, ctx: ParseContext): void {
  applyKeywords(nodes, TOP_LEVEL, parsed, ctx, 'the top level')
}
