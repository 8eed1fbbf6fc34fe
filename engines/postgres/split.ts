/**
 * split: cut a PostgreSQL script into statements with their line numbers (sql/split.ts on the tokens
 * of lexer.ts), so a failure can name the statement and line that broke. A `;` ends a statement
 * except inside strings, quoted names, dollar quotes and comments, and inside the `BEGIN ATOMIC ...
 * END` body of a SQL-standard function or procedure
 * (https://www.postgresql.org/docs/current/sql-createfunction.html), where only the body's own END
 * closes it; CASE ... END inside the body nests.
 */
import type { Statement } from "../../model.ts"
import { type BodyTracker, cutStatements } from "../../sql/split.ts"
import { keyword, PgLexError, significant, tokenize } from "./lexer.ts"

export { PgLexError }

/** A BEGIN ATOMIC body, to its END; one left open is an error. */
function atomicBody(): BodyTracker {
  let atomicDepth = 0
  let caseDepth = 0
  return {
    step: (tokens, i) => {
      const k = keyword(tokens[i])
      if (k === "BEGIN" && keyword(tokens[i + 1]) === "ATOMIC") atomicDepth++
      else if (atomicDepth > 0 && k === "CASE") caseDepth++
      else if (atomicDepth > 0 && k === "END") {
        // `END CASE` does not exist in SQL bodies, but `END` after CASE closes the CASE first.
        if (caseDepth > 0) caseDepth--
        else atomicDepth--
      }
      return undefined
    },
    inBody: () => atomicDepth > 0,
    openAtEnd: () => (atomicDepth > 0 ? "unterminated BEGIN ATOMIC body" : undefined),
  }
}

export function splitStatements(sql: string, source: string): Statement[] {
  return cutStatements(sql, significant(tokenize(sql)), atomicBody).map((p) => ({
    sql: p.text,
    line: p.line,
    source,
  }))
}
