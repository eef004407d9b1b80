/**
 * Words of one logical line, as keepalived's alloc_strvec splits them: on white
 * space; `"..."` is one word without its quotes, and a `"` also ends the word
 * before it (`a"b c"` is `a` and `b c`); a single quote is an ordinary character;
 * an unquoted `{` or `}` is a word of its own.
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

/**
 * Splits a logical line into tokens that all carry `at`. An unquoted word is one
 * slice of the line (never built a character at a time: a 16 KiB line of one
 * word would make thousands of intermediate strings, and 50,000 such lines made
 * the reader GC-bound).
 */
export function tokenizeLine(text: string, at: SourceRef): Token[] {
  const tokens: Token[] = []
  let inWord = false
  let start = 0
  const flush = (end: number): void => {
    if (inWord) tokens.push({ text: text.slice(start, end), quoted: false, at, start, end })
    inWord = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!inWord) start = i
    if (c === QUOTE) {
      flush(i)
      const end = text.indexOf('"', i + 1)
      // An unmatched quote ends the line's words, as keepalived ("Unmatched quote";
      // decomment has already reported it).
      if (end === -1) break
      tokens.push({ text: text.slice(i + 1, end), quoted: true, at, start: i, end: end + 1 })
      i = end
      continue
    }
    if (c === SPACE || (c >= TAB && c <= CR)) {
      // space, \t \n \v \f \r
      flush(i)
      continue
    }
    if (c === DOLLAR && text.charCodeAt(i + 1) === OPEN) {
      // An undefined ${NAME} stays literal: its braces are not block braces.
      const end = text.indexOf('}', i)
      inWord = true
      i = end === -1 ? text.length - 1 : end
      continue
    }
    if (c === OPEN || c === CLOSE) {
      flush(i)
      tokens.push({ text: c === OPEN ? '{' : '}', quoted: false, at, start: i, end: i + 1 })
      continue
    }
    inWord = true
  }
  flush(text.length)
  return tokens
}

const QUOTE = 0x22
const SPACE = 0x20
const TAB = 0x09
const CR = 0x0d
const DOLLAR = 0x24
const OPEN = 0x7b
const CLOSE = 0x7d

/** Removes the quotes of a whole value (`"a b"` -> `a b`), joining adjacent pieces. */
export function unquoteWhole(s: string): string {
  return tokenizeLine(s, { file: '', line: 0 })
    .map((t) => t.text)
    .join(' ')
}

const WHITE = ' \t\f\n\r\v'
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c)
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }

/**
 * keepalived's alloc_strvec_quoted_escaped (lib/parser.c), used for script and
 * notify command lines: words split on unquoted white space, `"..."` and `'...'`
 * removed (adjacent pieces join), and backslash escapes decoded inside and outside
 * quotes: `\a \b \E \f \n \r \t \v`, `\xHH...` (hex digits, kept to one byte),
 * `\cX` (control X), `\0`-`\777` octal (up to 3 digits), and `\X` = X otherwise.
 * Returns undefined where keepalived gives up: an unterminated quote or a `\` at
 * the very end.
 */
export function splitQuotedEscaped(s: string): string[] | undefined {
  const words: string[] = []
  let i = 0
  while (i < s.length) {
    while (i < s.length && WHITE.includes(s[i] as string)) i++
    if (i >= s.length) break
    let word = ''
    let quote = ''
    while (i < s.length) {
      const c = s[i] as string
      if (c === '\\') {
        i++
        if (i >= s.length) return undefined
        const e = s[i] as string
        if (e === 'x' && isHex(s[i + 1])) {
          let v = 0
          i++
          while (isHex(s[i])) v = ((v << 4) | parseInt(s[i++] as string, 16)) & 0xff
          word += String.fromCharCode(v)
        } else if (e === 'c' && i + 1 < s.length) {
          word += String.fromCharCode((s[i + 1] as string).charCodeAt(0) & 0x1f)
          i += 2
        } else if (isOctal(e)) {
          let v = 0
          for (let k = 0; k < 3 && isOctal(s[i]); k++) v = (v << 3) + Number(s[i++])
          word += String.fromCharCode(v & 0xff)
        } else {
          word += SIMPLE_ESCAPES[e] ?? e
          i++
        }
        continue
      }
      if (quote) {
        if (c === quote) quote = ''
        else word += c
        i++
        continue
      }
      if (c === '"' || c === "'") {
        quote = c
        i++
        continue
      }
      if (WHITE.includes(c)) break
      word += c
      i++
    }
    if (quote) return undefined
    // C strings: an escaped NUL (`\0`, `\x00`) ends the word there.
    const nul = word.indexOf('\0')
    words.push(nul >= 0 ? word.slice(0, nul) : word)
  }
  return words
}

/**
 * Splits a script command line into argv as keepalived does for `script`,
 * `notify_*` and the like (splitQuotedEscaped). `'a b'c` is one word `a bc`;
 * `"a\tb"` holds a tab. A line keepalived cannot parse gives no words.
 */
export function splitCommandLine(s: string): string[] {
  return splitQuotedEscaped(s) ?? []
}
