/**
 * Real keepalived 2.2.7 in a lab host, as a reference peer for vrrpd: started
 * with a generated config in a private temp dir, its console log kept as
 * stamped lines.
 *
 *     const k = startKeepalived(lab, 'a', { config: renderKeepalivedConf(...) })
 *     await k.waitForLog(/Entering MASTER STATE/, 8000)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Daemon, daemonCommand, type ProcessHost } from '../../src/lab/daemon.js'
import { LoggedProcess } from '../../src/lab/proc.js'
import type { Lab } from './netns.js'

/** A keepalived running in a lab host. */
export interface Keepalived extends Daemon {
  /** The private directory holding the config and pid files (removed after exit). */
  readonly dir: string
  readonly configPath: string
}

/** Adapt the test lab's `spawn` (a ChildProcess) to the demo lab's stamped-line processes. */
export function processHost(lab: Pick<Lab, 'spawn'>): ProcessHost {
  return { spawn: (host, name, cmd, args) => new LoggedProcess(name, lab.spawn(host, cmd, args)) }
}

/**
 * Start keepalived (VRRP only, foreground, console log) in `host`. Several can run
 * on one machine: each gets its own pid files (keepalived refuses to start when
 * the default /run/keepalived.pid names a live process).
 */
export function startKeepalived(lab: Pick<Lab, 'spawn'>, host: string, opts: { config: string }): Keepalived {
  const dir = mkdtempSync(join(tmpdir(), `vrt-keepalived-${host}-`))
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, opts.config)
  const { cmd, args } = daemonCommand('keepalived', { configPath, runDir: dir })
  const proc = processHost(lab).spawn(host, `keepalived@${host}`, cmd, args)
  void proc.exited.then(() => rmSync(dir, { recursive: true, force: true }))
  return Object.assign(new Daemon('keepalived', host, proc), { dir, configPath })
}

/** Options of {@link renderKeepalivedConf}: one VRRPv2/v3 instance with PASS auth by default. */
export interface InstanceConfig {
  iface: string
  priority: number
  vrid?: number
  vips: string[]
  advertInt?: number
  version?: 2 | 3
  /** PASS auth password (v2 only); null for no authentication block. */
  authPass?: string | null
  state?: 'MASTER' | 'BACKUP'
  nopreempt?: boolean
  /** Extra lines inside vrrp_instance. */
  extra?: string[]
}

/** A minimal keepalived.conf with one instance VI_1. */
export function renderKeepalivedConf(c: InstanceConfig): string {
  const auth = c.authPass === null || c.version === 3
    ? ''
    : `  authentication {\n    auth_type PASS\n    auth_pass ${c.authPass ?? 's3cret'}\n  }\n`
  return `global_defs {
  vrrp_version ${c.version ?? 2}
}
vrrp_instance VI_1 {
  state ${c.state ?? 'BACKUP'}
  interface ${c.iface}
  virtual_router_id ${c.vrid ?? 51}
  priority ${c.priority}
  advert_int ${c.advertInt ?? 1}
${c.nopreempt ? '  nopreempt\n' : ''}${auth}  virtual_ipaddress {
${c.vips.map((v) => `    ${v}`).join('\n')}
  }
${(c.extra ?? []).map((l) => `  ${l}`).join('\n')}
}
`
}
