/**
 * _parse: each UP statement as the rules read it: its tokens (sql/words.ts) and the statements in it
 * that delete or rewrite rows, with whether a WHERE limits them. The engine's real parser decides
 * that where it has one (its capabilities' `dml`: libpg-query for PostgreSQL, sql-parser-cst for
 * SQLite, node-sql-parser for MySQL and MariaDB, each the one that parsed the most of sqldef's real
 * migrations for its dialect); a statement the parser rejects, or an engine without one, is read by
 * tokens (sql/dml.ts), which can only err towards flagging. Resources: the engine's parser, loaded
 * once per process on first use.
 */
import type { Statement } from "../model.ts"
import { type DmlReader, tokenDml } from "../sql/dml.ts"
import { isWord, spells, tokenize } from "../sql/words.ts"
import type { UpStatement } from "./rule.ts"

/** Every statement with its tokens and DML facts, parsed by `dml` where the engine has a parser. */
export async function parseStatements(
  statements: ReadonlyArray<Statement>,
  dml: DmlReader | undefined,
): Promise<UpStatement[]> {
  const read = dml === undefined ? undefined : await dml()
  return statements.map((s) => {
    const tokens = tokenize(s.sql)
    if (read === undefined)
      return {
        sql: s.sql,
        line: s.line,
        tokens,
        dml: tokenDml(tokens),
        unparsed: "no parser for this engine",
      }
    // A DO block's body is a string token, so its DML keywords only show after parsing.
    const mentionsDml =
      tokens.some((t) => isWord(t, "DELETE", "UPDATE", "TRUNCATE")) || isWord(tokens[0], "DO")
    try {
      // Statements without a DML keyword cannot hold DML, so a DDL form a parser lacks costs nothing.
      return { sql: s.sql, line: s.line, tokens, dml: mentionsDml ? [...read(s.sql)] : [] }
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "parse error"
      return { sql: s.sql, line: s.line, tokens, dml: tokenDml(tokens), unparsed: reason }
    }
  })
}

/** Whether a statement starts with `words`: a helper for the DDL shapes the rules read by tokens. */
export const startsWith = (s: UpStatement, ...words: string[]) => spells(s.tokens, 0, ...words)
