/**
 * lexer: SQLite's tokens (https://www.sqlite.org/lang_keywords.html, lang_expr.html#literal_values)
 * as sql/lexer.ts reads them in SQLite's dialect: '...' strings, "...", `...` and [...] names, x'...'
 * blobs, ?/:name/@name/$name parameters, and a block comment may be left open at the end. Splitting,
 * catalog parsing and comparison read SQLite text through here; plus quoting and comparison keys.
 */
import {
  dialect,
  keyword as wordOf,
  LexError,
  significant,
  type Token,
  type TokenKind,
  tokenize as lex,
  unquote,
} from "../../sql/lexer.ts"

export { LexError, significant, type Token, type TokenKind, unquote }

/** Upper-cased word, for keyword tests; "" for anything else (a quoted name never matches a keyword). */
export const keyword = (token: Token | undefined): string => wordOf(token) ?? ""

/** How SQLite writes strings, names, comments, numbers and operators. */
export const sqliteDialect = dialect({
  nameQuotes: '"`[',
  blobs: true,
  openCommentEnds: true,
  params: "named",
  operators: "fixed",
  numbers: "hex",
})

export const tokenize = (sql: string): Token[] => lex(sql, sqliteDialect)

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
