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

import { anyDialect, keyword, significant, type Token, tokenize as lex } from "../sql/lexer.ts"
import { type BodyTracker, cutStatements } from "../sql/split.ts"

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

const routineKinds = new Set(["TRIGGER", "FUNCTION", "PROCEDURE", "EVENT"])
/** END followed by these closes a block that never opened a level (END IF, END LOOP ...). */
const endCompanions = new Set(["IF", "LOOP", "WHILE", "REPEAT", "FOR"])

/** The BEGIN ... END body of CREATE TRIGGER / FUNCTION / PROCEDURE / EVENT, any dialect's. */
function routineBody(): BodyTracker {
  let started = false
  let routine = false
  let depth = 0
  return {
    step: (tokens, i) => {
      const token = tokens[i] as Token
      if (!started) {
        started = true
        if (keyword(token) === "CREATE")
          for (let k = i + 1, seen = 0; k < tokens.length && seen < 5; k++) {
            const w = keyword(tokens[k])
            if (!w) continue
            seen++
            if (routineKinds.has(w)) {
              routine = true
              break
            }
          }
      }
      const w = keyword(token)
      if (!routine || w === undefined) return undefined
      if (tokens[i - 1]?.text === ".") return undefined
      if (w === "BEGIN" || (w === "CASE" && depth > 0)) depth++
      else if (w === "END" && depth > 0) {
        const next = keyword(tokens[i + 1]) ?? ""
        if (endCompanions.has(next)) return 1
        depth--
        if (next === "CASE") return 1
      }
      return undefined
    },
    inBody: () => depth > 0,
  }
}

/** Cut `sql` into statements. Empty statements (a lone `;`) are dropped; comments between statements belong to none. */
export function splitSql(sql: string): SqlStatement[] {
  return cutStatements(sql, significant(lex(sql, anyDialect)), routineBody).map((p) => ({
    text: sql.slice(p.start, p.end),
    start: p.start,
    end: p.end,
    line: p.line,
    terminated: p.terminated,
    innerSemicolon: p.innerTerminator,
    words: p.words,
  }))
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
  return significant(lex(sql, anyDialect)).length === 0
}
