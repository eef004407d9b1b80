/**
 * keepalived 2.2.7 as the oracle for config checking: one network namespace that
 * holds every interface a set of configs names (veth pairs: there is no dummy
 * module here), and `keepalived -t` / `vrrpd -t` run side by side in it.
 *
 *     const ns = await createOracleNamespace(files)
 *     const r = await ns.configTest(file)    // { keepalived: 5, vrrpd: 5, ... }
 *     await ns.remove()
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { ensureBuilt } from './vrrpd.js'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface ConfigTestResult {
  file: string
  keepalived: RunResult
  vrrpd: RunResult
}

/** keepalived's verdict classes: 0 runs clean, 4 will not run, 5 runs with errors, 6 script security. */
export type Verdict = 0 | 4 | 5 | 6 | 'other'

export function verdictOf(code: number): Verdict {
  return code === 0 || code === 4 || code === 5 || code === 6 ? code : 'other'
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

const IFNAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/

/**
 * Interface names a config mentions: after `interface`, `dev`, `lvs_sync_daemon`,
 * `default_interface`, and the entries of `track_interface` blocks. Template
 * placeholders (`{{ X }}`, `${X}`) are not names and are left out.
 */
export function interfacesNamed(text: string): string[] {
  const names = new Set<string>()
  const clean = text.replace(/[#!].*$/gm, '')
  for (const m of clean.matchAll(/\b(?:interface|dev|lvs_sync_daemon|lvs_sync_daemon_interface|default_interface|mcast_src_ip_dev)\s+([^\s{}"']+)/g)) {
    names.add(m[1] as string)
  }
  for (const block of clean.matchAll(/track_interface\s*\{([^}]*)\}/g)) {
    for (const line of (block[1] as string).split('\n')) {
      const w = line.trim().split(/\s+/)[0]
      if (w) names.add(w)
    }
  }
  return [...names].filter((n) => IFNAME.test(n) && n !== 'lo')
}

export interface OracleNamespace {
  readonly name: string
  readonly interfaces: readonly string[]
  /** `keepalived -t -f file` and `vrrpd -t -f file` in the namespace, cwd = the file's directory. */
  configTest(file: string): Promise<ConfigTestResult>
  /** `vrrpd -d -f file` in the namespace (the resolved model as JSON on stdout). */
  vrrpdDump(file: string): Promise<RunResult>
  /** Runs any command in the namespace. */
  exec(cmd: string, args: string[], opts?: { cwd?: string; timeoutMs?: number }): Promise<RunResult>
  remove(): Promise<void>
}

/** Creates a namespace with a veth for every interface the files name (plus `extra`). */
export async function createOracleNamespace(files: readonly string[], extra: readonly string[] = []): Promise<OracleNamespace> {
  const main = ensureBuilt()
  const name = `vrt-${process.pid}-${randomBytes(2).toString('hex')}-oracle`
  const wanted = new Set<string>(extra)
  for (const f of files) for (const n of interfacesNamed(readFileSync(f, 'utf8'))) wanted.add(n)
  const interfaces = [...wanted].sort()
  const must = async (args: string[]): Promise<void> => {
    const r = await run('ip', args)
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`)
  }
  await must(['netns', 'add', name])
  const work = mkdtempSync(join(tmpdir(), 'vrt-oracle-'))
  try {
    await must(['-n', name, 'link', 'set', 'lo', 'up'])
    let i = 0
    for (const ifname of interfaces) {
      // The peer's name cannot clash with a config's: no config names `vqNNN`.
      await must(['-n', name, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `vq${i++}`])
      await must(['-n', name, 'link', 'set', ifname, 'up'])
    }
  } catch (e) {
    await run('ip', ['netns', 'del', name])
    rmSync(work, { recursive: true, force: true })
    throw e
  }
  const exec = (cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> =>
    run('ip', ['netns', 'exec', name, cmd, ...args], opts)
  let seq = 0
  const keepalivedTest = (file: string): Promise<RunResult> => {
    // Own pid files: keepalived refuses to act when another one's pid file names a live process.
    const p = join(work, String(seq++))
    return exec('keepalived', ['-t', '-l', '-n', '-f', basename(file), '-p', `${p}.pid`, '-r', `${p}.vrrp.pid`, '-c', `${p}.chk.pid`, '-b', `${p}.bfd.pid`], { cwd: dirname(file) })
  }
  const vrrpd = (flag: string, file: string): Promise<RunResult> => exec(process.execPath, [main, flag, '-f', basename(file)], { cwd: dirname(file) })
  return {
    name,
    interfaces,
    exec,
    async configTest(file) {
      const [keepalived, v] = await Promise.all([keepalivedTest(file), vrrpd('-t', file)])
      return { file, keepalived, vrrpd: v }
    },
    vrrpdDump: (file) => vrrpd('-d', file),
    async remove() {
      await run('ip', ['netns', 'del', name])
      rmSync(work, { recursive: true, force: true })
    },
  }
}

/** Runs `fn` over `items`, at most `width` at a time, keeping the order of results. */
export async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return out
}
