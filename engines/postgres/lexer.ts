/**
 * lexer: PostgreSQL's lexical structure (https://www.postgresql.org/docs/current/sql-syntax-lexical.html)
 * as sql/lexer.ts reads it in PostgreSQL's dialect: strings with their E/B/X/N and U& prefixes,
 * double-quoted names, dollar-quoted bodies, nested block comments, $1 parameters and runs of
 * operator characters. The splitter cuts statements on it and the catalog code folds spelling with
 * it (`normalizeSql`); neither needs a parse tree.
 */
import {
  dialect,
  keyword,
  LexError,
  significant,
  type Token,
  type TokenKind,
  tokenize as lex,
} from "../../sql/lexer.ts"

export { keyword, significant, type Token, type TokenKind }
/** Input PostgreSQL's lexer cannot read; the one LexError of sql/lexer.ts. */
export { LexError as PgLexError }

/** How PostgreSQL writes strings, names, comments, numbers and operators. */
export const postgresDialect = dialect({
  backslashes: "prefixed",
  stringPrefixes: "EeBbXxNn",
  unicodeEscapes: true,
  dollarQuotes: true,
  nestedComments: true,
  params: "numbered",
  operators: "runs",
  numbers: "radix",
})

export const tokenize = (sql: string): Token[] => lex(sql, postgresDialect)

/**
 * The spelling-independent text of some SQL: comments dropped, whitespace folded to single spaces
 * where it separates words, bare words lower-cased (PostgreSQL folds unquoted names), strings and
 * quoted identifiers kept as written.
 */
export function normalizeSql(sql: string): string {
  const tokens = significant(tokenize(sql))
  let out = ""
  let previous: Token | undefined
  for (const t of tokens) {
    const text = t.kind === "word" ? t.text.toLowerCase() : t.text
    const wordy = (x: Token | undefined) =>
      x !== undefined &&
      (x.kind === "word" || x.kind === "quoted" || x.kind === "number" || x.kind === "string")
    if (
      previous &&
      ((wordy(previous) && wordy(t)) || (previous.kind === "operator" && t.kind === "operator"))
    )
      out += " "
    out += text
    previous = t
  }
  return out
}
