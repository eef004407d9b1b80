/**
 * Cross-object checks and the final Config: scripts' timeouts, script security,
 * each instance, VRID uniqueness, sync-group membership.
 */
import type { Config, NotifyScripts, SyncGroup, TrackFile, VrrpInstance, VrrpScript } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import { finalizeInstance, resolveTrackRefs } from './finalize-instance.js'
import type { ParsedConfig } from './keywords/top-level.js'
import { checkScriptSecurity } from './script-security.js'
import { dropMissingScripts } from './missing-scripts.js'
import { splitCommandLine } from './tokenize.js'

export interface FinalizeOptions {
  file: string
  sink: DiagnosticSink
  interfaceExists: (name: string) => boolean
  /** Injected so tests do not depend on the host's file permissions. */
  checkScript?: typeof checkScriptSecurity
}

function weightOf(o: VrrpScript | TrackFile | undefined): { weight: number; reverse: boolean } | undefined {
  return o ? { weight: o.weight, reverse: o.reverse } : undefined
}

/**
 * Script security. keepalived 2.2.7 exits 6 for scripts run without
 * enable_script_security; vrrpd warns then (every classic config would otherwise
 * fail -t) and reserves 6 for an unsafe script under enable_script_security, which
 * is disabled as keepalived does.
 */
function scriptSecurity(p: ParsedConfig, opts: FinalizeOptions): void {
  const { sink } = opts
  const notifies: Array<{ n: NotifyScripts; at: { file: string; line: number } }> = [
    ...p.instances.map((i) => ({ n: i.notify, at: i.at })),
    ...p.syncGroups.map((g) => ({ n: g.notify, at: g.at })),
  ]
  const anyScript = Object.keys(p.scripts).length > 0 || notifies.some(({ n }) => Object.keys(n).length > 0) ||
    p.globalDefs.vrrpNotifyFifo?.script !== undefined || p.globalDefs.notifyFifo?.script !== undefined
  if (!p.globalDefs.enableScriptSecurity) {
    if (anyScript) sink.warning({ file: opts.file, line: 0 }, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.')
    return
  }
  const check = opts.checkScript ?? checkScriptSecurity
  const insecure = (cmd: string, at: { file: string; line: number }): boolean => {
    const argv0 = splitCommandLine(cmd)[0]
    if (argv0 === undefined) return false
    const r = check(argv0)
    if (r.ok) return false
    if (r.reason === 'not-found') {
      sink.warning(at, r.message)
      return false
    }
    sink.security = true
    sink.error(at, r.message)
    return true
  }
  for (const [name, s] of Object.entries(p.scripts)) {
    if (insecure(s.script, s.at)) {
      sink.error(s.at, `Disabling track script ${name} due to insecure`)
      delete p.scripts[name]
    }
  }
  for (const { n, at } of notifies) {
    for (const key of Object.keys(n) as Array<keyof NotifyScripts>) {
      if (insecure(n[key] as string, at)) delete n[key]
    }
  }
  for (const fifo of [p.globalDefs.vrrpNotifyFifo, p.globalDefs.notifyFifo]) {
    if (fifo?.script !== undefined && insecure(fifo.script, { file: opts.file, line: 0 })) delete fifo.script
  }
}

/** VRIDs share one space per interface and address family (RFC 9568 5.2.3). */
function uniqueVrids(instances: VrrpInstance[], sink: DiagnosticSink): VrrpInstance[] {
  const seen = new Map<string, VrrpInstance>()
  return instances.filter((i) => {
    const key = `${i.interface}|${i.family}|${i.virtualRouterId}`
    const first = seen.get(key)
    if (first) {
      sink.error(i.at, `(${i.name}) virtual_router_id ${i.virtualRouterId} is already used on ${i.interface || 'unicast'} (IPv${i.family}) by ${first.name} at ${first.at.file}:${first.at.line}; instance ignored`)
      return false
    }
    seen.set(key, i)
    return true
  })
}

function syncGroups(p: ParsedConfig, instances: VrrpInstance[], sink: DiagnosticSink): SyncGroup[] {
  const byName = new Map(instances.map((i) => [i.name, i]))
  const drafted = new Set(p.instances.map((i) => i.name))
  return p.syncGroups.map((g) => {
    const members: string[] = []
    for (const m of g.members) {
      const inst = byName.get(m.name)
      if (!inst) {
        // An instance ignored for its own error was already reported.
        if (!drafted.has(m.name)) sink.error(m.at, `(${g.name}) unknown vrrp_instance '${m.name}' in sync group`)
        continue
      }
      if (inst.syncGroup !== undefined && inst.syncGroup !== g.name) {
        sink.error(m.at, `(${g.name}) vrrp_instance ${m.name} is already in sync group ${inst.syncGroup}`)
        continue
      }
      inst.syncGroup = g.name
      if (!members.includes(m.name)) members.push(m.name)
    }
    if (members.length === 1) sink.warning(g.at, `(${g.name}) sync group has only 1 virtual router(s) - this probably isn't what you want`)
    return {
      name: g.name,
      members,
      notify: g.notify,
      trackScripts: resolveTrackRefs(g.name, 'track script', g.trackScripts, (n) => weightOf(p.scripts[n]), sink),
      trackInterfaces: g.trackInterfaces.map((r) => ({ name: r.name, weight: r.weight ?? 0, reverse: r.reverse, at: r.at })),
      trackFiles: resolveTrackRefs(g.name, 'track file', g.trackFiles, (n) => weightOf(p.trackFiles[n]), sink),
      at: g.at,
    }
  })
}

/** Turns what was parsed into the Config that runs. */
export function finalize(p: ParsedConfig, opts: FinalizeOptions): Config {
  const { sink } = opts
  for (const s of Object.values(p.scripts)) if (s.timeoutMs < 0) s.timeoutMs = s.intervalMs
  dropMissingScripts(p, opts)
  scriptSecurity(p, opts)
  const ctx = {
    sink,
    globals: p.globalDefs,
    interfaceExists: opts.interfaceExists,
    scriptWeight: (n: string) => weightOf(p.scripts[n]),
    fileWeight: (n: string) => weightOf(p.trackFiles[n]),
  }
  const built = p.instances.map((d) => finalizeInstance(d, ctx)).filter((i): i is VrrpInstance => i !== undefined)
  const instances = uniqueVrids(built, sink)
  const groups = syncGroups(p, instances, sink)
  if (p.instances.length === 0) sink.fatal({ file: opts.file, line: 0 }, 'no vrrp_instance defined: nothing to run')
  else if (instances.length === 0) sink.fatal({ file: opts.file, line: 0 }, 'no usable vrrp_instance left after the errors above')
  for (const v of p.staticIpAddresses) if (v.dev === '') sink.error(v.at, `static_ipaddress ${v.address} needs 'dev IFACE'`)
  return {
    file: opts.file,
    globalDefs: p.globalDefs,
    scripts: p.scripts,
    trackFiles: p.trackFiles,
    instances,
    syncGroups: groups,
    staticIpAddresses: p.staticIpAddresses,
    staticRoutes: p.staticRoutes,
    staticRules: p.staticRules,
    ignored: p.ignored,
  }
}
