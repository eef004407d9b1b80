/**
 * The command line, keepalived's flags included: argv in, typed options out.
 * No side effects: help, version and usage errors come back as `{ exit, message }`
 * for main.ts to print.
 *
 * Two parsers read one option table. A plain daemon or `-t` command line (long
 * and short flags, each at most once, no help) is read by node's own
 * util.parseArgs; anything else (help, version, --signum, a mistake, an unusual
 * form) goes to yargs (cli-yargs.ts), which is only loaded then: it costs ~80 ms
 * of CPU and ~15 MB of RSS at start-up that a daemon run does not need.
 * test/cli.test.ts checks that both give the same options wherever the fast one answers.
 */
import { parseArgs } from 'node:util'
import { DEFAULTS } from './config/model.js'
import { invalidUmaskMessage, parseUmask } from './daemon/umask.js'

export type LogFormat = 'text' | 'json'

/** What vrrpd was asked to do. */
export interface CliOptions {
  /** Main config file (-f/--use-file/--config). */
  config: string
  /** -t/--config-test: check the config and exit with keepalived's code. */
  configTest: boolean
  /** -d/--dump-conf: print the resolved model as JSON. */
  dumpConf: boolean
  /** -i/--config-id for `@ID` lines; undefined = short host name. */
  configId?: string
  logFormat: LogFormat
  logLevel?: string
  /** -D/--log-detail: debug-level logging unless --log-level says otherwise. */
  logDetail: boolean
  /** -l/--log-console: accepted; vrrpd always logs to stdout. */
  logConsole: boolean
  /** -n/--dont-fork: accepted; vrrpd never forks (systemd Type=simple/notify friendly). */
  dontFork: boolean
  /** -p/--pid (or -r/--vrrp_pid): the pid file. */
  pid?: string
  /** --control-socket: where `vrrpd status` finds the daemon. */
  controlSocket?: string
  /** -u/--umask, when valid. */
  umask?: number
  /** --metrics-listen [ADDR:]PORT: serve Prometheus metrics over HTTP (off by default). */
  metricsListen?: ListenAddress
  /** Warnings about accepted-but-ignored flags, for main.ts to print. */
  warnings: string[]
}

export interface ListenAddress {
  host: string
  port: number
}

/**
 * `9165`, `127.0.0.1:9165`, `[::1]:9165` or `:9165` (every address). No host means
 * loopback: metrics name the VIPs and peers, and nobody should have to firewall
 * an endpoint they did not ask to expose.
 */
export function parseListenAddress(text: string): ListenAddress | { error: string } {
  const bad = { error: `--metrics-listen: expected [ADDRESS:]PORT, got '${text}'` }
  const t = text.trim()
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(t)
  const colon = t.lastIndexOf(':')
  const [host, portText] = bracketed ? [bracketed[1]!, bracketed[2]!] : colon < 0 ? ['127.0.0.1', t] : [t.slice(0, colon) || '::', t.slice(colon + 1)]
  // A bare IPv6 address is ambiguous with its port: it needs brackets.
  if (!bracketed && colon >= 0 && t.slice(0, colon).includes(':')) return bad
  if (!/^\d{1,5}$/.test(portText)) return bad
  const port = Number(portText)
  return port >= 1 && port <= 65535 ? { host, port } : bad
}

/** A run that ends at once: help or version (exit 0, stdout) or a usage error (exit 1, stderr). */
export interface CliExit {
  exit: number
  message: string
}

/** One option of the daemon's command line: its long name, aliases, kind and help. */
export interface OptionSpec {
  name: string
  aliases: string[]
  type: 'string' | 'boolean'
  describe?: string
  default?: string | boolean
  choices?: string[]
  /** keepalived's flags vrrpd accepts and ignores, with a warning. */
  unsupported?: boolean
}

