/**
 * keepalived's script security check (lib/notify.c check_security): every
 * component of a script's path must be owned by root and not writable by group
 * (non-root group) or others; a directory with the sticky bit (like /tmp) may be.
 */
import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

export type ScriptSecurityResult =
  | { ok: true; path: string }
  | { ok: false; path: string; reason: 'not-found' | 'insecure' | 'wrong-type'; message: string }

/** Resolves a bare command name through PATH, as execvp does; undefined when not found. */
export function resolveScriptPath(command: string, envPath = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  if (command.includes('/')) return command
  for (const dir of envPath.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

/**
 * Checks the file a script runs (its argv[0]) and each directory above it.
 * Messages use keepalived's wording ("Unsafe permissions found for script ...").
 */
export function checkScriptSecurity(command: string): ScriptSecurityResult {
  const resolved = resolveScriptPath(command)
  if (resolved === undefined) {
    return { ok: false, path: command, reason: 'not-found', message: `Cannot find script ${command} in path - disabling` }
  }
  let path: string
  try {
    // Symlinks resolved first (merged-/usr /bin is one): the real file is what runs.
    path = realpathSync(isAbsolute(resolved) ? resolved : join(process.cwd(), resolved))
  } catch {
    return { ok: false, path: resolved, reason: 'not-found', message: `check_script_secure could not find script '${resolved}' - disabling` }
  }
  const parts = path.split('/').filter((p) => p !== '')
  const prefixes = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))]
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i] as string
    const last = i === prefixes.length - 1
    let st
    try {
      st = lstatSync(p)
    } catch {
      return { ok: false, path, reason: 'not-found', message: `check_script_secure could not find script '${path}' - disabling` }
    }
    if ((!last && !st.isDirectory()) || (last && !st.isFile())) {
      return { ok: false, path, reason: 'wrong-type', message: `Wrong file type found in script path '${path}'.` }
    }
    const groupOrWorldWritable = (st.gid !== 0 && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0
    const stickyDir = st.isDirectory() && (st.mode & 0o1000) !== 0
    if (st.uid !== 0 || (!stickyDir && groupOrWorldWritable)) {
      return { ok: false, path, reason: 'insecure', message: `Unsafe permissions found for script '${path}' - disabling.` }
    }
  }
  return { ok: true, path }
}
