/**
 * Hard limits of the config reader. keepalived's own ceilings are accidental (a
 * 1024-byte line buffer, the open-file limit, a self-referencing macro that loops
 * for ever); vrrpd's are explicit, generous for any real config, and each one
 * breaks with a FILE:LINE error instead of hanging or exhausting memory. The
 * values are documented in docs/configuration.md ("Limits").
 */
export const READER_LIMITS = {
  /** Longest physical line, and longest logical line after macro expansion (characters). */
  maxLineLength: 16 * 1024,
  /** Longest single word of a statement (characters). */
  maxWordLength: 4 * 1024,
  /** Largest single config file (bytes); a bigger one is refused before it is read. */
  maxFileSize: 16 * 1024 * 1024,
  /** Total bytes of config text read, over every file. */
  maxTotalBytes: 16 * 1024 * 1024,
  /** Characters of logical lines processed in total, generated ones included. */
  maxProcessedChars: 16 * 1024 * 1024,
  /** Words (tokens) of all statements together. */
  maxTokens: 500_000,
  /** Deepest include nesting (keepalived stops near the open-file limit, 1024). */
  maxIncludeDepth: 1000,
  /** Files opened in total, over every include. */
  maxIncludedFiles: 10_000,
  /** Directory entries a single include pattern may examine (`*\/*\/*...` on /). */
  maxGlobEntries: 20_000,
  /** Patterns one include may expand to through `{a,b}` braces. */
  maxBracePatterns: 1024,
  /** Macro substitutions on one line; more means a self-reference (`$A=$A`). */
  maxSubstitutionsPerLine: 1000,
  /** Characters produced by macro substitution in total (the `$A=$A$A` bomb). */
  maxExpansionWork: 8 * 1024 * 1024,
  /** Deepest `{ }` nesting (keepalived's deepest real block is 3 or 4 levels). */
  maxBlockDepth: 64,
  /** Logical lines produced in total (files, multi-line macros, ~SEQ/~LST). */
  maxLines: 50_000,
} as const

export type ReaderLimits = { -readonly [K in keyof typeof READER_LIMITS]: number }
