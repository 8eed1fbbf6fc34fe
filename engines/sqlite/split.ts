/**
 * split: cut a SQLite script into statements with their line numbers, so a failure can say which
 * statement of which file broke. A `;` ends a statement except inside a trigger body
 * (`CREATE TRIGGER ... BEGIN ...; ...; END`), where only the body's own END closes it.
 */
import type { Statement } from "../../model.ts"
import { keyword, significant, tokenize } from "./lexer.ts"

export function splitStatements(sql: string, source: string): Statement[] {
  const tokens = significant(tokenize(sql))
  const statements: Statement[] = []
  let first = -1
  let isTrigger = false
  let bodyOpen = false
  let caseDepth = 0
  const close = (endIndex: number) => {
    if (first === -1) return
    const start = tokens[first]
    const last = tokens[endIndex - 1]
    if (start && last) {
      statements.push({
        sql: sql.slice(start.start, last.start + last.text.length),
        line: start.line,
        source,
      })
    }
    first = -1
    isTrigger = false
    bodyOpen = false
    caseDepth = 0
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as (typeof tokens)[number]
    if (token.kind === "punct" && token.text === ";") {
      if (!isTrigger || !bodyOpen) close(i)
      continue
    }
    if (first === -1) {
      first = i
      const k1 = keyword(token)
      const k2 = keyword(tokens[i + 1])
      const k3 = keyword(tokens[i + 2])
      isTrigger =
        k1 === "CREATE" && (k2 === "TRIGGER" || ((k2 === "TEMP" || k2 === "TEMPORARY") && k3 === "TRIGGER"))
    }
    if (!isTrigger) continue
    const k = keyword(token)
    if (k === "BEGIN" && !bodyOpen) bodyOpen = true
    else if (bodyOpen && k === "CASE") caseDepth++
    else if (bodyOpen && k === "END") {
      if (caseDepth > 0) caseDepth--
      else bodyOpen = false
    }
  }
  close(tokens.length)
  return statements
}
