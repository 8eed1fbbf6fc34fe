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
// Sticky patterns read a whole run from the current position without copying the rest of the text.
const spaceRun = /\s+/y
const wordRun = /[A-Za-z0-9_$\u0080-\uffff]*/y
const numberRun = /0[xX][0-9A-Fa-f_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?/y
const digit = /[0-9]/
const twoCharOps = new Set(["||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->"])

/** Reads a quoted run that ends at `close`, where a doubled `close` stands for itself. */
function quotedEnd(sql: string, from: number, close: string, doubles: boolean): number {
  let i = from + 1
  for (;;) {
    const at = sql.indexOf(close, i)
    if (at === -1) return -1
    if (doubles && sql[at + 1] === close) {
      i = at + 2
      continue
    }
    return at + 1
  }
}

/** End of the run `pattern` (sticky) matches at `from`. */
function runEnd(pattern: RegExp, sql: string, from: number): number {
  pattern.lastIndex = from
  return pattern.test(sql) ? pattern.lastIndex : from
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  // Only these kinds can hold a newline; counting them in every word and number token is wasted work.
  const push = (kind: TokenKind, end: number, multiline = false) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, line })
    if (multiline)
      for (let at = sql.indexOf("\n", i); at !== -1 && at < end; at = sql.indexOf("\n", at + 1)) line++
    i = end
  }
  while (i < sql.length) {
    const ch = sql[i] as string
    const next = sql[i + 1]
    if (ch === " " || ch === "\n" || ch === "\t" || ch === "\r" || /\s/.test(ch)) {
      push("space", runEnd(spaceRun, sql, i), true)
    } else if (ch === "-" && next === "-") {
      const nl = sql.indexOf("\n", i)
      push("comment", nl === -1 ? sql.length : nl)
    } else if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2)
      // SQLite accepts a comment left open at the end of input.
      push("comment", close === -1 ? sql.length : close + 2, true)
    } else if (ch === "'") {
      const end = quotedEnd(sql, i, "'", true)
      if (end === -1) throw new LexError("unterminated string literal", line)
      push("string", end, true)
    } else if ((ch === "x" || ch === "X") && next === "'") {
      const end = quotedEnd(sql, i + 1, "'", false)
      if (end === -1) throw new LexError("unterminated blob literal", line)
      push("blob", end, true)
    } else if (ch === '"' || ch === "`") {
      const end = quotedEnd(sql, i, ch, true)
      if (end === -1) throw new LexError(`unterminated quoted identifier`, line)
      push("quoted", end, true)
    } else if (ch === "[") {
      const end = sql.indexOf("]", i)
      if (end === -1) throw new LexError("unterminated [identifier]", line)
      push("quoted", end + 1, true)
    } else if (digit.test(ch) || (ch === "." && next !== undefined && digit.test(next))) {
      push("number", Math.max(i + 1, runEnd(numberRun, sql, i)))
    } else if (ch === "?" || ch === ":" || ch === "@" || ch === "$") {
      push("param", runEnd(wordRun, sql, i + 1))
    } else if (wordStart.test(ch)) {
      push("word", runEnd(wordRun, sql, i + 1))
    } else {
      const op = twoCharOps.has(sql.slice(i, i + 2)) ? 2 : 1
      push("punct", i + (sql.startsWith("->>", i) ? 3 : op))
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
