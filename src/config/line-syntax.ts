/**
 * Line syntax shared by the reader: comments (keepalived's decomment) and the
 * `@ID` conditional prefix.
 */

/**
 * keepalived's decomment(): removes a `!` or `#` comment and the blanks around the
 * line. Double quotes protect comments; outside them `\#` and `\!` stand for the
 * characters; any other `\x` is kept as is (and `\"` does not open a quote).
 */
export function decomment(line: string): { text: string; unterminatedQuote: boolean } {
  let start = 0
  while (line[start] === ' ' || line[start] === '\t') start++
  if (!/["#!\\]/.test(line)) {
    // Nothing to strip but the blanks (the common line).
    let end = line.length
    while (end > start && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--
    return { text: line.slice(start, end), unterminatedQuote: false }
  }
  let out = ''
  let quote = false
  let i = start
  for (; i < line.length; i++) {
    const c = line[i] as string
    if (c === '\\' && i + 1 < line.length) {
      const n = line[i + 1] as string
      out += !quote && (n === '#' || n === '!') ? n : c + n
      i++
      continue
    }
    if (c === '"') quote = !quote
    else if (!quote && (c === '#' || c === '!')) break
    out += c
  }
  let end = out.length
  while (end > 0 && (out[end - 1] === ' ' || out[end - 1] === '\t')) end--
  // A trailing `\` (a continued definition) keeps its place after the trim.
  let text = out.slice(0, end)
  if (text.endsWith(' \\') || text.endsWith('\t\\')) text = `${text.slice(0, -1).replace(/[ \t]+$/, '')}\\`
  return { text, unterminatedQuote: quote }
}

/** decomment's text alone. */
export function stripComment(line: string): string {
  return decomment(line).text
}

/**
 * `@ID rest` keeps rest when ID is our config id; `@^ID rest` when it is not. ID
 * ends at the first space or tab; a line with nothing after ID is dropped.
 */
export function conditionalLine(line: string, configId: string): string | undefined {
  const negate = line[1] === '^'
  const from = negate ? 2 : 1
  let end = from
  while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++
  if (end >= line.length) return undefined
  const mismatch = line.slice(from, end) !== configId
  if (mismatch !== negate) return undefined
  while (line[end] === ' ' || line[end] === '\t') end++
  return line.slice(end)
}
