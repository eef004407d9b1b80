/**
 * The keepalived.conf front end: `loadConfig(file)` reads, parses and checks a
 * config and returns the typed model with every problem found, plus the `-t`
 * exit code. Used at start-up and again on SIGHUP.
 */
import { existsSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Config, Diagnostic } from './model.js'
import { DiagnosticSink, exitCodeFor, formatDiagnostic, sortDiagnostics } from './diagnostics.js'
import { finalize } from './finalize.js'
import { defaultGlobalDefs } from './keywords/global-defs.js'
import { parseTopLevel, type ParsedConfig } from './keywords/top-level.js'
import { ConfigReader } from './reader.js'
import type { checkScriptSecurity } from './script-security.js'
import { buildTree } from './tree.js'

export { formatDiagnostic } from './diagnostics.js'
export { splitCommandLine } from './tokenize.js'
export { checkScriptSecurity } from './script-security.js'

export interface LoadOptions {
  /** `-i/--config-id` for `@ID` lines; default: the short host name. */
  configId?: string
  /** Whether an interface exists; default: /sys/class/net/NAME exists. */
  interfaceExists?: (name: string) => boolean
  /** Whether an existing interface is Ethernet (use_vmac needs one); undefined: unknown. Default: /sys/class/net/NAME/type. */
  interfaceIsEthernet?: (name: string) => boolean | undefined
  /** Script security check; default: the real file system check. */
  checkScript?: typeof checkScriptSecurity
  /** Whether a user exists (keepalived_script); default: /etc/passwd. */
  userExists?: (name: string) => boolean
}

export interface LoadResult {
  config: Config
  diagnostics: Diagnostic[]
  exitCode: 0 | 4 | 5 | 6
  /**
   * Why the config read is not the whole of what its files say: an included file that
   * exists but could not be read (a FIFO, a device, a directory), or a reader limit
   * that cut it short. `-t` and a start go on with what was read, as keepalived does
   * with skipped files; a reload keeps the running config instead (src/daemon/run.ts).
   */
  incomplete?: string[]
}

/** keepalived's default config id: the host name up to the first dot. */
export function defaultConfigId(): string {
  return hostname().split('.')[0] as string
}

/** Whether NAME is a network interface on this host. */
export function hostInterfaceExists(name: string): boolean {
  return !name.includes('/') && existsSync(`/sys/class/net/${name}`)
}

/** Whether NAME is an Ethernet interface (ARPHRD_ETHER, type 1); undefined when it cannot be told. */
export function hostInterfaceIsEthernet(name: string): boolean | undefined {
  if (name.includes('/')) return undefined
  try {
    return readFileSync(`/sys/class/net/${name}/type`, 'utf8').trim() === '1'
  } catch {
    return undefined
  }
}

/** Reads, parses and checks `file`; never throws on a config mistake. */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadResult {
  const sink = new DiagnosticSink()
  const interfaceExists = opts.interfaceExists ?? hostInterfaceExists
  const reader = new ConfigReader(sink, { configId: opts.configId ?? defaultConfigId() })
  reader.readFile(file)
  const parsed: ParsedConfig = {
    globalDefs: defaultGlobalDefs(),
    scripts: {},
    trackFiles: {},
    instances: [],
    syncGroups: [],
    staticIpAddresses: [],
    staticRoutes: [],
    staticRules: [],
    ignored: [],
  }
  if (sink.items.some((d) => d.severity === 'fatal')) {
    // The main file could not be read: nothing more to say about it.
    const { instances: _i, syncGroups: _g, ...rest } = parsed
    return { config: { file, ...rest, instances: [], syncGroups: [] }, diagnostics: sink.items, exitCode: exitCodeFor(sink.items, sink.security), ...incomplete(reader) }
  }
  parseTopLevel(buildTree(reader.lines, sink), parsed, { sink, interfaceExists })
  const interfaceIsEthernet = opts.interfaceIsEthernet ?? hostInterfaceIsEthernet
  const config = finalize(parsed, { file, sink, interfaceExists, interfaceIsEthernet, ...(opts.checkScript ? { checkScript: opts.checkScript } : {}), ...(opts.userExists ? { userExists: opts.userExists } : {}) })
  return { config, diagnostics: sortDiagnostics(sink.items), exitCode: exitCodeFor(sink.items, sink.security), ...incomplete(reader) }
}

function incomplete(reader: ConfigReader): Pick<LoadResult, 'incomplete'> {
  return reader.incomplete.length ? { incomplete: [...reader.incomplete] } : {}
}

/** All diagnostics, one formatted line each. */
export function formatDiagnostics(items: readonly Diagnostic[]): string {
  return items.map(formatDiagnostic).join('\n')
}
