/**
 * lexer: PostgreSQL's lexical structure (https://www.postgresql.org/docs/current/sql-syntax-lexical.html)
 * as a flat token list with line numbers: single-quoted strings with their E/B/X/U&/N prefixes,
 * double-quoted identifiers, dollar-quoted strings, nested block comments and line comments. The
 * splitter cuts statements on it and the catalog code folds spelling with it; neither needs a parse tree.
 */

export type TokenKind =
  | "word"
  | "quoted"
  | "string"
  | "dollar"
  | "number"
  | "param"
  | "punct"
  | "operator"
  | "comment"
  | "space"

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  /** Offset of the token's first character in the input. */
  readonly start: number
  /** 1-based line of the token's first character. */
  readonly line: number
}

/** Input that cannot be tokenized: an unterminated string, identifier or comment. */
export class PgLexError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
    this.name = "PgLexError"
  }
}

const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c)
const isIdentPart = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c)
const operatorChars = "+-*/<>=~!@#%^&|`?"

/** The `$tag$` that opens a dollar-quoted string at `i`, or undefined. */
function dollarTag(sql: string, i: number): string | undefined {
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))
  return match?.[0]
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  const push = (kind: TokenKind, end: number) => {
    const text = sql.slice(i, end)
    tokens.push({ kind, text, start: i, line })
    for (let k = i; k < end; k++) if (sql.charCodeAt(k) === 10) line++
    i = end
  }
  /** End of a quoted run starting at `from` (just after the opening quote); doubled quotes stay inside. */
  const closeQuote = (from: number, quote: string, backslash: boolean, what: string) => {
    let j = from
    while (j < sql.length) {
      const c = sql[j]
      if (backslash && c === "\\") j += 2
      else if (c === quote) {
        if (sql[j + 1] === quote) j += 2
        else return j + 1
      } else j++
    }
    throw new PgLexError(`Unterminated ${what}`, line)
  }
  while (i < sql.length) {
    const c = sql[i] as string
    const next = sql[i + 1] ?? ""
    if (/\s/.test(c)) {
      let j = i + 1
      while (j < sql.length && /\s/.test(sql[j] as string)) j++
      push("space", j)
    } else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i)
      push("comment", end === -1 ? sql.length : end)
    } else if (c === "/" && next === "*") {
      // Block comments nest in PostgreSQL, unlike the SQL standard's.
      let depth = 0
      let j = i
      while (j < sql.length) {
        if (sql[j] === "/" && sql[j + 1] === "*") {
          depth++
          j += 2
        } else if (sql[j] === "*" && sql[j + 1] === "/") {
          depth--
          j += 2
          if (depth === 0) break
        } else j++
      }
      if (depth !== 0) throw new PgLexError("Unterminated /* comment", line)
      push("comment", j)
    } else if (c === "'") {
      push("string", closeQuote(i + 1, "'", false, "quoted string"))
    } else if ((c === "E" || c === "e") && next === "'") {
      push("string", closeQuote(i + 2, "'", true, "quoted string"))
    } else if (/[BbXxNn]/.test(c) && next === "'") {
      push("string", closeQuote(i + 2, "'", false, "quoted string"))
    } else if ((c === "U" || c === "u") && next === "&" && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
      const quote = sql[i + 2] as string
      push(quote === "'" ? "string" : "quoted", closeQuote(i + 3, quote, false, "quoted string"))
    } else if (c === '"') {
      push("quoted", closeQuote(i + 1, '"', false, "quoted identifier"))
    } else if (c === "$") {
      const tag = dollarTag(sql, i)
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length)
        if (end === -1) throw new PgLexError(`Unterminated dollar-quoted string ${tag}`, line)
        push("dollar", end + tag.length)
      } else {
        let j = i + 1
        while (j < sql.length && /[0-9]/.test(sql[j] as string)) j++
        push(j > i + 1 ? "param" : "operator", Math.max(j, i + 1))
      }
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(next))) {
      const match = /^(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?/.exec(sql.slice(i)) as RegExpExecArray
      const hex = /^0[xXoObB][0-9A-Fa-f_]+/.exec(sql.slice(i))
      push("number", i + Math.max(1, hex ? hex[0].length : match[0].length))
    } else if (isIdentStart(c)) {
      let j = i + 1
      while (j < sql.length && isIdentPart(sql[j] as string)) j++
      push("word", j)
    } else if (c === ":" && next === ":") {
      push("operator", i + 2)
    } else if ("(),;[].:".includes(c)) {
      push("punct", i + 1)
    } else if (operatorChars.includes(c)) {
      let j = i + 1
      while (j < sql.length && operatorChars.includes(sql[j] as string)) {
        // `--` and `/*` start comments even in the middle of an operator.
        if ((sql[j] === "-" && sql[j + 1] === "-") || (sql[j] === "/" && sql[j + 1] === "*")) break
        j++
      }
      push("operator", j)
    } else {
      push("operator", i + 1)
    }
  }
  return tokens
}

/** Tokens that carry meaning: no spaces, no comments. */
export const significant = (tokens: ReadonlyArray<Token>) =>
  tokens.filter((t) => t.kind !== "space" && t.kind !== "comment")

/** The upper-case keyword a token spells, or undefined for anything but a bare word. */
export const keyword = (token: Token | undefined) =>
  token?.kind === "word" ? token.text.toUpperCase() : undefined

/**
 * The spelling-independent text of some SQL: comments dropped, whitespace folded to single spaces
 * where it separates words, bare words lower-cased (PostgreSQL folds unquoted names), strings and
 * quoted identifiers kept as written.
 */
export function normalizeSql(sql: string): string {
  const tokens = significant(tokenize(sql))
  let out = ""
  let previous: Token | undefined
  for (const t of tokens) {
    const text = t.kind === "word" ? t.text.toLowerCase() : t.text
    const wordy = (x: Token | undefined) =>
      x !== undefined &&
      (x.kind === "word" || x.kind === "quoted" || x.kind === "number" || x.kind === "string")
    if (
      previous &&
      ((wordy(previous) && wordy(t)) || (previous.kind === "operator" && t.kind === "operator"))
    )
      out += " "
    out += text
    previous = t
  }
  return out
}
