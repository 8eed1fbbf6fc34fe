/**
 * words: the tokens the rules read, from sql/lexer.ts in a tolerant dialect that knows the quoting of
 * SQLite, PostgreSQL and MySQL (single-quoted strings with E'' and backslash escapes, double quotes,
 * backticks, brackets, dollar quotes, both comment styles, MySQL's `#` at a statement's start), so a
 * keyword inside a string or comment is never taken for one. Each token carries its value (words in
 * upper case, names unquoted, strings without their quotes) and its parenthesis depth. The rules use
 * them to find the statement behind a finding and to read fixed DDL shapes (RENAME ... TO ...);
 * deciding whether DML is filtered is the parsers' job (_parse.ts), with this as the fallback.
 */
import { dialect, tokenize as lex, unquote } from "./lexer.ts"

export interface Token {
  readonly kind: "word" | "quoted" | "string" | "number" | "punct"
  /** The text as written. */
  readonly text: string
  /** Words in upper case, quoted names unquoted, strings without their quotes. */
  readonly value: string
  /** Parenthesis depth at the token (0 = the statement's own level). */
  readonly depth: number
}

/** Any engine's quoting, read tolerantly: an unterminated quote ends the input. */
const rulesDialect = dialect({
  nameQuotes: '"`[',
  backslashes: "always",
  stringPrefixes: "EeNn",
  dollarQuotes: true,
  openCommentEnds: true,
  hashComments: "first",
  tolerant: true,
})

/** A string literal's content: quotes and a prefix removed, doubled quotes folded (dollar bodies as written). */
function stringValue(text: string): string {
  if (text.startsWith("$")) {
    const tag = /^\$[^$]*\$/.exec(text)?.[0] ?? "$$"
    return text.endsWith(tag) && text.length >= 2 * tag.length
      ? text.slice(tag.length, -tag.length)
      : text.slice(tag.length)
  }
  const open = text.indexOf("'")
  const body = text.slice(open + 1, text.length > open + 1 && text.endsWith("'") ? -1 : undefined)
  return body.replaceAll("''", "'")
}

/** Tokens of one statement; comments and white space are dropped, an unterminated quote ends the input. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let depth = 0
  for (const t of lex(sql, rulesDialect)) {
    switch (t.kind) {
      case "space":
      case "comment":
        break
      case "word":
        tokens.push({ kind: "word", text: t.text, value: t.text.toUpperCase(), depth })
        break
      case "quoted":
        tokens.push({ kind: "quoted", text: t.text, value: unquote(t.text), depth })
        break
      case "string":
      case "dollar":
      case "blob":
        tokens.push({ kind: "string", text: t.text, value: stringValue(t.text), depth })
        break
      case "number":
        tokens.push({ kind: "number", text: t.text, value: t.text, depth })
        break
      default:
        if (t.text === ")") depth = Math.max(0, depth - 1)
        tokens.push({ kind: "punct", text: t.text, value: t.text, depth })
        if (t.text === "(") depth++
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
