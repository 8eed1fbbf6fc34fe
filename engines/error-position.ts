/**
 * error-position: where in its file a statement failed. Each engine reads from the database's
 * error where in the statement's text it stopped (PostgreSQL's error position, SQLite's `near
 * "token"`, MySQL's and MariaDB's `near '...' at line N`) and sets StatementFailed's `offset`;
 * `pinpoint` turns that into the file's line and column. engines/replay.ts applies it to every
 * script, so schema.sql, migration files and candidates all name the exact line. Pure; holds nothing.
 */
import type { Statement } from "../model.ts"
import { StatementFailed } from "./engine.ts"

/** Offset of the first character of line `line` (1-based) in `text`; -1 past the end. */
function lineStart(text: string, line: number): number {
  let at = 0
  for (let n = 1; n < line; n++) {
    const next = text.indexOf("\n", at)
    if (next === -1) return -1
    at = next + 1
  }
  return at
}

/** Line and column (1-based) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: offset - start + 1 }
}

/**
 * `error` with the line and column in `script` where the database stopped, when the engine read
 * an offset from the error and the statement is found in the script as the splitter cut it.
 */
export function pinpoint(error: StatementFailed, script: string, statements: ReadonlyArray<Statement>) {
  if (error.offset === undefined) return error
  const statement = statements.find((s) => s.line === error.line && s.sql === error.statement)
  if (!statement) return error
  const from = lineStart(script, statement.line)
  const start = from === -1 ? -1 : script.indexOf(statement.sql, from)
  if (start === -1) return error
  const offset = Math.max(0, Math.min(error.offset, statement.sql.length))
  const { line, column } = lineAndColumn(script, start + offset)
  return new StatementFailed({
    source: error.source,
    line,
    column,
    statement: error.statement,
    reason: error.reason,
  })
}
