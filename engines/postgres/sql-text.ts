/**
 * sql-text: small token-level operations on PostgreSQL text that the catalog code and the planner
 * share: removing one pair of enclosing parentheses, cutting a list at its top-level commas, finding
 * the names an expression mentions. They work on tokens (lexer.ts), so a comma or parenthesis inside
 * a string or quoted name never counts.
 */
import { keyword, significant, type Token, tokenize } from "./lexer.ts"

/** Depth of parentheses before each significant token. */
function withDepth(sql: string): Array<{ token: Token; depth: number }> {
  let depth = 0
  return significant(tokenize(sql)).map((token) => {
    if (token.text === ")" && token.kind === "punct") depth--
    const entry = { token, depth }
    if (token.text === "(" && token.kind === "punct") depth++
    return entry
  })
}

/** `(a > 0)` -> `a > 0`, but `(a) + (b)` stays: only a pair that encloses everything is removed. */
export function stripParens(sql: string): string {
  const text = sql.trim()
  if (!text.startsWith("(") || !text.endsWith(")")) return text
  const tokens = withDepth(text)
  const closing = tokens.findIndex(
    (t, i) => i > 0 && t.depth === 0 && t.token.text === ")" && t.token.kind === "punct",
  )
  return closing === tokens.length - 1 ? text.slice(1, -1).trim() : text
}

/** The text inside the first top-level parenthesized group: `UNIQUE NULLS NOT DISTINCT (a, b)` -> `a, b`. */
export function firstGroup(sql: string): string | undefined {
  const tokens = withDepth(sql)
  const open = tokens.findIndex((t) => t.depth === 0 && t.token.kind === "punct" && t.token.text === "(")
  const close = tokens.findIndex(
    (t, i) => i > open && t.depth === 0 && t.token.kind === "punct" && t.token.text === ")",
  )
  const a = tokens[open]
  const b = tokens[close]
  return open === -1 || !a || !b ? undefined : sql.slice(a.token.start + 1, b.token.start).trim()
}

/** The parts of a comma-separated list, split at commas outside parentheses. */
export function splitTopLevel(sql: string): string[] {
  const parts: string[] = []
  let start = 0
  for (const { token, depth } of withDepth(sql)) {
    if (depth === 0 && token.kind === "punct" && token.text === ",") {
      parts.push(sql.slice(start, token.start).trim())
      start = token.start + 1
    }
  }
  const last = sql.slice(start).trim()
  if (last !== "") parts.push(last)
  return parts
}

/** Offsets of top-level occurrences of the keyword sequences given, in order of appearance. */
export function topLevelKeywords(
  sql: string,
  words: ReadonlyArray<string>,
): Array<{ word: string; start: number }> {
  const tokens = withDepth(sql)
  const found: Array<{ word: string; start: number }> = []
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i] as { token: Token; depth: number }
    if (entry.depth !== 0) continue
    for (const word of words) {
      const parts = word.split(" ")
      if (parts.every((p, k) => keyword(tokens[i + k]?.token) === p)) {
        found.push({ word, start: entry.token.start })
        break
      }
    }
  }
  return found
}

/** Names (as PostgreSQL folds them) that an expression mentions, out of `known`. */
export function mentionedNames(sql: string, known: ReadonlyArray<string>): string[] {
  const set = new Set(known)
  const found = new Set<string>()
  for (const token of significant(tokenize(sql))) {
    const name =
      token.kind === "word"
        ? token.text.toLowerCase()
        : token.kind === "quoted"
          ? token.text.slice(1, -1).replaceAll('""', '"')
          : undefined
    if (name !== undefined && set.has(name)) found.add(name)
  }
  return [...found]
}
