/**
 * vrrpd's entry point: command line -> config -> (-t | -d | the daemon).
 * Config mistakes are printed as `FILE:LINE: error|warning: message`, never as a
 * stack trace.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseCli, parseSubCommand, type CliOptions, type SubCommand } from './cli.js'
import { formatDiagnostic, loadConfig, type LoadOptions, type LoadResult } from './config/index.js'
import type { Config, Diagnostic } from './config/model.js'
import type { StatusView } from './daemon/status-files.js'

/** Where main writes; injectable for tests. */
export interface MainIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
  /** Passed to loadConfig (tests inject interfaceExists). */
  load?: Omit<LoadOptions, 'configId'>
}

type RunDaemon = (options: CliOptions, loaded: { config: Config; diagnostics: Diagnostic[]; exitCode?: number }) => Promise<number>

const processIo: MainIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}

function printDiagnostics(io: MainIo, loaded: LoadResult): void {
  for (const d of loaded.diagnostics) io.stderr(formatDiagnostic(d) + '\n')
}

/** Runs vrrpd with argv (without node and script) and resolves with the exit code. */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  const sub = parseSubCommand(argv)
  if (sub && 'exit' in sub) {
    io.stderr(sub.message + '\n')
    return sub.exit
  }
  if (sub) return runSubCommand(sub, io)
  const cli = await parseCli(argv)
  if (!('config' in cli)) {
    ;(cli.exit === 0 ? io.stdout : io.stderr)(cli.message.endsWith('\n') ? cli.message : cli.message + '\n')
    return cli.exit
  }
  for (const w of cli.warnings) io.stderr(`vrrpd: warning: ${w}\n`)
  const loaded = loadConfig(cli.config, { ...io.load, ...(cli.configId !== undefined ? { configId: cli.configId } : {}) })
  if (cli.configTest || cli.dumpConf) {
    printDiagnostics(io, loaded)
    if (cli.dumpConf) io.stdout(JSON.stringify(loaded.config, null, 2) + '\n')
    return loaded.exitCode
  }
  // A variable specifier keeps tsc from requiring the daemon at compile time.
  const daemonModule = './daemon/run.js'
  const { runDaemon } = (await import(daemonModule)) as { runDaemon: RunDaemon }
  return runDaemon(cli, { config: loaded.config, diagnostics: loaded.diagnostics, exitCode: loaded.exitCode })
}

async function runSubCommand(sub: SubCommand, io: MainIo): Promise<number> {
  if (sub.command === 'lab') {
    const { runDemo } = await import('./lab/demo.js')
    const result = await runDemo({ daemon: sub.daemon, out: (line) => io.stdout(line + '\n') })
    return result.ok ? 0 : 1
  }
  const { queryControlSocket, controlSocketPath } = await import('./daemon/control-socket.js')
  const { renderPrometheus } = await import('./daemon/metrics.js')
  const { renderData } = await import('./daemon/status-files.js')
  const answer = await queryControlSocket(sub.socket ?? controlSocketPath(sub.pid))
  if (!answer.ok) {
    io.stderr(`vrrpd status: ${answer.error}\n`)
    return 1
  }
  const view = answer.status as StatusView
  if (sub.format === 'prometheus') io.stdout(renderPrometheus(view))
  else if (sub.format === 'text') io.stdout(renderData(view))
  else io.stdout(JSON.stringify(view, null, 2) + '\n')
  return 0
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (e: unknown) => {
      // A bug, not a config mistake: say so plainly, with the stack for the report.
      process.stderr.write(`vrrpd: internal error: ${(e as Error)?.stack ?? String(e)}\n`)
      process.exitCode = 1
    },
  )
}
