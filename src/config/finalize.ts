/**
 * Cross-object checks and the final Config: scripts' timeouts, script security,
 * each instance, VRID uniqueness, sync-group membership.
 */
import { readFileSync } from 'node:fs'
import type { Config, NotifyScripts, NotifyUsers, SourceRef, SyncGroup, TrackFile, VrrpInstance, VrrpScript } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import { finalizeInstance, resolveTrackRefs } from './finalize-instance.js'
import { dropInapplicableWeights } from './finalize-weights.js'
import type { ParsedConfig } from './keywords/top-level.js'
import { checkScriptSecurity } from './script-security.js'
import { dropMissingScripts } from './missing-scripts.js'
import { splitCommandLine } from './tokenize.js'
import { settleGarpDefaults } from './keywords/global-defs.js'

/** keepalived's default script user, when it exists. */
const DEFAULT_SCRIPT_USER = 'keepalived_script'

export interface FinalizeOptions {
  file: string
  sink: DiagnosticSink
  interfaceExists: (name: string) => boolean
  interfaceIsEthernet?: (name: string) => boolean | undefined
  /** Injected so tests do not depend on the host's file permissions. */
  checkScript?: typeof checkScriptSecurity
  /** Whether a user exists; default: /etc/passwd. */
  userExists?: (name: string) => boolean
}

function weightOf(o: VrrpScript | TrackFile | undefined): { weight: number; reverse: boolean } | undefined {
  return o ? { weight: o.weight, reverse: o.reverse } : undefined
}

/**
 * Script security, as keepalived 2.2.7 decides it (vrrp.c
 * check_vrrp_script_security, lib/notify.c):
 * - a track script that cannot be found is disabled, a config error (5);
 * - a notify script that cannot be found is dropped quietly (a vrrpd warning);
 * - under enable_script_security an unsafe script is disabled: a config error (5)
 *   for a track script, quietly for a notify script;
 *   and without script_user and a `keepalived_script` user, scripts with no user
 *   of their own cannot get a default user and are removed (5);
 * - without enable_script_security, any script that will run is a
 *   "SECURITY VIOLATION" and -t exits 6.
 */
function scriptSecurity(p: ParsedConfig, opts: FinalizeOptions): void {
  const { sink } = opts
  const secure = p.globalDefs.enableScriptSecurity
  const check = opts.checkScript ?? checkScriptSecurity
  const userExists = opts.userExists ?? systemUserExists
  const noDefaultUser = secure && p.globalDefs.scriptUser === undefined && !userExists(DEFAULT_SCRIPT_USER)
  if (noDefaultUser) sink.error({ file: opts.file, line: 0 }, `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`)
  let runs = false
  let unsafe = false
  type Verdict = 'ok' | 'missing' | 'insecure'
  const examine = (cmd: string, at: SourceRef): Verdict => {
    const argv0 = splitCommandLine(cmd)[0]
    if (argv0 === undefined) return 'missing'
    // `</path`: keepalived only checks that the file opens; nothing is executed or checked.
    if (/^<\s*\//.test(argv0)) return 'ok'
    const r = check(argv0)
    if (!r.ok && r.reason === 'not-found') return 'missing'
    runs = true
    if (r.ok) return 'ok'
    unsafe = true
    if (!secure) return 'ok'
    // keepalived only logs this line; disabling a track script is what it reports as an error.
    sink.warning(at, r.message)
    return 'insecure'
  }
  for (const [name, s] of Object.entries(p.scripts)) {
    if (noDefaultUser && s.user === undefined) {
      sink.error(s.at, `Unable to set default user for vrrp script ${name} - removing`)
      delete p.scripts[name]
      continue
    }
    const v = examine(s.script, s.at)
    if (v === 'ok') continue
    sink.error(s.at, v === 'missing' ? `Disabling track script ${name} since not found/accessible` : `Disabling track script ${name} due to insecure`)
    delete p.scripts[name]
  }
  const notifies: Array<{ n: NotifyScripts; users: NotifyUsers; at: SourceRef }> = [
    ...p.instances.map((i) => ({ n: i.notify, users: i.notifyUsers, at: i.at })),
    ...p.syncGroups.map((g) => ({ n: g.notify, users: g.notifyUsers, at: g.at })),
  ]
  for (const { n, users, at } of notifies) {
    for (const key of Object.keys(n) as Array<keyof NotifyScripts>) {
      const cmd = n[key] as string
      const own = users[key]
      if (own !== undefined && !userExists(own.user)) {
        // keepalived: "Invalid user/group for notify script ... - ignoring" (logged, not a config error).
        sink.warning(at, `Invalid user/group for notify script ${cmd} - ignoring (user '${own.user}' does not exist)`)
        delete n[key]
        continue
      }
      if (noDefaultUser && own === undefined) {
        sink.warning(at, `Failed to set default user for notify script ${cmd} - ignoring`)
        delete n[key]
        continue
      }
      const v = examine(cmd, at)
      if (v === 'missing') sink.warning(at, `notify script ${cmd} not found - not run (keepalived drops it quietly)`)
      if (v !== 'ok') delete n[key]
    }
  }
  for (const [key, prefix] of [['vrrpNotifyFifo', 'vrrp_'], ['notifyFifo', '']] as const) {
    const fifo = p.globalDefs[key]
    if (!fifo) continue
    const at = { file: opts.file, line: 0 }
    // keepalived (global_parser.c notify_fifo, lib/notify.c fifo_open): logged, not config errors.
    if (!fifo.path) {
      // Still "being executed" for keepalived's SECURITY VIOLATION (-t exits 6), though it never runs.
      if (fifo.script !== undefined) examine(fifo.script, at)
      sink.warning(at, `${prefix}notify_fifo_script without ${prefix}notify_fifo - ignoring`)
      delete p.globalDefs[key]
      continue
    }
    if (fifo.user !== undefined && !userExists(fifo.user.user)) {
      sink.warning(at, `Invalid user/group for ${prefix} fifo ${fifo.path} - ignoring (user '${fifo.user.user}' does not exist)`)
      delete p.globalDefs[key]
      continue
    }
    if (fifo.script === undefined) continue
    if (fifo.scriptUser !== undefined && !userExists(fifo.scriptUser.user)) {
      sink.warning(at, `Invalid user/group for ${prefix}notify_fifo script ${fifo.script} - ignoring (user '${fifo.scriptUser.user}' does not exist)`)
      delete fifo.script
      delete fifo.scriptUser
      continue
    }
    if (examine(fifo.script, at) !== 'ok') {
      delete fifo.script
      delete fifo.scriptUser
    }
  }
  if (!secure && runs) {
    sink.security = true
    sink.error({ file: opts.file, line: 0 }, `SECURITY VIOLATION - scripts are being executed but script_security not enabled.${unsafe ? ' There are insecure scripts.' : ''}`)
  }
}

/** Whether a user exists in /etc/passwd (keepalived's keepalived_script check). */
function systemUserExists(name: string): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.split(':')[0] === name)
  } catch {
    return false
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
  return p.syncGroups.map((g) => syncGroup(g, p, instances, sink)).filter((g): g is SyncGroup => g !== undefined)
}

