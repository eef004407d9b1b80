/**
 * Scripts whose program does not exist. keepalived checks every script at load,
 * with or without enable_script_security (vrrp.c check_vrrp_script_security,
 * lib/notify.c check_script_secure), and:
 * - disables a vrrp_script it cannot find: "Disabling track script chk since not
 *   found/accessible", a config error (`-t` exits 5). The instances and sync
 *   groups tracking it run as if they did not: no FAULT, no weight;
 * - drops a notify script (notify*, the FIFO's reader) it cannot find, silently
 *   in `-t`: it never runs. vrrpd says so in a warning (the exit code stays).
 * A track script that exists but is not executable is dropped too (keepalived:
 * "WARNING - script '...' is not executable ... - disabling.", no config error).
 * Checked again on every reload: a script that appeared is tracked again.
 */
import { statSync } from 'node:fs'
import type { NotifyScripts } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import type { ParsedConfig } from './keywords/top-level.js'
import { checkScriptSecurity, resolveScriptPath } from './script-security.js'
import { splitCommandLine } from './tokenize.js'

type Where = { file: string; line: number }

/** Why a script cannot run at all, or undefined when it can (as far as a load-time check tells). */
function unusable(command: string, check: typeof checkScriptSecurity): 'not found/accessible' | 'not executable' | undefined {
  const program = splitCommandLine(command)[0]
  if (program === undefined) return undefined // "No script set": reported elsewhere
  // keepalived: a script "</path" only tests that the file opens; nothing runs.
  if (/^<\s*\//.test(program)) return undefined
  const r = check(program)
  if (!r.ok && r.reason === 'not-found') return 'not found/accessible'
  try {
    const st = statSync(resolveScriptPath(program) ?? program)
    if (st.isFile() && (st.mode & 0o111) === 0) return 'not executable'
  } catch {
    // Only the injected check knows this path (tests): trust it.
  }
  return undefined
}

/** Drops what keepalived drops; run before the script security check. */
export function dropMissingScripts(p: ParsedConfig, opts: { file: string; sink: DiagnosticSink; checkScript?: typeof checkScriptSecurity }): void {
  const { sink } = opts
  const check = opts.checkScript ?? checkScriptSecurity
  const disabled = new Set<string>()
  for (const [name, s] of Object.entries(p.scripts)) {
    const why = unusable(s.script, check)
    if (why === undefined) continue
    if (why === 'not found/accessible') sink.error(s.at, `Disabling track script ${name} since not found/accessible (${splitCommandLine(s.script)[0]})`)
    else sink.warning(s.at, `WARNING - script '${splitCommandLine(s.script)[0]}' is not executable - disabling track script ${name}`)
    disabled.add(name)
    delete p.scripts[name]
  }
  // keepalived removes the disabled script from its trackers without a word.
  if (disabled.size > 0) {
    for (const owner of [...p.instances, ...p.syncGroups]) owner.trackScripts = owner.trackScripts.filter((r) => !disabled.has(r.name))
  }
  const notifies: Array<{ n: NotifyScripts; at: Where }> = [...p.instances.map((i) => ({ n: i.notify, at: i.at })), ...p.syncGroups.map((g) => ({ n: g.notify, at: g.at }))]
  for (const { n, at } of notifies) {
    for (const key of Object.keys(n) as Array<keyof NotifyScripts>) {
      const command = n[key] as string
      const why = unusable(command, check)
      if (why === undefined) continue
      sink.warning(at, `notify script ${splitCommandLine(command)[0]} ${why}: it will not run`)
      delete n[key]
    }
  }
  for (const fifo of [p.globalDefs.vrrpNotifyFifo, p.globalDefs.notifyFifo]) {
    if (fifo?.script === undefined) continue
    const why = unusable(fifo.script, check)
    if (why === undefined) continue
    sink.warning({ file: opts.file, line: 0 }, `notify FIFO script ${splitCommandLine(fifo.script)[0]} ${why}: it will not run`)
    delete fifo.script
    delete fifo.scriptUser
  }
}
