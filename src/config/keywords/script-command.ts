/**
 * How keepalived reads a script line (lib/notify.c notify_script_init,
 * vrrp_parser.c vrrp_vscript_script_handler): the line is split into words with
 * quotes honoured, word 1 is the whole command (`"/bin/ping -c1 10.0.0.1"` quoted
 * is one word, later split into argv), and for notify scripts words 2 and 3 are
 * the user and group to run it as. So `notify /path/script root` runs
 * `/path/script` as root, not `/path/script root`.
 */
import type { ScriptUser } from '../model.js'
import type { Node } from '../tree.js'
import { missingValue, type ParseContext } from '../values.js'

export interface ScriptLine {
  /** The command line (word 1), split into argv by splitCommandLine when run. */
  command: string
  /** Words 2 and 3 of a notify line. */
  user?: ScriptUser
}

function commandWord(node: Node, ctx: ParseContext): string | undefined {
  const first = node.args[0]
  if (first === undefined) {
    ctx.sink.fatal(node.at, missingValue(node))
    return undefined
  }
  // Word 1 as written, quotes kept, so that splitCommandLine gives keepalived's argv.
  const raw = node.rawArgs.slice(0, first.end - first.start)
  const q = raw[0]
  return (q === '"' || q === "'") && raw.endsWith(q) && raw.length > 1 && raw.indexOf(q, 1) === raw.length - 1 ? raw.slice(1, -1) : raw
}

/** `notify_* COMMAND [USER [GROUP]]`. */
export function notifyLine(node: Node, ctx: ParseContext): ScriptLine | undefined {
  const command = commandWord(node, ctx)
  if (command === undefined) return undefined
  const user = node.args[1]?.text
  const group = node.args[2]?.text
  if (node.args.length > 3) ctx.sink.warning(node.at, `${node.keyword}: words after the group '${group}' are ignored, as keepalived does (quote the command to give it arguments)`)
  if (user === undefined) return { command }
  return { command, user: group === undefined ? { user } : { user, group } }
}

/** vrrp_script `script COMMAND`: keepalived uses word 1 only (the user has its own keyword). */
export function vrrpScriptLine(node: Node, ctx: ParseContext): string | undefined {
  const command = commandWord(node, ctx)
  if (command === undefined) return undefined
  if (node.args.length > 1) {
    ctx.sink.warning(node.at, `script: only '${command}' is run, as keepalived does; the words after it are ignored (quote the whole command line to pass arguments)`)
  }
  return command
}