function syncGroup(g: ParsedConfig['syncGroups'][number], p: ParsedConfig, instances: VrrpInstance[], sink: DiagnosticSink): SyncGroup | undefined {
  const byName = new Map(instances.map((i) => [i.name, i]))
  const drafted = new Set(p.instances.map((i) => i.name))
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
  if (members.length === 0) {
    sink.error(g.at, `Sync group ${g.name} has no virtual router(s). removing`)
    return undefined
  }
  if (members.length === 1) sink.warning(g.at, `(${g.name}) sync group has only 1 virtual router(s) - this probably isn't what you want`)
  return {
    name: g.name,
    members,
    notify: g.notify,
    notifyUsers: g.notifyUsers,
    trackScripts: resolveTrackRefs(g.name, 'track script', g.trackScripts, (n) => weightOf(p.scripts[n]), sink),
    trackInterfaces: g.trackInterfaces.map((r) => ({ name: r.name, weight: r.weight ?? 0, reverse: r.reverse, at: r.at })),
    trackFiles: resolveTrackRefs(g.name, 'track file', g.trackFiles, (n) => weightOf(p.trackFiles[n]), sink),
    at: g.at,
  }
}

/** Turns what was parsed into the Config that runs. */
export function finalize(p: ParsedConfig, opts: FinalizeOptions): Config {
  const { sink } = opts
  for (const s of Object.values(p.scripts)) if (s.timeoutMs < 0) s.timeoutMs = s.intervalMs
  settleGarpDefaults(p.globalDefs)
  dropMissingScripts(p, opts)
  scriptSecurity(p, opts)
  const ctx = {
    sink,
    globals: p.globalDefs,
    interfaceExists: opts.interfaceExists,
    ...(opts.interfaceIsEthernet ? { interfaceIsEthernet: opts.interfaceIsEthernet } : {}),
    scriptWeight: (n: string) => weightOf(p.scripts[n]),
    fileWeight: (n: string) => weightOf(p.trackFiles[n]),
  }
  vmacNamesOnce(p, sink)
  const built = p.instances.map((d) => finalizeInstance(d, ctx)).filter((i): i is VrrpInstance => i !== undefined)
  const instances = uniqueVrids(built, sink)
  const groups = syncGroups(p, instances, sink)
  for (const inst of instances) {
    const g = p.syncGroups.find((x) => x.name === inst.syncGroup)
    dropInapplicableWeights(inst, g?.trackingWeight ?? false, sink)
    // notify_priority_changes: the instance's, else its sync group's, else the global (keepalived vrrp.c).
    const own = p.instances.find((d) => d.name === inst.name)?.notifyPriorityChanges
    if (own === undefined && g?.notifyPriorityChanges !== undefined) inst.notifyPriorityChanges = g.notifyPriorityChanges
  }
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

/** keepalived's vrrp_vmac_handler: a VMAC name another instance already has is an error, and the default name is used. */
function vmacNamesOnce(p: ParsedConfig, sink: DiagnosticSink): void {
  const owners = new Map<string, string>()
  for (const d of p.instances) {
    if (!d.useVmac) continue
    const owner = owners.get(d.useVmac)
    if (owner === undefined) {
      owners.set(d.useVmac, d.name)
      continue
    }
    sink.error(d.useVmacAt ?? d.at, `(${d.name}) VRRP instance ${owner} is already using ${d.useVmac} - ignoring name`)
    d.useVmac = ''
  }
}
