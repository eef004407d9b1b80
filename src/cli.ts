/**
 * The command line, keepalived's flags included: yargs in, typed options out.
 * No side effects: help, version and usage errors come back as `{ exit, message }`
 * for main.ts to print.
 */
import { signumFor } from './io/signals.js'
import { readFileSync } from 'node:fs'
import yargs from 'yargs'
import { DEFAULTS } from './config/model.js'

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

/** keepalived flags vrrpd accepts and ignores (long name -> short alias, takes a value). */
const UNSUPPORTED: ReadonlyArray<[string, string | undefined, boolean]> = [
  ['check', 'C', false], ['no_bfd', 'B', false], ['log-facility', 'S', true], ['log-file', 'g', true],
  ['flush-log-file', undefined, false], ['release-vips', 'X', false], ['dont-release-vrrp', 'V', false],
  ['dont-release-ipvs', 'I', false], ['dont-respawn', 'R', false], ['checkers_pid', 'c', true], ['genhash', 'T', false],
  ['bfd_pid', 'b', true], ['snmp', 'x', false], ['snmp-agent-socket', 'A', true], ['umask', 'u', true],
  ['core-dump', 'm', false], ['core-dump-pattern', 'M', true], ['namespace', 's', true], ['debug', undefined, true],
]

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function build(argv: string[]) {
  let y = yargs(argv)
    .scriptName('vrrpd')
    .usage('Usage: vrrpd [options]\n\nA VRRP daemon that reads keepalived.conf.')
    // yargs re-wraps usage text and eats its indentation; the epilogue keeps its lines as written.
    .epilogue(
      'Commands:\n' +
        '  vrrpd status [--pid FILE | --control-socket PATH] [--format json|text|prometheus]\n' +
        '      the live state of a running vrrpd\n' +
        '  vrrpd lab [--daemon vrrpd|keepalived]\n' +
        '      the nginx failover demo in network namespaces',
    )
    .option('config', { alias: ['f', 'use-file'], type: 'string', default: DEFAULTS.configFile, describe: 'Configuration file', requiresArg: true })
    .option('config-test', { alias: 't', type: 'boolean', default: false, describe: 'Check the configuration and exit (0 ok, 4 fatal, 5 errors, 6 script security)' })
    .option('dump-conf', { alias: 'd', type: 'boolean', default: false, describe: 'Print the resolved configuration as JSON and exit' })
    .option('config-id', { alias: 'i', type: 'string', describe: 'Config id for @ID lines (default: short host name)', requiresArg: true })
    .option('log-format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'Log line format' })
    .option('log-level', { type: 'string', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], describe: 'Log level (default info, debug with -D)' })
    .option('log-detail', { alias: 'D', type: 'boolean', default: false, describe: 'Detailed logging' })
    .option('log-console', { alias: 'l', type: 'boolean', default: false, describe: 'Log to the console (always on)' })
    .option('dont-fork', { alias: 'n', type: 'boolean', default: false, describe: 'Stay in the foreground (always on)' })
    .option('vrrp', { alias: 'P', type: 'boolean', default: false, describe: 'Only run the VRRP subsystem (always on)' })
    .option('no-syslog', { alias: 'G', type: 'boolean', default: false, describe: 'Do not log via syslog (vrrpd never does)' })
    .option('pid', { alias: 'p', type: 'string', describe: 'Pid file', requiresArg: true })
    .option('vrrp_pid', { alias: 'r', type: 'string', describe: 'VRRP pid file (same as --pid: vrrpd is one process)', requiresArg: true })
    .option('control-socket', { type: 'string', describe: 'Unix socket answering `vrrpd status` (default: the pid file with .sock)', requiresArg: true })
    .option('signum', { type: 'string', describe: "Print the number of keepalived's signal NAME (STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON) and exit", requiresArg: true })
    .option('metrics-listen', { type: 'string', describe: 'Serve Prometheus metrics on http://[ADDR:]PORT/metrics (ADDR defaults to 127.0.0.1)', requiresArg: true })
  for (const [name, short, takesValue] of UNSUPPORTED) {
    y = y.option(name, { ...(short ? { alias: short } : {}), type: takesValue ? 'string' : 'boolean', hidden: true })
  }
  return y
    .help('help')
    .alias('help', 'h')
    .version('version', 'Show version', `vrrpd ${version()}`)
    .alias('version', 'v')
    .strict()
    .parserConfiguration({ 'boolean-negation': false })
    .exitProcess(false)
    .wrap(100)
}

/** Parses argv (without node and script); pure apart from reading package.json for --version. */
export function parseCli(argv: string[]): CliOptions | CliExit {
  let output = ''
  let failure: string | undefined
  let parsed: Record<string, unknown> | undefined
  try {
    parsed = build(argv)
      .fail((msg, err) => {
        failure = msg || err?.message || 'invalid arguments'
      })
      .parseSync(argv, {}, (_err, _args, out) => {
        output = out ?? ''
      }) as Record<string, unknown>
  } catch (e) {
    failure = (e as Error).message
  }
  if (failure !== undefined) return { exit: 1, message: `vrrpd: ${failure}\nTry 'vrrpd --help'.` }
  if (output !== '') return { exit: 0, message: output }
  const a = parsed as Record<string, unknown>
  if (typeof a.signum === 'string') {
    // keepalived's --signum, which scripts and keepalived-exporter use to find the numbers.
    const n = signumFor(a.signum)
    return n === undefined ? { exit: 1, message: `Unknown sigfunc ${a.signum}` } : { exit: 0, message: `${n}` }
  }
  const positional = (a._ as unknown[]).map(String)
  if (positional.length > 0) return { exit: 1, message: `vrrpd: unexpected argument '${positional[0]}'\nTry 'vrrpd --help'.` }
  const warnings: string[] = []
  for (const [name, , takesValue] of UNSUPPORTED) {
    const v = a[name]
    if (v !== undefined && (takesValue || v === true)) warnings.push(`option --${name} is not supported by vrrpd and is ignored`)
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