const option = (name: string, aliases: string[], type: OptionSpec['type'], describe: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({ name, aliases, type, describe, ...extra })

/** Every option, in --help order; the ignored keepalived flags last (hidden from --help). */
export const OPTIONS: readonly OptionSpec[] = [
  option('config', ['f', 'use-file'], 'string', 'Configuration file', { default: DEFAULTS.configFile }),
  option('config-test', ['t'], 'boolean', 'Check the configuration and exit (0 ok, 4 fatal, 5 errors, 6 script security)', { default: false }),
  option('dump-conf', ['d'], 'boolean', 'Print the resolved configuration as JSON and exit', { default: false }),
  option('config-id', ['i'], 'string', 'Config id for @ID lines (default: short host name)'),
  option('log-format', [], 'string', 'Log line format', { choices: ['text', 'json'], default: 'text' }),
  option('log-level', [], 'string', 'Log level (default info, debug with -D)', { choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] }),
  option('log-detail', ['D'], 'boolean', 'Detailed logging', { default: false }),
  option('log-console', ['l'], 'boolean', 'Log to the console (always on)', { default: false }),
  option('dont-fork', ['n'], 'boolean', 'Stay in the foreground (always on)', { default: false }),
  option('vrrp', ['P'], 'boolean', 'Only run the VRRP subsystem (always on)', { default: false }),
  option('no-syslog', ['G'], 'boolean', 'Do not log via syslog (vrrpd never does)', { default: false }),
  option('pid', ['p'], 'string', 'Pid file'),
  option('vrrp_pid', ['r'], 'string', 'VRRP pid file (same as --pid: vrrpd is one process)'),
  option('umask', ['u'], 'string', 'umask for file creation, in numeric form (default 022)'),
  option('control-socket', [], 'string', 'Unix socket answering `vrrpd status` (default: the pid file with .sock)'),
  option('signum', [], 'string', "Print the number of keepalived's signal NAME (STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON) and exit"),
  option('metrics-listen', [], 'string', 'Serve Prometheus metrics on http://[ADDR:]PORT/metrics (ADDR defaults to 127.0.0.1)'),
  ...(
    [
      ['check', 'C', false], ['no_bfd', 'B', false], ['log-facility', 'S', true], ['log-file', 'g', true],
      ['flush-log-file', undefined, false], ['release-vips', 'X', false], ['dont-release-vrrp', 'V', false],
      ['dont-release-ipvs', 'I', false], ['dont-respawn', 'R', false], ['checkers_pid', 'c', true], ['genhash', 'T', false],
      ['bfd_pid', 'b', true], ['snmp', 'x', false], ['snmp-agent-socket', 'A', true],
      ['core-dump', 'm', false], ['core-dump-pattern', 'M', true], ['namespace', 's', true], ['debug', undefined, true],
    ] as const
  ).map(([name, short, takesValue]): OptionSpec => ({ name, aliases: short ? [short] : [], type: takesValue ? 'string' : 'boolean', unsupported: true })),
]

/** Options that end the run at once: yargs answers them. */
const ANSWERED_BY_YARGS = new Set(['signum', 'help', 'h', 'version', 'v'])

/**
 * The fast reading of argv, or undefined when yargs must read it: any form the
 * two might read differently (an option given twice, a group of short flags, a
 * short option with its value attached, a value that looks like an option, an
 * invalid choice, a positional argument) and anything that ends the run at once.
 */
export function parseCliFast(argv: string[]): CliOptions | CliExit | undefined {
  if (argv.some((a) => /^-[^-]{2,}/.test(a) || a === '' || a === '-' || a === '--')) return undefined
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}
  const canonical = new Map<string, OptionSpec>()
  for (const spec of OPTIONS) {
    for (const name of [spec.name, ...spec.aliases]) {
      canonical.set(name, spec)
      if (name.length > 1) config[name] = { type: spec.type }
      else config[spec.name] = { ...config[spec.name]!, short: name }
    }
  }
  let tokens
  try {
    tokens = parseArgs({ args: argv, options: config, strict: true, allowPositionals: false, tokens: true }).tokens
  } catch {
    return undefined
  }
  const values: Record<string, unknown> = {}
  for (const token of tokens) {
    if (token.kind !== 'option') return undefined
    const spec = canonical.get(token.name)
    if (!spec || ANSWERED_BY_YARGS.has(spec.name) || spec.name in values) return undefined
    if (spec.type === 'string' && (token.value === undefined || token.value === '' || (token.inlineValue && !token.rawName.startsWith('--')))) return undefined
    if (spec.choices && !spec.choices.includes(token.value!)) return undefined
    values[spec.name] = spec.type === 'boolean' ? true : token.value
  }
  for (const spec of OPTIONS) if (!(spec.name in values) && spec.default !== undefined) values[spec.name] = spec.default
  return optionsFrom(values)
}

