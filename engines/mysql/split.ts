/**
 * split: cut a MySQL/MariaDB script into statements with their line numbers, as the `mysql` client
 * does (https://dev.mysql.com/doc/refman/8.0/en/mysql-commands.html, `delimiter`), with sql/split.ts
 * on the tokens of lexer.ts: quotes, backticks, `--`, `#` and `/* *\/` comments, `/*! ... *\/` executable comments
 * kept as text, and `DELIMITER xx` lines that change the terminator. Without DELIMITER, the BEGIN ...
 * END body of CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT keeps its inner `;`
 * (https://dev.mysql.com/doc/refman/8.0/en/stored-programs-defining.html). Pure; holds no resources.
 */
import type { Statement } from "../../model.ts"
import { type BodyTracker, cutStatements } from "../../sql/split.ts"
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

/** The BEGIN ... END body of a compound statement (trigger, routine, event), with its nested blocks. */
function compoundBody(): BodyTracker {
  let depth = 0
  let previous: string | undefined
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
  return {
    step: (tokens, i) => {
      const t = tokens[i] as Token
      if (t.kind === "word" || t.kind === "number") track(t.text.toUpperCase())
      else previous = t.kind === "punct" ? t.text : "'"
      return undefined
    },
    inBody: (text) => {
      const inside = depth > 0 && COMPOUND.test(text)
      if (inside) previous = ";"
      return inside
    },
  }
}

export function splitStatements(sql: string, source: string): Statement[] {
  // Executable comments run on the server: they are statement text, not comments.
  const tokens = tokenize(sql).filter(
    (t) => t.kind !== "space" && t.kind !== "command" && (t.kind !== "comment" || executable(t)),
  )
  return cutStatements(sql, tokens, compoundBody).map((p) => ({ sql: p.text, line: p.line, source }))
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
