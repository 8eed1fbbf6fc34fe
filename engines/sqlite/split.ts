/**
 * split: cut a SQLite script into statements with their line numbers (sql/split.ts on the tokens of
 * lexer.ts), so a failure can say which statement of which file broke. A `;` ends a statement except
 * inside a trigger body (`CREATE TRIGGER ... BEGIN ...; ...; END`), where only the body's own END
 * closes it; CASE ... END inside the body nests.
 */
import type { Statement } from "../../model.ts"
import { type BodyTracker, cutStatements } from "../../sql/split.ts"
import { keyword, significant, tokenize } from "./lexer.ts"

/** The body of CREATE [TEMP] TRIGGER, from BEGIN to its END. */
function triggerBody(): BodyTracker {
  let started = false
  let isTrigger = false
  let bodyOpen = false
  let caseDepth = 0
  return {
    step: (tokens, i) => {
      if (!started) {
        started = true
        const [k1, k2, k3] = [keyword(tokens[i]), keyword(tokens[i + 1]), keyword(tokens[i + 2])]
        isTrigger =
          k1 === "CREATE" && (k2 === "TRIGGER" || ((k2 === "TEMP" || k2 === "TEMPORARY") && k3 === "TRIGGER"))
      }
      if (!isTrigger) return undefined
      const k = keyword(tokens[i])
      if (k === "BEGIN" && !bodyOpen) bodyOpen = true
      else if (bodyOpen && k === "CASE") caseDepth++
      else if (bodyOpen && k === "END") {
        if (caseDepth > 0) caseDepth--
        else bodyOpen = false
      }
      return undefined
    },
    inBody: () => isTrigger && bodyOpen,
  }
}

export function splitStatements(sql: string, source: string): Statement[] {
  return cutStatements(sql, significant(tokenize(sql)), triggerBody).map((p) => ({
    sql: p.text,
    line: p.line,
    source,
  }))
}
