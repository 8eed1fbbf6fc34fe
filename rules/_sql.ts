/**
 * _sql: a dialect-tolerant tokenizer for the rules. It knows the quoting of SQLite, PostgreSQL and
 * MySQL (single-quoted strings with E'' escapes, double quotes, backticks, brackets, dollar quotes)
 * and both comment styles, so a keyword inside a string or comment is never taken for one. The rules
 * use it to find the statement behind a finding and to read fixed DDL shapes (RENAME ... TO ...);
 * deciding whether DML is filtered is the parsers' job (_parse.ts), with this as the fallback.
 */

export interface Token {
  readonly kind: "word" | "quoted" | "string" | "number" | "punct"
  /** The text as written. */
  readonly text: string
  /** Words in upper case, quoted names unquoted, strings without their quotes. */
  readonly value: string
  /** Parenthesis depth at the token (0 = the statement's own level). */
  readonly depth: number
}

const isWordStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c)
const isWordPart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c)

/** Tokens of one statement; comments and white space are dropped, an unterminated quote ends the input. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let depth = 0
  let i = 0
  const push = (kind: Token["kind"], text: string, value: string) => tokens.push({ kind, text, value, depth })
  const closeAt = (quote: string, from: number) => {
    // A doubled quote is an escaped quote; backslash escapes count only in E'' and MySQL strings,
    // where skipping the escaped character can only keep a quote from ending the string early.
    let j = from
    while (j < sql.length) {
      const c = sql[j] as string
      if (c === "\\" && quote !== "]" && quote !== '"' && quote !== "`") j += 2
      else if (c === quote && sql[j + 1] === quote && quote !== "]") j += 2
      else if (c === quote) return j + 1
      else j++
    }
    return sql.length
  }
  while (i < sql.length) {
    const c = sql[i] as string
    if (/\s/.test(c)) i++
    else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i)
      i = end === -1 ? sql.length : end + 1
    } else if (c === "#" && /^#(?!>)/.test(sql.slice(i, i + 2)) && tokens.length === 0) {
      // MySQL's `#` comment only at a statement's start: elsewhere PostgreSQL uses # as an operator.
      const end = sql.indexOf("\n", i)
      i = end === -1 ? sql.length : end + 1
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2)
      i = end === -1 ? sql.length : end + 2
    } else if (c === "'" || ((c === "E" || c === "e" || c === "N" || c === "n") && sql[i + 1] === "'")) {
      const start = c === "'" ? i : i + 1
      const end = closeAt("'", start + 1)
      push("string", sql.slice(i, end), sql.slice(start + 1, end - 1).replaceAll("''", "'"))
      i = end
    } else if (c === '"' || c === "`" || c === "[") {
      const quote = c === "[" ? "]" : c
      const end = closeAt(quote, i + 1)
      const inner = sql.slice(i + 1, end - 1)
      push("quoted", sql.slice(i, end), c === "[" ? inner : inner.replaceAll(quote + quote, quote))
      i = end
    } else if (c === "$" && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = (/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i)) as RegExpExecArray)[0]
      const end = sql.indexOf(tag, i + tag.length)
      const stop = end === -1 ? sql.length : end + tag.length
      push("string", sql.slice(i, stop), sql.slice(i + tag.length, end === -1 ? sql.length : end))
      i = stop
    } else if (/[0-9]/.test(c)) {
      let j = i
      while (j < sql.length && /[0-9.eE]/.test(sql[j] as string)) j++
      push("number", sql.slice(i, j), sql.slice(i, j))
      i = j
    } else if (isWordStart(c)) {
      let j = i
      while (j < sql.length && isWordPart(sql[j] as string)) j++
      const text = sql.slice(i, j)
      push("word", text, text.toUpperCase())
      i = j
    } else {
      if (c === ")") depth = Math.max(0, depth - 1)
      push("punct", c, c)
      if (c === "(") depth++
      i++
    }
  }
  return tokens
}

/** True when the token is the keyword `word` (upper case). */
export const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.kind === "word" && words.includes(t.value)

/** True when `tokens` from `at` spell `words` (keywords, upper case). */
export function spells(tokens: ReadonlyArray<Token>, at: number, ...words: string[]): boolean {
  return words.every((w, k) => isWord(tokens[at + k], w))
}

/** A possibly qualified name starting at `at` ("public"."users" -> public.users), with the index after it. */
export function nameAt(tokens: ReadonlyArray<Token>, at: number): { name: string; next: number } | undefined {
  const first = tokens[at]
  if (!first || (first.kind !== "word" && first.kind !== "quoted")) return undefined
  const parts = [first.kind === "word" ? first.text : first.value]
  let i = at + 1
  while (tokens[i]?.text === "." && (tokens[i + 1]?.kind === "word" || tokens[i + 1]?.kind === "quoted")) {
    const part = tokens[i + 1] as Token
    parts.push(part.kind === "word" ? part.text : part.value)
    i += 2
  }
  return { name: parts.join("."), next: i }
}

/**
 * Names compared the way a reader means them: case folded, and the default schema (`public`,
 * `main`) optional. Exact enough to find a statement or a rename; the decision itself comes from
 * the catalogs, which already matched names the engine's way.
 */
export function sameName(a: string, b: string): boolean {
  const fold = (n: string) => n.toLowerCase().replace(/^(public|main)\./, "")
  return fold(a) === fold(b)
}

/** Skip `IF EXISTS` / `IF NOT EXISTS` at `at`. */
export function skipIfExists(tokens: ReadonlyArray<Token>, at: number): number {
  if (spells(tokens, at, "IF", "EXISTS")) return at + 2
  if (spells(tokens, at, "IF", "NOT", "EXISTS")) return at + 3
  return at
}

/** The statement's text on one line, shortened, for messages. */
export function shortSql(sql: string, max = 160): string {
  const flat = sql.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat
}
