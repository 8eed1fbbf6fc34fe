/**
 * split: cut a MySQL/MariaDB script into statements with their line numbers, as the `mysql` client
 * does (https://dev.mysql.com/doc/refman/8.0/en/mysql-commands.html, `delimiter`), on the tokens of
 * lexer.ts: quotes, backticks, `--`, `#` and `/* *\/` comments, `/*! ... *\/` executable comments
 * kept as text, and `DELIMITER xx` lines that change the terminator. Without DELIMITER, the BEGIN ...
 * END body of CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT keeps its inner `;`
 * (https://dev.mysql.com/doc/refman/8.0/en/stored-programs-defining.html). Pure; holds no resources.
 */
import type { Statement } from "../../model.ts"
import { LexError, type Token, tokenize } from "./lexer.ts"

/** A script the client could not cut: an unterminated string or comment, DELIMITER without a terminator. */
export { LexError as SplitError }

/** Statement openers whose body may hold `;` inside BEGIN ... END. */
const COMPOUND = /^\s*(CREATE|ALTER)\b[\s\S]*?\b(TRIGGER|PROCEDURE|FUNCTION|EVENT)\b/i
/** Words after which IF, LOOP, WHILE and REPEAT start a block statement rather than call a function. */
const STATEMENT_START = new Set([";", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT", ":"])
const closedByEnd = ["IF", "CASE", "LOOP", "WHILE", "REPEAT"]

/** A comment the server runs (`/*! ... *\/`, `/*M! ... *\/`): it is a statement's text, not a comment. */
const executable = (t: Token) => t.kind === "comment" && /^\/\*(!|M)/.test(t.text)

export function splitStatements(sql: string, source: string): Statement[] {
  const statements: Statement[] = []
  let first: Token | undefined
  let depth = 0
  let previous: string | undefined
  const close = (end: number) => {
    if (first) {
      const text = sql.slice(first.start, end).trim()
      if (text !== "") statements.push({ sql: text, line: first.line, source })
    }
    first = undefined
    depth = 0
    previous = undefined
  }
  /** Block depth inside a compound statement's body, from its words. */
  const track = (word: string) => {
    const before = previous
    previous = word
    if (word === "END") {
      if (depth > 0) depth--
      return
    }
    // END IF / END CASE / END LOOP / END WHILE / END REPEAT close what END already counted.
    if (before === "END" && closedByEnd.includes(word)) return
    if (word === "BEGIN" || word === "CASE") depth++
    else if (["IF", "LOOP", "WHILE", "REPEAT"].includes(word) && before && STATEMENT_START.has(before))
      depth++
  }
  for (const t of tokenize(sql)) {
    if (t.kind === "space" || t.kind === "command" || (t.kind === "comment" && !executable(t))) continue
    if (t.kind === "delimiter") {
      const inBody =
        t.text === ";" && depth > 0 && first !== undefined && COMPOUND.test(sql.slice(first.start, t.start))
      if (!inBody) close(t.start)
      else previous = ";"
      continue
    }
    first ??= t
    if (t.kind === "word" || t.kind === "number") track(t.text.toUpperCase())
    else previous = t.kind === "punct" ? t.text : "'"
  }
  close(sql.length)
  return statements
}

/**
 * A script the `mysql`/`mariadb` command-line client runs as written: statements whose body holds
 * `;` (BEGIN ... END of a trigger or routine) are fenced with `DELIMITER $$`, since that client cuts
 * at every `;` it sees. Drivers and migration runners take the plain form; only the client needs this.
 */
export function forCommandLineClient(script: string, source = "script"): string {
  return splitStatements(script, source)
    .map((s) =>
      /;/.test(s.sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''"))
        ? `DELIMITER $$\n${s.sql}$$\nDELIMITER ;`
        : `${s.sql};`,
    )
    .join("\n")
}
