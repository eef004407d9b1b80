import t from 'tap'
import { fileURLToPath } from 'node:url'
import { createUserLookup, parseColonFile, resolveCredentials, ROOT } from '../../src/io/user-lookup.js'

const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url))
const withKs = () => createUserLookup({ passwd: fx('passwd'), group: fx('group') }, false)
const withoutKs = () => createUserLookup({ passwd: fx('passwd-no-ks'), group: fx('group') }, false)

t.test('parseColonFile keeps well-formed entries and skips comments and junk', async (t) => {
  const m = parseColonFile('root:x:0:0::/root:/bin/sh\n# c\njunk\nbad:x:notanumber:1\n')
  t.same([...m.keys()], ['root'])
})

t.test('user and group names resolve from the files; numbers pass through', async (t) => {
  const l = withKs()
  t.same(await l.user('keepalived_script'), { uid: 998, gid: 997 })
  t.same(await l.user('nobody'), { uid: 65534, gid: 65534 })
  t.equal(await l.user('nosuchuser'), undefined)
  t.same(await l.user('1234'), { uid: 1234, gid: 1234 })
  t.equal(await l.group('nogroup'), 65534)
  t.equal(await l.group('42'), 42)
  t.equal(await l.group('nosuchgroup'), undefined)
})

/** vrrpd's own identity, injected: these rules are root's (a non-root vrrpd cannot switch). */
const AS_ROOT = { uid: 0, gid: 0 }

t.test('default script user: keepalived_script when it exists, else root', async (t) => {
  const a = await resolveCredentials(withKs(), undefined, AS_ROOT)
  t.same(a, { ok: true, creds: { uid: 998, gid: 997, label: 'keepalived_script' } })
  const b = await resolveCredentials(withoutKs(), undefined, AS_ROOT)
  t.same(b, { ok: true, creds: ROOT })
})

t.test('script_user USER [GROUP]: group defaults to the primary group', async (t) => {
  t.same(await resolveCredentials(withKs(), { user: 'nobody' }, AS_ROOT), { ok: true, creds: { uid: 65534, gid: 65534, label: 'nobody' } })
  t.same(await resolveCredentials(withKs(), { user: 'nobody', group: 'keepalived_script' }, AS_ROOT), {
    ok: true,
    creds: { uid: 65534, gid: 997, label: 'nobody:keepalived_script' },
  })
  t.same(await resolveCredentials(withKs(), { user: 'ghost' }, AS_ROOT), { ok: false, error: "unknown user 'ghost'" })
  t.same(await resolveCredentials(withKs(), { user: 'nobody', group: 'ghosts' }, AS_ROOT), { ok: false, error: "unknown group 'ghosts'" })
})

t.test('a non-root vrrpd runs scripts as itself: it cannot switch users', async (t) => {
  const self = { uid: 990, gid: 990 }
  for (const spec of [undefined, { user: 'nobody' }, { user: 'ghost' }]) {
    const r = await resolveCredentials(withKs(), spec, self)
    t.ok(r.ok)
    if (r.ok) t.same([r.creds.uid, r.creds.gid], [990, 990], `spec ${JSON.stringify(spec)}`)
  }
})

t.test('getent finds users that are not in the files (the host has root)', async (t) => {
  const l = createUserLookup({ passwd: '/nonexistent/passwd', group: '/nonexistent/group' })
  t.same(await l.user('root'), { uid: 0, gid: 0 })
})
