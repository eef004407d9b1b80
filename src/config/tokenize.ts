/**
 * Words of one logical line. Quotes ("..." and '...') are removed and adjacent
 * pieces join into one word; an unquoted `{` or `}` is a word of its own.
 */
import type { SourceRef } from './model.js'

export interface Token {
  text: string
  /** Whether any part of the word was quoted (a quoted "{" is not a brace). */
  quoted: boolean
  at: SourceRef
  /** Offsets of the raw word in its line (quotes included). */
  start: number
  end: number
}

/** Splits a logical line into tokens that all carry `at`. */
export function tokenizeLine(text: string, at: SourceRef): Token[] {
  const tokens: Token[] = []
  let word = ''
  let quoted = false
  let inWord = false
  let start = 0
  const flush = (end: number): void => {
    if (inWord) tokens.push({ text: word, quoted, at, start, end })
    word = ''
    quoted = false
    inWord = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (!inWord) start = i
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1)
      const stop = end === -1 ? text.length : end
      word += text.slice(i + 1, stop)
      quoted = true
      inWord = true
      i = stop
      continue
    }
    if (c === ' ' || c === '\t') {
      flush(i)
      continue
    }
    if (c === '$' && text[i + 1] === '{') {
      // An undefined ${NAME} stays literal: its braces are not block braces.
      const end = text.indexOf('}', i)
      const stop = end === -1 ? text.length - 1 : end
      word += text.slice(i, stop + 1)
      inWord = true
      i = stop
      continue
    }
    if (c === '{' || c === '}') {
      flush(i)
      tokens.push({ text: c, quoted: false, at, start: i, end: i + 1 })
      continue
    }
    word += c
    inWord = true
  }
  flush(text.length)
  return tokens
}

/** Removes the quotes of a whole value (`"a b"` -> `a b`), joining adjacent pieces. */
export function unquoteWhole(s: string): string {
  return tokenizeLine(s, { file: '', line: 0 })
    .map((t) => t.text)
    .join(' ')
}

/**
 * Splits a script command line into argv on unquoted spaces, removing quotes, as
 * keepalived does for `script`, `notify_*` and the like. `'a b'c` is one word `a bc`.
 */
export function splitCommandLine(s: string): string[] {
  const out: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1)
      const stop = end === -1 ? s.length : end
      word += s.slice(i + 1, stop)
      inWord = true
      i = stop
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) out.push(word)
  return out
}
