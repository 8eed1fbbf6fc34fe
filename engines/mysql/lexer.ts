/**
 * lexer: MySQL/MariaDB text as sql/lexer.ts reads it in MySQL's dialect: '...' and "..." strings with
 * backslash escapes, `...` names, `#`, `-- ` and `/* *\/` comments, and the mysql client's
 * terminators (DELIMITER). Also small helpers for DDL as the server prints it (SHOW CREATE ... and
 * information_schema), on the same tokens: quoting names and strings, finding the matching
 * parenthesis, cutting a list at its top-level commas, and folding spelling that does not change
 * meaning (spaces, backticks around plain names, charset introducers). Pure; holds no resources.
 */
import { dialect, tokenize as lex, type Token, unquote } from "../../sql/lexer.ts"

export { LexError, type Token } from "../../sql/lexer.ts"

/** How MySQL and MariaDB write strings, names and comments, as the mysql client reads a script. */
export const mysqlDialect = dialect({
  nameQuotes: "`",
  stringQuotes: "'\"",
  backslashes: "always",
  hashComments: "anywhere",
  dashNeedsSpace: true,
  clientDelimiters: true,
})

export const tokenize = (sql: string): Token[] => lex(sql, mysqlDialect)

/** Text the server printed: no client commands, and nothing left open to report. */
const printed = dialect({ ...mysqlDialect, comments: false, clientDelimiters: false, tolerant: true })

export const quoteName = (name: string) => `\`${name.replaceAll("`", "``")}\``

/** A string literal that reads back the same under any sql_mode (no backslash escapes needed for `'`). */
export const quoteString = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`

/** Index just past the quoted run that opens at `i` (', " or `), honouring doubling and backslashes. */
export function skipQuoted(text: string, i: number): number {
  const first = lex(text.slice(i), printed)[0]
  return i + (first?.text.length ?? 1)
}

/** Index of the `)` that closes the `(` at `open`, or -1. */
export function matchingParen(text: string, open: number): number {
  let depth = 0
  for (const t of lex(text.slice(open), printed)) {
    if (t.kind !== "punct") continue
    if (t.text === "(") depth++
    else if (t.text === ")" && --depth === 0) return open + t.start
  }
  return -1
}

/** Cut at commas outside quotes and parentheses; pieces are trimmed. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let from = 0
  for (const t of lex(text, printed)) {
    if (t.kind !== "punct") continue
    if (t.text === "(") depth++
    else if (t.text === ")") depth--
    else if (t.text === "," && depth === 0) {
      parts.push(text.slice(from, t.start).trim())
      from = t.start + 1
    }
  }
  const last = text.slice(from).trim()
  if (last !== "") parts.push(last)
  return parts
}

/** Apply `f` to the text between quoted runs; quoted runs pass through unchanged. */
export function outsideQuotes(text: string, f: (chunk: string) => string, keepBackticks = true): string {
  let out = ""
  let chunk = ""
  for (const t of lex(text, printed)) {
    if (t.kind === "string" || (t.kind === "quoted" && keepBackticks)) {
      out += f(chunk) + t.text
      chunk = ""
    } else chunk += t.text
  }
  return out + f(chunk)
}

/** `name` -> name where the name needs no quotes, so `a`+1 and a+1 compare equal. */
export function unquotePlainNames(text: string): string {
  return lex(text, printed)
    .map((t) => {
      if (t.kind !== "quoted") return t.text
      const inner = t.text.slice(1, -1)
      return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(inner) ? inner : t.text
    })
    .join("")
}

/** Whitespace folded to single spaces outside quotes, none just inside parentheses or around commas. */
export function tidy(text: string): string {
  return outsideQuotes(text.trim(), (chunk) =>
    chunk
      .replace(/\s+/g, " ")
      .replace(/\(\s+/g, "(")
      .replace(/\s+\)/g, ")")
      .replace(/\s*,\s*/g, ","),
  )
}

/** `_utf8mb4'x'` -> `'x'`: MySQL prints the connection charset into stored expressions. */
export const dropIntroducers = (text: string) =>
  outsideQuotes(text, (chunk) =>
    chunk.replace(
      /(^|[^A-Za-z0-9_$])_(utf8mb4|utf8mb3|utf8|latin1|binary|ascii|ucs2|utf16|utf32)\s*$/i,
      "$1",
    ),
  )

/** Remove one pair of parentheses that wraps the whole text. */
export function stripOuterParens(text: string): string {
  let t = text.trim()
  while (t.startsWith("(") && matchingParen(t, 0) === t.length - 1) t = t.slice(1, -1).trim()
  return t
}

/** An expression folded for comparison: spacing, plain-name backticks, introducers, outer parens. */
export const normalizeExpression = (text: string) =>
  tidy(unquotePlainNames(dropIntroducers(stripOuterParens(text))))

/** Names in a `(`a`,`b`(10) DESC)` key part list, as `a`, `b(10) DESC`. */
export function keyParts(list: string): string[] {
  return splitTopLevel(stripOuterParens(list)).map((part) => tidy(unquotePlainNames(part)))
}

/** Names written in backticks anywhere in `text` (outside strings). */
export function backtickedNames(text: string): string[] {
  return lex(text, printed).flatMap((t) => (t.kind === "quoted" ? [unquote(t.text)] : []))
}

/** Upper-case keywords outside quotes, so `int(11) unsigned` reads `INT(11) UNSIGNED`. */
export const upperOutsideQuotes = (text: string) => outsideQuotes(text, (chunk) => chunk.toUpperCase())
