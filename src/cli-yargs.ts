/**
 * The full command-line reader, with yargs: help, version, --signum and every
 * usage error in yargs' words. cli.ts loads it only when its fast reader
 * declines argv, so a plain daemon start never pays for yargs.
 */
import { readFileSync } from 'node:fs'
import yargs from 'yargs'
import { signumFor } from './io/signals.js'
import { OPTIONS, optionsFrom, type CliExit, type CliOptions } from './cli.js'

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
  for (const o of OPTIONS) {
    y = y.option(o.name, {
      ...(o.aliases.length ? { alias: o.aliases.length === 1 ? o.aliases[0] : o.aliases } : {}),
      type: o.type,
      ...(o.default !== undefined ? { default: o.default } : {}),
      ...(o.choices ? { choices: o.choices } : {}),
      ...(o.describe ? { describe: o.describe } : {}),
      ...(o.type === 'string' && !o.unsupported ? { requiresArg: true } : {}),
      ...(o.unsupported ? { hidden: true } : {}),
    })
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
export function parseCliWithYargs(argv: string[]): CliOptions | CliExit {
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
  return optionsFrom(a)
}
