/**
 * lexer: small text helpers for MySQL/MariaDB DDL as the server prints it (SHOW CREATE ... and
 * information_schema): quoting names and strings, finding the matching parenthesis, cutting a list at
 * its top-level commas, and folding spelling that does not change meaning (spaces, backticks around
 * plain names, charset introducers). Pure; holds no resources.
 */

export const quoteName = (name: string) => `\`${name.replaceAll("`", "``")}\``

/** A string literal that reads back the same under any sql_mode (no backslash escapes needed for `'`). */
export const quoteString = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`

/** Index just past the quoted run that opens at `i` (', " or `), honouring doubling and backslashes. */
export function skipQuoted(text: string, i: number): number {
  const q = text[i]
  let j = i + 1
  while (j < text.length) {
    const c = text[j]
    if (c === "\\" && q !== "`") {
      j += 2
      continue
    }
    if (c === q) {
      if (text[j + 1] === q) {
        j += 2
        continue
      }
      return j + 1
    }
    j++
  }
  return text.length
}

const isQuote = (c: string | undefined) => c === "'" || c === '"' || c === "`"

/** Index of the `)` that closes the `(` at `open`, or -1. */
export function matchingParen(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; ) {
    const c = text[i]
    if (isQuote(c)) {
      i = skipQuoted(text, i)
      continue
    }
    if (c === "(") depth++
    else if (c === ")") {
      depth--
      if (depth === 0) return i
    }
    i++
  }
  return -1
}

/** Cut at commas outside quotes and parentheses; pieces are trimmed. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let from = 0
  for (let i = 0; i < text.length; ) {
    const c = text[i]
    if (isQuote(c)) {
      i = skipQuoted(text, i)
      continue
    }
    if (c === "(") depth++
    else if (c === ")") depth--
    else if (c === "," && depth === 0) {
      parts.push(text.slice(from, i).trim())
      from = i + 1
    }
    i++
  }
  const last = text.slice(from).trim()
  if (last !== "") parts.push(last)
  return parts
}

/** Apply `f` to the text between quoted runs; quoted runs pass through unchanged. */
export function outsideQuotes(text: string, f: (chunk: string) => string, keepBackticks = true): string {
  let out = ""
  let from = 0
  for (let i = 0; i < text.length; ) {
    const c = text[i]
    if (isQuote(c) && (keepBackticks || c !== "`")) {
      out += f(text.slice(from, i))
      const end = skipQuoted(text, i)
      out += text.slice(i, end)
      i = end
      from = i
      continue
    }
    i++
  }
  return out + f(text.slice(from))
}

/** `name` -> name where the name needs no quotes, so `a`+1 and a+1 compare equal. */
export function unquotePlainNames(text: string): string {
  let out = ""
  for (let i = 0; i < text.length; ) {
    const c = text[i]
    if (c === "'" || c === '"') {
      const end = skipQuoted(text, i)
      out += text.slice(i, end)
      i = end
      continue
    }
    if (c === "`") {
      const end = skipQuoted(text, i)
      const inner = text.slice(i + 1, end - 1)
      out += /^[A-Za-z_][A-Za-z0-9_$]*$/.test(inner) ? inner : text.slice(i, end)
      i = end
      continue
    }
    out += c
    i++
  }
  return out
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
  const names: string[] = []
  for (let i = 0; i < text.length; ) {
    const c = text[i]
    if (isQuote(c)) {
      const end = skipQuoted(text, i)
      if (c === "`") names.push(text.slice(i + 1, end - 1).replaceAll("``", "`"))
      i = end
      continue
    }
    i++
  }
  return names
}

/** Upper-case keywords outside quotes, so `int(11) unsigned` reads `INT(11) UNSIGNED`. */
export const upperOutsideQuotes = (text: string) => outsideQuotes(text, (chunk) => chunk.toUpperCase())
