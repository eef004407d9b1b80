/**
 * Structure of keepalived's dump files, for comparing vrrpd's with
 * keepalived's: each line becomes its section, its indentation, its label and
 * the type of its value, so two files can be compared line by line while the
 * values that legitimately differ (times, fds) are left out by label.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Daemon, daemonCommand } from '../../src/lab/daemon.js'
import { LoggedProcess } from '../../src/lab/proc.js'
import type { Lab, LabTest } from './netns.js'
import { scratchDir } from './runtime-vrrpd.js'

export type ValueType = 'int' | 'float' | 'text' | 'none'

export interface DumpLine {
  section: string
  /** Leading spaces: keepalived's nesting. */
  indent: number
  /** The text before " = " (or before ":" / the whole line when there is no "="). */
  label: string
  value: string
  type: ValueType
}

function typeOf(value: string): ValueType {
  if (value === '') return 'none'
  if (/^-?\d+$/.test(value)) return 'int'
  if (/^-?\d+\.\d+$/.test(value)) return 'float'
  return 'text'
}

/** keepalived.data / keepalived_parent.data lines. */
export function parseDataDump(text: string): DumpLine[] {
  let section = ''
  const out: DumpLine[] = []
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue
    const head = /^------< (.+) >------$/.exec(raw)
    if (head) {
      section = head[1]!
      continue
    }
    const indent = raw.length - raw.trimStart().length
    const line = raw.trim()
    // "fd_in 13, fd_out 14" / "fd_in 13 fd_out = 14": the fds are the value.
    if (line.startsWith('fd_in ')) {
      out.push({ section, indent, label: 'fd_in', value: line.slice(6), type: 'text' })
      continue
    }
    const eq = line.indexOf(' = ')
    const [label, value] = eq >= 0 ? [line.slice(0, eq), line.slice(eq + 3)] : line.endsWith(' =') ? [line.slice(0, -2), ''] : [line, '']
    out.push({ section, indent, label, value, type: typeOf(value) })
  }
  return out
}

/** Splits a section into blocks, each starting at an indent-1 line ("VRRP Instance = VI_1", "Name = eth0"). */
export function blocks(lines: DumpLine[], section: string): Map<string, DumpLine[]> {
  const out = new Map<string, DumpLine[]>()
  let current: DumpLine[] | undefined
  for (const l of lines.filter((x) => x.section === section)) {
    if (l.indent === 1) {
      current = [l]
      out.set(`${l.label} = ${l.value}`, current)
    } else current?.push(l)
  }
  return out
}

/** `label: type` (and the value, unless the label is in `valuesDiffer`) of each line, for t.same. */
export function shape(lines: DumpLine[], valuesDiffer: ReadonlySet<string> = new Set()): string[] {
  return lines.map((l) => `${' '.repeat(l.indent)}${l.label}: ${l.type}${valuesDiffer.has(l.label) ? '' : ` = ${l.value}`}`)
}

/** Key -> JSON type of an object's members (arrays with their items' types). */
export function jsonShape(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(o)) {
    out[k] = Array.isArray(v) ? `array<${[...new Set(v.map((x) => typeof x))].join('|')}>` : v === null ? 'null' : typeof v
  }
  return out
}

/** keepalived with a private $TMPDIR (where it writes its dumps: lib/utils.c set_tmp_dir), so tests never share /tmp's files. */
export interface IsolatedKeepalived extends Daemon {
  readonly dir: string
  /** The parent's pid, which users signal (it forwards to the VRRP child). */
  pid(): number
  /** Sends `signo` to the parent and returns `files` from $TMPDIR once all exist (removed first). */
  dump(signo: number, files: string[], timeoutMs?: number): Promise<string[]>
}

export function startIsolatedKeepalived(t: Pick<LabTest, 'teardown'>, lab: Pick<Lab, 'spawn'>, host: string, config: string): IsolatedKeepalived {
  const dir = scratchDir(t, `keepalived-${host}`)
  const configPath = join(dir, 'keepalived.conf')
  writeFileSync(configPath, config)
  const { cmd, args } = daemonCommand('keepalived', { configPath, runDir: dir })
  const proc = new LoggedProcess(`keepalived@${host}`, lab.spawn(host, cmd, args, { env: { ...process.env, TMPDIR: dir } }))
  const pid = (): number => Number(readFileSync(join(dir, 'keepalived.pid'), 'utf8').trim())
  return Object.assign(new Daemon('keepalived', host, proc), {
    dir,
    pid,
    dump: (signo: number, files: string[], timeoutMs = 5000) => signalForFiles(dir, () => process.kill(pid(), signo), files, timeoutMs, `keepalived@${host}`),
  })
}

/** Removes `files` in `dir`, runs `send`, and returns their texts once they all exist. */
export async function signalForFiles(dir: string, send: () => void, files: string[], timeoutMs: number, who: string): Promise<string[]> {
  const paths = files.map((f) => join(dir, f))
  for (const p of paths) rmSync(p, { force: true })
  send()
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (paths.every((p) => existsSync(p))) {
      // keepalived writes in place (no rename): give it a moment to finish.
      await new Promise((r) => setTimeout(r, 100))
      return paths.map((p) => readFileSync(p, 'utf8'))
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`${who} wrote no ${files.filter((_, i) => !existsSync(paths[i]!)).join(' + ')} within ${timeoutMs} ms`)
}
