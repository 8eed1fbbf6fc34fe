/**
 * error-offset: where in a statement SQLite stopped, read from its error. SQLite names the token
 * (`near "title": syntax error`, `unrecognized token: "'oops"`) but not where it is, and a token
 * such as `,` appears many times. The parser stops at the first token it cannot take, so the
 * statement cut right after the culprit fails with the same message, while a cut after an earlier
 * occurrence does not (it is incomplete, or fails elsewhere): each candidate is compiled, never
 * run, on a private in-memory database until one reproduces the error. `incomplete input` points
 * at the statement's end. Holds one in-memory database, opened on first use, for the process.
 */
import { Database } from "bun:sqlite"
import { LexError, significant, tokenize } from "./lexer.ts"

let scratch: Database | undefined

function compileError(sql: string): string | undefined {
  scratch ??= new Database(":memory:")
  try {
    scratch.prepare(sql).finalize()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** 0-based offset in `sql` of the token SQLite's `message` is about, or undefined when it names none. */
export function errorOffset(sql: string, message: string): number | undefined {
  if (message === "incomplete input") return sql.length
  const unrecognized = /^unrecognized token: "([\s\S]*)"$/.exec(message)
  if (unrecognized) {
    const at = sql.indexOf(unrecognized[1] as string)
    return at === -1 ? undefined : at
  }
  const near = /^near "([\s\S]*)": syntax error$/.exec(message)
  if (!near) return undefined
  let tokens: ReturnType<typeof tokenize>
  try {
    tokens = significant(tokenize(sql))
  } catch (error) {
    if (error instanceof LexError) return undefined
    throw error
  }
  const candidates = tokens.filter((t) => t.text === near[1])
  for (const token of candidates)
    if (compileError(sql.slice(0, token.start + token.text.length)) === message) return token.start
  return candidates[0]?.start
}
