/**
 * Starting a VRRP daemon (real keepalived, or vrrpd itself) inside a lab host and
 * reading its state from its log lines. Both print keepalived's wording:
 * "(VI_1) Entering MASTER STATE".
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoggedProcess, LogLine } from './proc.js'
import { VRRPD_NODE_FLAGS } from '../node-flags.js'

/** Which daemon the lab runs. */
export type DaemonKind = 'keepalived' | 'vrrpd'

/** A VRRP state as keepalived logs it. */
export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT'

/** Where to start processes: the demo's LabNetwork and the test harness both fit. */
export interface ProcessHost {
  spawn(host: string, name: string, cmd: string, args: string[]): LoggedProcess
}

/** The path of vrrpd's entry point: dist/main.js beside dist/lab, or the repo's dist/. */
export function defaultVrrpdMain(): string {
  const sibling = fileURLToPath(new URL('../main.js', import.meta.url))
  if (existsSync(sibling)) return sibling
  return fileURLToPath(new URL('../../dist/main.js', import.meta.url))
}

/** Options of {@link daemonCommand}. */
export interface DaemonCommandOptions {
  /** The keepalived.conf to run. */
  configPath: string
  /** A private directory for pid files (several daemons share one machine). */
  runDir: string
  /** vrrpd's entry point (default {@link defaultVrrpdMain}). */
  vrrpdMain?: string
  /** Options for node itself before vrrpd's entry point (V8 flags a bench compares), after vrrpd's own (src/node-flags.ts). */
  nodeArgs?: string[]
}

/**
 * The command line that runs `kind` in the foreground, logging to the console.
 * keepalived needs its own pid files per instance: with the defaults
 * (/run/keepalived.pid, /run/keepalived_vrrp.pid) a second one on the same
 * machine would see the first as "already running" and exit.
 */
export function daemonCommand(kind: DaemonKind, opts: DaemonCommandOptions): { cmd: string; args: string[] } {
  switch (kind) {
    case 'keepalived':
      return {
        cmd: '/usr/sbin/keepalived',
        args: [
          '--dont-fork', '--log-console', '--log-detail', '--vrrp', '--no-syslog',
          '--use-file', opts.configPath,
          '--pid', join(opts.runDir, 'keepalived.pid'),
          '--vrrp_pid', join(opts.runDir, 'keepalived_vrrp.pid'),
        ],
      }
    case 'vrrpd':
      return {
        cmd: process.execPath,
        args: [
          // The flags bin/vrrpd's shebang gives the installed daemon.
          ...VRRPD_NODE_FLAGS,
          ...(opts.nodeArgs ?? []),
          opts.vrrpdMain ?? defaultVrrpdMain(),
          '--dont-fork', '--log-console', '-f', opts.configPath,
          '--pid', join(opts.runDir, 'vrrpd.pid'),
        ],
      }
    default: {
      const never: never = kind
      throw new Error(`unknown daemon ${String(never)}`)
    }
  }
}

const STATE_LINE = /\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/

/** The state of `instance` from the last "(VI_x) Entering X STATE" line, if any. */
export function stateFromLog(lines: readonly LogLine[], instance = 'VI_1'): VrrpState | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = STATE_LINE.exec(lines[i]!.text)
    if (m && m[1] === instance) return m[2] as VrrpState
  }
  return undefined
}

/** A VRRP daemon running in a lab host. */
export class Daemon {
  constructor(
    readonly kind: DaemonKind,
    readonly host: string,
    readonly proc: LoggedProcess,
  ) {}

  /** The instance's state per the last state line logged. */
  state(instance = 'VI_1'): VrrpState | undefined {
    return stateFromLog(this.proc.lines, instance)
  }

  /** Wait for a log line; see {@link LoggedProcess.waitForLog}. */
  waitForLog(re: RegExp, timeoutMs: number, since?: number): Promise<LogLine> {
    return this.proc.waitForLog(re, timeoutMs, { since })
  }

  /** SIGTERM (by default) and wait for the exit. */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<number | string> {
    return this.proc.stop(signal, timeoutMs)
  }
}

/** Start `kind` in `host` with the given config file (already written). */
export function startDaemon(lab: ProcessHost, host: string, kind: DaemonKind, opts: DaemonCommandOptions): Daemon {
  const { cmd, args } = daemonCommand(kind, opts)
  return new Daemon(kind, host, lab.spawn(host, `${kind}@${host}`, cmd, args))
}