/** Reads argv: the fast way when it can, else with yargs (help, version, usage errors). */
export async function parseCli(argv: string[]): Promise<CliOptions | CliExit> {
  const fast = parseCliFast(argv)
  if (fast) return fast
  const { parseCliWithYargs } = await import('./cli-yargs.js')
  return parseCliWithYargs(argv)
}

/** The typed options from parsed values keyed by long option name (either parser's). */
export function optionsFrom(a: Record<string, unknown>): CliOptions | CliExit {
  const warnings: string[] = []
  for (const { name, type, unsupported } of OPTIONS) {
    const v = a[name]
    if (unsupported && v !== undefined && (type === 'string' || v === true)) warnings.push(`option --${name} is not supported by vrrpd and is ignored`)
  }
  const opts: CliOptions = {
    config: a.config as string,
    configTest: a['config-test'] as boolean,
    dumpConf: a['dump-conf'] as boolean,
    logFormat: a['log-format'] as LogFormat,
    logDetail: a['log-detail'] as boolean,
    logConsole: a['log-console'] as boolean,
    dontFork: a['dont-fork'] as boolean,
    warnings,
  }
  if (typeof a['config-id'] === 'string') opts.configId = a['config-id']
  if (typeof a['log-level'] === 'string') opts.logLevel = a['log-level']
  const pid = (a.pid ?? a.vrrp_pid) as string | undefined
  if (pid !== undefined) opts.pid = pid
  if (typeof a['control-socket'] === 'string') opts.controlSocket = a['control-socket']
  if (typeof a.umask === 'string') {
    const mask = parseUmask(a.umask)
    if (mask === undefined) warnings.push(invalidUmaskMessage(a.umask))
    else opts.umask = mask
  }
  if (typeof a['metrics-listen'] === 'string') {
    const at = parseListenAddress(a['metrics-listen'])
    if ('error' in at) return { exit: 1, message: `vrrpd: ${at.error}\nTry 'vrrpd --help'.` }
    opts.metricsListen = at
  }
  return opts
}

/** How `vrrpd status` prints: the JSON view, keepalived.data's text, or Prometheus metrics. */
export type StatusFormat = 'json' | 'text' | 'prometheus'

/** `vrrpd status` and `vrrpd lab`: small commands beside the daemon's own options. */
export type SubCommand =
  | { command: 'status'; socket?: string; pid?: string; format: StatusFormat }
  | { command: 'lab'; daemon: 'vrrpd' | 'keepalived' }

/** Recognises a subcommand in argv; undefined when argv is for the daemon. */
export function parseSubCommand(argv: string[]): SubCommand | CliExit | undefined {
  const [name, ...rest] = argv
  if (name !== 'status' && name !== 'lab') return undefined
  const values: Record<string, string> = {}
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    const key = m?.[1] === 'p' ? 'pid' : m?.[1]
    const allowed = name === 'status' ? ['pid', 'control-socket', 'format'] : ['daemon']
    if (!m || !key || !allowed.includes(key)) return { exit: 1, message: `vrrpd ${name}: unknown argument '${arg}'\nTry 'vrrpd --help'.` }
    const value = m[2] ?? rest[++i]
    if (value === undefined) return { exit: 1, message: `vrrpd ${name}: --${key} needs a value` }
    values[key] = value
  }
  if (name === 'lab') {
    const daemon = values.daemon ?? 'vrrpd'
    if (daemon !== 'vrrpd' && daemon !== 'keepalived') return { exit: 1, message: `vrrpd lab: --daemon must be vrrpd or keepalived` }
    return { command: 'lab', daemon }
  }
  const format = values.format ?? 'json'
  if (format !== 'json' && format !== 'text' && format !== 'prometheus') return { exit: 1, message: `vrrpd status: --format must be json, text or prometheus` }
  return { command: 'status', format, ...(values['control-socket'] ? { socket: values['control-socket'] } : {}), ...(values.pid ? { pid: values.pid } : {}) }
}
