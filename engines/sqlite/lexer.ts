/**
 * lexer: SQLite's tokens (https://www.sqlite.org/lang_keywords.html, lang_expr.html#literal_values).
 * Splitting, catalog parsing and comparison all need to know where strings, quoted names and
 * comments start and end; this is the one place that knows.
 */

export type TokenKind =
  | "word"
  | "quoted"
  | "string"
  | "blob"
  | "number"
  | "param"
  | "punct"
  | "comment"
  | "space"

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly start: number
  readonly line: number
}

export class LexError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(reason)
  }
}

const wordStart = /[A-Za-z_\u0080-\uffff]/
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/

/** Reads a quoted run that ends at `close`, where a doubled `close` stands for itself. */
function quotedEnd(sql: string, from: number, close: string, doubles: boolean): number {
  let i = from + 1
  while (i < sql.length) {
    if (sql[i] === close) {
      if (doubles && sql[i + 1] === close) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  return -1
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  const push = (kind: TokenKind, end: number) => {
    const text = sql.slice(i, end)
    tokens.push({ kind, text, start: i, line })
    for (const ch of text) if (ch === "\n") line++
    i = end
  }
  while (i < sql.length) {
    const ch = sql[i] as string
    const next = sql[i + 1]
    if (/\s/.test(ch)) {
      let end = i + 1
      while (end < sql.length && /\s/.test(sql[end] as string)) end++
      push("space", end)
    } else if (ch === "-" && next === "-") {
      const nl = sql.indexOf("\n", i)
      push("comment", nl === -1 ? sql.length : nl)
    } else if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2)
      // SQLite accepts a comment left open at the end of input.
      push("comment", close === -1 ? sql.length : close + 2)
    } else if (ch === "'") {
      const end = quotedEnd(sql, i, "'", true)
      if (end === -1) throw new LexError("unterminated string literal", line)
      push("string", end)
    } else if ((ch === "x" || ch === "X") && next === "'") {
      const end = quotedEnd(sql, i + 1, "'", false)
      if (end === -1) throw new LexError("unterminated blob literal", line)
      push("blob", end)
    } else if (ch === '"' || ch === "`") {
      const end = quotedEnd(sql, i, ch, true)
      if (end === -1) throw new LexError(`unterminated quoted identifier`, line)
      push("quoted", end)
    } else if (ch === "[") {
      const end = sql.indexOf("]", i)
      if (end === -1) throw new LexError("unterminated [identifier]", line)
      push("quoted", end + 1)
    } else if (/[0-9]/.test(ch) || (ch === "." && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(0[xX][0-9A-Fa-f_]+|([0-9_]*\.?[0-9_]*)([eE][+-]?[0-9_]+)?)/.exec(sql.slice(i))
      push("number", i + Math.max(1, m?.[0].length ?? 1))
    } else if (ch === "?" || ch === ":" || ch === "@" || ch === "$") {
      let end = i + 1
      while (end < sql.length && wordPart.test(sql[end] as string)) end++
      push("param", end)
    } else if (wordStart.test(ch)) {
      let end = i + 1
      while (end < sql.length && wordPart.test(sql[end] as string)) end++
      push("word", end)
    } else {
      const two = sql.slice(i, i + 2)
      const op = ["||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->"].includes(two) ? 2 : 1
      push("punct", i + (sql.slice(i, i + 3) === "->>" ? 3 : op))
    }
  }
  return tokens
}

/** Tokens that carry meaning (no spaces or comments). */
export function significant(tokens: ReadonlyArray<Token>): Token[] {
  return tokens.filter((t) => t.kind !== "space" && t.kind !== "comment")
}

/** The bare name behind an identifier token: quotes removed, doubled quotes folded. */
export function unquote(text: string): string {
  const first = text[0]
  if (first === '"' || first === "`") return text.slice(1, -1).replaceAll(first + first, first)
  if (first === "[") return text.slice(1, -1)
  return text
}

/** Upper-cased word, for keyword tests; quoted names never match a keyword. */
export function keyword(token: Token | undefined): string {
  return token?.kind === "word" ? token.text.toUpperCase() : ""
}

/**
 * A comparison key for SQL text: comments and spacing dropped, names unquoted and lower-cased
 * (SQLite names are case-insensitive), so two spellings of one definition compare equal.
 */
export function normalizeSql(sql: string): string {
  return significant(tokenize(sql))
    .map((t) => {
      if (t.kind === "word") return t.text.toLowerCase()
      if (t.kind === "quoted") return unquote(t.text).toLowerCase()
      if (t.kind === "blob") return t.text.toLowerCase()
      return t.text
    })
    .join(" ")
}

const bareName = /^[A-Za-z_][A-Za-z0-9_]*$/

export function isReserved(word: string): boolean {
  return reserved.has(word.toUpperCase())
}

/** Quote a name for SQLite when it needs it (or always, with `force`). */
export function quoteName(name: string, force = false): string {
  if (!force && bareName.test(name) && !reserved.has(name.toUpperCase())) return name
  return `"${name.replaceAll('"', '""')}"`
}

// Keywords that cannot stand as a bare name (https://www.sqlite.org/lang_keywords.html).
const reserved = new Set(
  (
    "ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY " +
    "CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE " +
    "CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP " +
    "EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM " +
    "FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT " +
    "INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING " +
    "NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY " +
    "RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK " +
    "ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION " +
    "UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT"
  ).split(" "),
)
