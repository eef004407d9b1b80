/**
 * User and group names to numeric ids, for running scripts as `script_user`.
 * /etc/passwd and /etc/group first, then `getent` (LDAP, sssd); answers are
 * cached for the life of the process, since a daemon resolves a handful of names.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'

/** Who a script runs as. */
export interface Credentials {
  uid: number
  gid: number
  /** For messages: `keepalived_script:keepalived_script` or `0:0`. */
  label: string
}

/** The name keepalived runs scripts as when it exists and no script_user is set. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script'

/** Root, the last resort for scripts (keepalived's too). */
export const ROOT: Credentials = { uid: 0, gid: 0, label: 'root' }

export interface UserLookup {
  /** uid and primary gid of a user name (or a number); undefined when unknown. */
  user(name: string): Promise<{ uid: number; gid: number } | undefined>
  /** gid of a group name (or a number); undefined when unknown. */
  group(name: string): Promise<number | undefined>
}

type Entries = Map<string, string[]>

/**
 * A lookup over files and getent, caching every answer. Tests swap `files` and
 * turn `getent` off so the host's users do not leak in.
 */
export function createUserLookup(
  files = { passwd: '/etc/passwd', group: '/etc/group' },
  useGetent = true,
): UserLookup {
  const cache = new Map<string, Promise<string[] | undefined>>()
  const tables = new Map<string, Promise<Entries>>()

  const table = (db: 'passwd' | 'group'): Promise<Entries> => {
    let t = tables.get(db)
    if (!t) {
      t = readFile(files[db], 'utf8').then(parseColonFile, () => new Map())
      tables.set(db, t)
    }
    return t
  }
  const entry = (db: 'passwd' | 'group', name: string): Promise<string[] | undefined> => {
    const key = `${db}:${name}`
    let hit = cache.get(key)
    if (!hit) {
      hit = table(db).then((t) => t.get(name) ?? (useGetent ? getent(db, name) : undefined))
      cache.set(key, hit)
    }
    return hit
  }

  return {
    async user(name) {
      const e = await entry('passwd', name)
      if (e) return { uid: Number(e[2]), gid: Number(e[3]) }
      if (/^\d+$/.test(name)) return { uid: Number(name), gid: Number(name) }
      return undefined
    },
    async group(name) {
      const e = await entry('group', name)
      if (e) return Number(e[2])
      return /^\d+$/.test(name) ? Number(name) : undefined
    },
  }
}

/** The identity vrrpd itself runs as. */
export function currentIdentity(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
}

/**
 * The credentials a script runs with: the script's own `user`/`group`, else
 * `script_user`, else `keepalived_script` when that user exists, else root.
 * An unknown user is an error (keepalived refuses such scripts too).
 *
 * A vrrpd that is not root (the hardened systemd unit gives it only
 * CAP_NET_ADMIN and CAP_NET_RAW) cannot switch users: its scripts run as itself,
 * which is already the unprivileged user script_user exists to provide.
 */
export async function resolveCredentials(
  lookup: UserLookup,
  spec: { user: string; group?: string } | undefined,
  self: { uid: number; gid: number } = currentIdentity(),
): Promise<{ ok: true; creds: Credentials } | { ok: false; error: string }> {
  if (self.uid !== 0) return { ok: true, creds: { ...self, label: `${self.uid}:${self.gid} (vrrpd's own user: not root, cannot switch)` } }
  if (!spec) {
    const ks = await lookup.user(DEFAULT_SCRIPT_USER)
    if (!ks) return { ok: true, creds: ROOT }
    return { ok: true, creds: { ...ks, label: DEFAULT_SCRIPT_USER } }
  }
  const u = await lookup.user(spec.user)
  if (!u) return { ok: false, error: `unknown user '${spec.user}'` }
  let gid = u.gid
  if (spec.group !== undefined) {
    const g = await lookup.group(spec.group)
    if (g === undefined) return { ok: false, error: `unknown group '${spec.group}'` }
    gid = g
  }
  return { ok: true, creds: { uid: u.uid, gid, label: spec.group ? `${spec.user}:${spec.group}` : spec.user } }
}

/** `name:x:uid:gid:...` lines keyed by name. */
export function parseColonFile(text: string): Entries {
  const out: Entries = new Map()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const f = line.split(':')
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2] ?? '')) out.set(f[0], f)
  }
  return out
}

function getent(db: 'passwd' | 'group', name: string): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile('getent', [db, name], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(undefined)
      const f = String(stdout).trim().split('\n')[0]?.split(':')
      resolve(f && f.length >= 3 && /^\d+$/.test(f[2] ?? '') ? f : undefined)
    })
  })
}
