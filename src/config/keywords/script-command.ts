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
import { splitQuotedEscaped } from '../tokenize.js'

export interface ScriptLine {
  /** The command line (word 1), split into argv by splitCommandLine when run. */
  command: string
  /** Words 2 and 3 of a notify line. */
  user?: ScriptUser
}

/**
 * The line's words as keepalived's handlers see them: the whole line decoded once
 * by alloc_strvec_quoted_escaped (quotes and escapes). Word 0 is the command, kept
 * as one string: splitCommandLine decodes it a second time into argv, as
 * set_script_params_array does, so `"/bin/echo a\\tb"` runs with a tab and the tab
 * from `"/bin/echo a\tb"` separates two arguments. A line that cannot be decoded
 * (a `\` at the very end) keeps its raw words: splitCommandLine then gives no argv,
 * and keepalived drops such a script too.
 */
function lineWords(node: Node, ctx: ParseContext): string[] | undefined {
  if (node.args[0] === undefined) {
    ctx.sink.fatal(node.at, missingValue(node))
    return undefined
  }
  return splitQuotedEscaped(node.rawArgs) ?? node.args.map((a) => a.text)
}

/** `notify_* COMMAND [USER [GROUP]]`. */
export function notifyLine(node: Node, ctx: ParseContext): ScriptLine | undefined {
  const words = lineWords(node, ctx)
  const command = words?.[0]
  if (words === undefined || command === undefined) return undefined
  const user = words[1]
  const group = words[2]
  if (words.length > 3) ctx.sink.warning(node.at, `${node.keyword}: words after the group '${group}' are ignored, as keepalived does (quote the command to give it arguments)`)
  if (user === undefined) return { command }
  return { command, user: group === undefined ? { user } : { user, group } }
}

/** vrrp_script `script COMMAND`: keepalived uses word 1 only (the user has its own keyword). */
export function vrrpScriptLine(node: Node, ctx: ParseContext): string | undefined {
  const words = lineWords(node, ctx)
  const command = words?.[0]
  if (words === undefined || command === undefined) return undefined
  if (words.length > 1) {
    ctx.sink.warning(node.at, `script: only '${command}' is run, as keepalived does; the words after it are ignored (quote the whole command line to pass arguments)`)
  }
  return command
}
