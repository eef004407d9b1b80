/**
 * The block tree: `keyword args...` statements, some with `{ ... }` children.
 * `{` may close the keyword's line or stand on the next one; content may follow
 * `{` on the same line and `}` may end a content line, as keepalived allows.
 */
import type { SourceRef } from './model.js'
import type { DiagnosticSink } from './diagnostics.js'
import type { SourceLine } from './reader.js'
import { tokenizeLine, type Token } from './tokenize.js'
import { READER_LIMITS } from './limits.js'

/** One statement; `children` is present when it opened a block. */
export interface Node {
  keyword: string
  args: Token[]
  children?: Node[]
  at: SourceRef
  /** The words of the statement joined by spaces (quotes removed). */
  text: string
  /** The arguments as written, quotes kept (script command lines are split from this). */
  rawArgs: string
}

interface Frame {
  nodes: Node[]
  opener?: Node
}

/**
 * Builds the tree. Unbalanced braces are fatal (exit 4), where keepalived 2.2.7
 * says 5 ("runnable"): a missing or extra `}` moves the keywords after it into
 * another block or out of their instance, so VIPs, authentication or track
 * scripts silently go missing. This is a deliberate difference
 * (docs/configuration.md). A `{` with no keyword before it is an error, as there.
 */
export function buildTree(lines: readonly SourceLine[], sink: DiagnosticSink): Node[] {
  const root: Frame = { nodes: [] }
  const stack: Frame[] = [root]
  const top = (): Frame => stack[stack.length - 1] as Frame
  // Braces past the depth limit are counted, not built: a file of `{` stays cheap.
  let tooDeep = 0
  let tokens = 0
  // One statement's words; flush() is made once, not per line (50,000-line configs).
  let pending: Token[] = []
  let lineText = ''
  const flush = (): Node | undefined => {
    if (pending.length === 0) return undefined
    const head = pending[0] as Token
    const args = pending.slice(1)
    const lastArg = args[args.length - 1]
    const rawArgs = lastArg ? lineText.slice((args[0] as Token).start, lastArg.end) : ''
    const text = pending.length === 1 ? head.text : pending.map((t) => t.text).join(' ')
    const node: Node = { keyword: head.text, args, at: head.at, text, rawArgs }
    top().nodes.push(node)
    pending = []
    return node
  }
  for (const line of lines) {
    pending = []
    lineText = line.text
    const words = tokenizeLine(line.text, line.at)
    tokens += words.length
    if (tokens > READER_LIMITS.maxTokens) {
      sink.error(line.at, `more than ${READER_LIMITS.maxTokens} words in the config: the rest is ignored`)
      break
    }
    for (const tok of words) {
      if (!tok.quoted && tok.text === '{' && (tooDeep > 0 || stack.length > READER_LIMITS.maxBlockDepth)) {
        flush()
        if (tooDeep++ === 0) sink.error(tok.at, `blocks nested deeper than ${READER_LIMITS.maxBlockDepth}: ignored up to the matching '}'`)
      } else if (!tok.quoted && tok.text === '}' && tooDeep > 0) {
        flush()
        tooDeep--
      } else if (!tok.quoted && tok.text === '{') {
        let opener = flush()
        if (!opener) {
          // `{` alone: it opens the statement on the previous line.
          const prev = top().nodes[top().nodes.length - 1]
          if (prev && !prev.children) opener = prev
        }
        if (!opener) {
          sink.error(tok.at, "'{' without a keyword before it")
          opener = { keyword: '', args: [], at: tok.at, text: '', rawArgs: '' }
        }
        opener.children = []
        stack.push({ nodes: opener.children, opener })
      } else if (!tok.quoted && tok.text === '}') {
        flush()
        if (stack.length === 1) sink.fatal(tok.at, "unexpected '}' with no block open: the braces are unbalanced, so keywords after it may have left their block")
        else stack.pop()
      } else {
        pending.push(tok)
      }
    }
    flush()
  }
  for (const frame of stack.slice(1)) {
    const o = frame.opener as Node
    sink.fatal(o.at, `block '${o.keyword}' opened here is never closed with '}': the keywords after it were read inside it`)
  }
  return root.nodes
}
