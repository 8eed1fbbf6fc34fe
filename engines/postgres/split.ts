/**
 * split: cut a PostgreSQL script into statements with their line numbers, so a failure can name the
 * statement and line that broke. A `;` ends a statement except inside strings, quoted names, dollar
 * quotes and comments (see lexer.ts), and inside the `BEGIN ATOMIC ... END` body of a SQL-standard
 * function or procedure (https://www.postgresql.org/docs/current/sql-createfunction.html), where only
 * the body's own END closes it; CASE ... END inside the body nests.
 */
import type { Statement } from "../../model.ts"
import { keyword, PgLexError, significant, tokenize } from "./lexer.ts"

export { PgLexError }

export function splitStatements(sql: string, source: string): Statement[] {
  const tokens = significant(tokenize(sql))
  const statements: Statement[] = []
  let first = -1
  let atomicDepth = 0
  let caseDepth = 0
  const close = (end: number) => {
    const start = tokens[first]
    const last = tokens[end - 1]
    if (first !== -1 && start && last)
      statements.push({
        sql: sql.slice(start.start, last.start + last.text.length),
        line: start.line,
        source,
      })
    first = -1
    atomicDepth = 0
    caseDepth = 0
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as (typeof tokens)[number]
    if (token.kind === "punct" && token.text === ";") {
      if (atomicDepth === 0) close(i)
      continue
    }
    if (first === -1) first = i
    const k = keyword(token)
    if (k === "BEGIN" && keyword(tokens[i + 1]) === "ATOMIC") atomicDepth++
    else if (atomicDepth > 0 && k === "CASE") caseDepth++
    else if (atomicDepth > 0 && k === "END") {
      // `END CASE` does not exist in SQL bodies, but `END` after CASE closes the CASE first.
      if (caseDepth > 0) caseDepth--
      else atomicDepth--
    }
  }
  if (atomicDepth > 0) {
    const start = tokens[first]
    throw new PgLexError("Unterminated BEGIN ATOMIC body", start?.line ?? 1)
  }
  close(tokens.length)
  return statements
}
