/**
 * _statements: a small, engine-neutral SQL statement splitter for the formats. Formats need it to
 * decide how a script must be written for their runner (goose wraps a statement that holds a `;` in
 * StatementBegin/StatementEnd), and whether a script can run inside a transaction at all.
 *
 * Its tokens come from sql/lexer.ts in a dialect that reads every engine's common quoting: `--` and
 * nested `/* *\/` comments, '...' strings ('' doubles a quote, E'...' takes backslash escapes), "..."
 * and `...` identifiers, dollar quotes ($$...$$, $tag$...$tag$). It also knows the BEGIN ... END
 * bodies of CREATE TRIGGER / FUNCTION / PROCEDURE / EVENT (SQLite and MySQL triggers, PostgreSQL
 * BEGIN ATOMIC), where CASE ... END nests and END IF / END LOOP close nothing. An
 * unterminated string or comment runs to the end of the text; the engine's own splitter reports it.
 * MySQL's backslash escapes in plain '...' strings are not understood.
 */

import { anyDialect, tokenize as lex } from "../sql/lexer.ts"

type TokenKind = "word" | "string" | "comment" | "semicolon" | "other"

interface Token {
  readonly kind: TokenKind
  readonly start: number
  readonly end: number
}

/** One statement of a script, with its place in that script. */
export interface SqlStatement {
  /** From the statement's first token through its terminating `;` (when it has one). */
  readonly text: string
  readonly start: number
  /** Offset just past the statement's last character (its `;` when terminated). */
  readonly end: number
  /** 1-based line of the first character. */
  readonly line: number
  readonly terminated: boolean
  /** A `;` inside the statement's body: in a dollar quote or a BEGIN ... END block (not in a plain string). */
  readonly innerSemicolon: boolean
  /** The statement's bare words (keywords and identifiers), upper-cased, strings and comments left out. */
  readonly words: ReadonlyArray<string>
}

/** The script's tokens as the formats need them (sql/lexer.ts, read in no engine's dialect in particular). */
function tokenize(sql: string): Token[] {
  return lex(sql, anyDialect).flatMap((t): Token[] => {
    const at = { start: t.start, end: t.start + t.text.length }
    switch (t.kind) {
      case "space":
        return []
      case "word":
      case "comment":
        return [{ kind: t.kind, ...at }]
      case "string":
      case "quoted":
      case "dollar":
      case "blob":
        return [{ kind: "string", ...at }]
      default:
        return [{ kind: t.text === ";" ? "semicolon" : "other", ...at }]
    }
  })
}

const routineKinds = new Set(["TRIGGER", "FUNCTION", "PROCEDURE", "EVENT"])
/** END followed by these closes a block that never opened a level (END IF, END LOOP ...). */
const endCompanions = new Set(["IF", "LOOP", "WHILE", "REPEAT", "FOR"])

function lineAt(sql: string, offset: number, from: { offset: number; line: number }): number {
  let line = from.line
  for (let k = from.offset; k < offset; k++) if (sql.charCodeAt(k) === 10) line++
  from.offset = offset
  from.line = line
  return line
}

/** Cut `sql` into statements. Empty statements (a lone `;`) are dropped; comments between statements belong to none. */
export function splitSql(sql: string): SqlStatement[] {
  const tokens = tokenize(sql).filter((t) => t.kind !== "comment")
  const word = (t: Token | undefined) =>
    t && t.kind === "word" ? sql.slice(t.start, t.end).toUpperCase() : ""
  const statements: SqlStatement[] = []
  const cursor = { offset: 0, line: 1 }
  let first = -1
  let routine = false
  let depth = 0
  let inner = false
  let words: string[] = []
  const close = (lastIndex: number, terminated: boolean) => {
    const start = tokens[first] as Token
    const last = tokens[lastIndex] as Token
    statements.push({
      text: sql.slice(start.start, last.end),
      start: start.start,
      end: last.end,
      line: lineAt(sql, start.start, cursor),
      terminated,
      innerSemicolon: inner,
      words,
    })
    first = -1
    routine = false
    depth = 0
    inner = false
    words = []
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token
    if (token.kind === "semicolon") {
      if (first === -1) continue
      if (depth > 0) {
        inner = true
        continue
      }
      close(i, true)
      continue
    }
    if (first === -1) {
      first = i
      if (word(token) === "CREATE") {
        for (let k = i + 1, seen = 0; k < tokens.length && seen < 5; k++) {
          const w = word(tokens[k])
          if (!w) continue
          seen++
          if (routineKinds.has(w)) {
            routine = true
            break
          }
        }
      }
    }
    if (
      token.kind === "string" &&
      sql[token.start] === "$" &&
      sql.slice(token.start, token.end).includes(";")
    )
      inner = true
    if (token.kind !== "word") continue
    const w = word(token)
    words.push(w)
    if (!routine) continue
    const previous = tokens[i - 1]
    if (previous && previous.kind === "other" && sql[previous.start] === ".") continue
    if (w === "BEGIN" || (w === "CASE" && depth > 0)) depth++
    else if (w === "END" && depth > 0) {
      const next = word(tokens[i + 1])
      if (endCompanions.has(next)) {
        i++
        continue
      }
      depth--
      if (next === "CASE") i++
    }
  }
  if (first !== -1) close(tokens.length - 1, false)
  return statements
}

/** True when a statement must run outside a transaction block (PostgreSQL and SQLite rules). */
export function statementNeedsNoTransaction(words: ReadonlyArray<string>): boolean {
  const [w0 = "", w1 = "", w2 = ""] = words
  const has = (w: string) => words.includes(w)
  if (w0 === "VACUUM") return true
  if (w0 === "CREATE" && (w1 === "INDEX" || (w1 === "UNIQUE" && w2 === "INDEX")) && has("CONCURRENTLY"))
    return true
  if (w0 === "DROP" && w1 === "INDEX" && w2 === "CONCURRENTLY") return true
  if (w0 === "REINDEX" && has("CONCURRENTLY")) return true
  if (w0 === "ALTER" && w1 === "TABLE" && has("DETACH") && has("CONCURRENTLY")) return true
  if ((w0 === "CREATE" || w0 === "DROP") && (w1 === "DATABASE" || w1 === "TABLESPACE")) return true
  if (w0 === "ALTER" && w1 === "SYSTEM") return true
  return false
}

/** True when some statement of `sql` cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM...). */
export function needsNoTransaction(sql: string): boolean {
  return splitSql(sql).some((s) => statementNeedsNoTransaction(s.words))
}

/** True when the script opens a transaction itself (`BEGIN;`, `START TRANSACTION;`), as sqitch's templates do. */
export function opensTransaction(sql: string): boolean {
  return splitSql(sql).some((s) => {
    const [w0 = "", w1 = ""] = s.words
    return (w0 === "BEGIN" && w1 !== "ATOMIC") || (w0 === "START" && w1 === "TRANSACTION")
  })
}

/** Lines of a text without their line ending (`\r\n` or `\n`). */
export function linesOf(text: string): string[] {
  return text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
}

/**
 * The text of some lines of a file, the others left blank, so that line N of the result is line N of
 * the file and a failing statement is reported at its real line. Trailing blank lines are dropped.
 */
export function keepLines(lines: ReadonlyArray<string>, keep: (index: number) => boolean): string {
  const kept = lines.map((line, index) => (keep(index) ? line : ""))
  while (kept.length > 0 && (kept[kept.length - 1] as string).trim() === "") kept.pop()
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`
}

/** True when a text holds no SQL: only blanks and comments. */
export function isBlankSql(sql: string): boolean {
  return tokenize(sql).every((t) => t.kind === "comment")
}
