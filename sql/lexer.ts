/**
 * lexer: the one SQL tokenizer, for every dialect aim reads. Where a string, a quoted name, a comment
 * or a dollar-quoted body starts and ends differs per dialect (https://www.sqlite.org/lang_expr.html,
 * https://www.postgresql.org/docs/current/sql-syntax-lexical.html,
 * https://dev.mysql.com/doc/refman/8.0/en/string-literals.html); a `LexDialect` says which rules hold,
 * and each engine names its own in engines/<name>/lexer.ts. Splitting, catalog normalization, the
 * rules and the formats all read tokens from here, so a keyword inside a string or comment is never
 * taken for one. Tokens keep their text, offset and line; `significant` drops spaces and comments.
 * Pure; holds no resources.
 */

export type TokenKind =
  | "word"
  | "quoted"
  | "string"
  /** SQLite's x'...' literal. */
  | "blob"
  /** PostgreSQL's $tag$...$tag$ body. */
  | "dollar"
  | "number"
  | "param"
  | "punct"
  | "operator"
  | "comment"
  | "space"
  /** A statement terminator of the mysql client: `;`, or what `DELIMITER` set. */
  | "delimiter"
  /** A `DELIMITER xx` line of the mysql client, between statements. */
  | "command"

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  /** Offset of the token's first character in the input. */
  readonly start: number
  /** 1-based line of the token's first character. */
  readonly line: number
}

/** Input that cannot be tokenized: an unterminated string, quoted name, body or comment. */
export class LexError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(reason)
    this.name = "LexError"
  }
}

/** How a dialect writes strings, names, comments and operators. */
export interface LexDialect {
  /** Quotes that enclose a name: `"`, "`", and `[` (closed by `]`). A doubled quote stands for itself. */
  readonly nameQuotes: string
  /** Quotes that enclose a string: `'`, and `"` where a dialect reads it as a string (MySQL). */
  readonly stringQuotes: string
  /** Backslash escapes inside strings: never, only after the E prefix (PostgreSQL), or always (MySQL). */
  readonly backslashes: "never" | "prefixed" | "always"
  /** Letters that prefix a string literal of the dialect (PostgreSQL E, B, X, N; U& is separate). */
  readonly stringPrefixes: string
  /** `U&'...'` and `U&"..."` (PostgreSQL). */
  readonly unicodeEscapes: boolean
  /** x'...' is a blob literal of its own kind (SQLite). */
  readonly blobs: boolean
  /** $tag$...$tag$ bodies (PostgreSQL). */
  readonly dollarQuotes: boolean
  /**
   * Whether comments exist at all: text a server printed (MySQL's SHOW CREATE TABLE keeps its
   * /*!50100 ... *\/ clauses as text to read) has none.
   */
  readonly comments: boolean
  /** Block comments nest (PostgreSQL). */
  readonly nestedComments: boolean
  /** A block comment left open runs to the end (SQLite takes it). */
  readonly openCommentEnds: boolean
  /** `#` starts a comment (MySQL): anywhere, or only as a statement's first token (a tolerant reader). */
  readonly hashComments: "never" | "anywhere" | "first"
  /** `--` starts a comment only when white space follows (MySQL). */
  readonly dashNeedsSpace: boolean
  /** Parameters: `?`, `:name`, `@name`, `$name` (`named`: SQLite), `$1` (`numbered`: PostgreSQL), or none. */
  readonly params: "named" | "numbered" | "none"
  /** Operators: a fixed set of one to three characters (SQLite), runs of operator characters (PostgreSQL), or each character alone. */
  readonly operators: "fixed" | "runs" | "single"
  /** Number literals: with 0x and `_` (`hex`: SQLite), with 0x, 0o, 0b and `_` (`radix`: PostgreSQL), or digits, dots and exponents. */
  readonly numbers: "hex" | "radix" | "plain"
  /** An unterminated string, name or body runs to the end instead of being an error. */
  readonly tolerant: boolean
  /**
   * The mysql client's terminators (https://dev.mysql.com/doc/refman/8.0/en/mysql-commands.html):
   * `DELIMITER xx` at the start of a line between statements sets the terminator, which is then read
   * as a token of its own wherever it stands outside strings and comments (`END$$` too).
   */
  readonly clientDelimiters: boolean
}

/** What a dialect is unless it says otherwise: standard SQL, as PostgreSQL reads it. */
export const standardDialect: LexDialect = {
  nameQuotes: '"',
  stringQuotes: "'",
  backslashes: "never",
  stringPrefixes: "",
  unicodeEscapes: false,
  blobs: false,
  dollarQuotes: false,
  comments: true,
  nestedComments: false,
  openCommentEnds: false,
  hashComments: "never",
  dashNeedsSpace: false,
  params: "none",
  operators: "single",
  numbers: "plain",
  tolerant: false,
  clientDelimiters: false,
}

/** A dialect: the standard one with the differences given. */
export const dialect = (differences: Partial<LexDialect>): LexDialect => ({
  ...standardDialect,
  ...differences,
})

/**
 * A reader for SQL whose engine is not known (a migration file a format reads): every common
 * quoting (double quotes and backticks for names, E'' and dollar bodies for strings, nested
 * comments), and anything left open runs to the end rather than failing; the engine's own lexer
 * reports it when the script runs.
 */
export const anyDialect = dialect({
  nameQuotes: '"`',
  backslashes: "prefixed",
  stringPrefixes: "Ee",
  dollarQuotes: true,
  nestedComments: true,
  openCommentEnds: true,
  tolerant: true,
})

const space = /\s/
const spaceRun = /\s+/y
const wordStart = /[A-Za-z_\u0080-\uffff]/
const wordRun = /[A-Za-z0-9_$\u0080-\uffff]*/y
const digit = /[0-9]/
const hexNumber = /0[xX][0-9A-Fa-f_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?/y
const radixNumber = /0[xXoObB][0-9A-Fa-f_]+|(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?/y
const plainNumber = /[0-9][0-9.eE]*/y
const dollarTag = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y
const fixedOperators = new Set(["||", "<<", ">>", "<=", ">=", "==", "!=", "<>", "->"])
const operatorChars = "+-*/<>=~!@#%^&|`?"

/** End of the run `pattern` (sticky) matches at `from`. */
function runEnd(pattern: RegExp, sql: string, from: number): number {
  pattern.lastIndex = from
  return pattern.test(sql) ? pattern.lastIndex : from
}

/** Tokens of `sql` in `d`; throws LexError for what `d` cannot read (unless it is tolerant). */
export function tokenize(sql: string, d: LexDialect): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let delimiter = ";"
  /** The client reads DELIMITER only where a statement would start: after a terminator, at a line's start. */
  const atStatementStart = () => {
    for (let k = tokens.length - 1; k >= 0; k--) {
      const t = tokens[k] as Token
      if (t.kind === "delimiter" || t.kind === "command") break
      if (t.kind !== "space" && t.kind !== "comment") return false
    }
    let j = i - 1
    while (j >= 0 && (sql[j] === " " || sql[j] === "\t")) j--
    return j < 0 || sql[j] === "\n"
  }
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), start: i, line })
    for (let at = sql.indexOf("\n", i); at !== -1 && at < end; at = sql.indexOf("\n", at + 1)) line++
    i = end
  }
  /** Where a run left open ends: at the end of the input for a tolerant reader, else an error. */
  const fail = (reason: string): number => {
    if (d.tolerant) return sql.length
    throw new LexError(reason, line)
  }
  /** End of a quoted run whose body starts at `from`; a doubled quote stays inside. */
  const closeQuote = (from: number, quote: string, backslash: boolean, what: string) => {
    const close = quote === "[" ? "]" : quote
    let j = from
    while (j < sql.length) {
      const c = sql[j]
      if (backslash && c === "\\") j += 2
      else if (c === close) {
        if (close !== "]" && sql[j + 1] === close) j += 2
        else return j + 1
      } else j++
    }
    return fail(what)
  }
  while (i < sql.length) {
    const c = sql[i] as string
    const next = sql[i + 1] ?? ""
    if (d.clientDelimiters && /^delimiter[ \t]/i.test(sql.slice(i, i + 10)) && atStatementStart()) {
      const nl = sql.indexOf("\n", i)
      const end = nl === -1 ? sql.length : nl
      const rest = sql.slice(i + 9, end).trim()
      if (rest === "") throw new LexError("DELIMITER needs a terminator, e.g. DELIMITER $$", line)
      delimiter = rest.split(/\s+/)[0] as string
      push("command", end)
    } else if (d.clientDelimiters && sql.startsWith(delimiter, i)) {
      push("delimiter", i + delimiter.length)
    } else if (c === " " || c === "\n" || c === "\t" || c === "\r" || space.test(c)) {
      push("space", runEnd(spaceRun, sql, i))
    } else if (
      d.comments &&
      c === "-" &&
      next === "-" &&
      (!d.dashNeedsSpace || i + 2 >= sql.length || space.test(sql[i + 2] as string))
    ) {
      const nl = sql.indexOf("\n", i)
      push("comment", nl === -1 ? sql.length : nl)
    } else if (
      d.comments &&
      c === "#" &&
      (d.hashComments === "anywhere" ||
        (d.hashComments === "first" &&
          next !== ">" &&
          !tokens.some((t) => t.kind !== "space" && t.kind !== "comment")))
    ) {
      const nl = sql.indexOf("\n", i)
      push("comment", nl === -1 ? sql.length : nl)
    } else if (d.comments && c === "/" && next === "*") {
      let depth = 0
      let j = i
      let end = -1
      while (j < sql.length) {
        if (sql[j] === "/" && sql[j + 1] === "*" && (d.nestedComments || depth === 0)) {
          depth++
          j += 2
        } else if (sql[j] === "*" && sql[j + 1] === "/") {
          depth--
          j += 2
          if (depth === 0) {
            end = j
            break
          }
        } else j++
      }
      if (end === -1) end = d.openCommentEnds ? sql.length : fail("unterminated /* comment")
      push("comment", end)
    } else if (d.stringQuotes.includes(c)) {
      push("string", closeQuote(i + 1, c, d.backslashes === "always", "unterminated string"))
    } else if (d.blobs && (c === "x" || c === "X") && next === "'") {
      push("blob", closeBlob(sql, i + 2, d, line))
    } else if (d.stringPrefixes.includes(c) && next === "'") {
      const backslash =
        d.backslashes === "always" || (d.backslashes === "prefixed" && (c === "E" || c === "e"))
      push("string", closeQuote(i + 2, "'", backslash, "unterminated string"))
    } else if (
      d.unicodeEscapes &&
      (c === "U" || c === "u") &&
      next === "&" &&
      (sql[i + 2] === "'" || sql[i + 2] === '"')
    ) {
      const quote = sql[i + 2] as string
      push(
        quote === "'" ? "string" : "quoted",
        closeQuote(i + 3, quote, false, `unterminated ${quote === "'" ? "string" : "quoted name"}`),
      )
    } else if (d.nameQuotes.includes(c)) {
      push("quoted", closeQuote(i + 1, c, false, "unterminated quoted name"))
    } else if (c === "$" && d.dollarQuotes && runEnd(dollarTag, sql, i) > i) {
      const tag = sql.slice(i, runEnd(dollarTag, sql, i))
      const close = sql.indexOf(tag, i + tag.length)
      push("dollar", close === -1 ? fail(`unterminated dollar-quoted body ${tag}`) : close + tag.length)
    } else if (c === "$" && d.params === "numbered") {
      let j = i + 1
      while (j < sql.length && digit.test(sql[j] as string)) j++
      push(j > i + 1 ? "param" : "operator", Math.max(j, i + 1))
    } else if (digit.test(c) || (c === "." && digit.test(next))) {
      const pattern = d.numbers === "hex" ? hexNumber : d.numbers === "radix" ? radixNumber : plainNumber
      push("number", Math.max(i + 1, runEnd(pattern, sql, i)))
    } else if (d.params === "named" && (c === "?" || c === ":" || c === "@" || c === "$")) {
      push("param", runEnd(wordRun, sql, i + 1))
    } else if (wordStart.test(c)) {
      let end = runEnd(wordRun, sql, i + 1)
      // `END$$`: a terminator may follow a word without a space, and `$` is a name character.
      if (d.clientDelimiters && delimiter !== ";") {
        const at = sql.slice(i + 1, end).indexOf(delimiter)
        if (at !== -1) end = i + 1 + at
      }
      push("word", end)
    } else if (d.operators === "fixed") {
      push("punct", i + (sql.startsWith("->>", i) ? 3 : fixedOperators.has(sql.slice(i, i + 2)) ? 2 : 1))
    } else if (d.operators === "runs") {
      if (c === ":" && next === ":") push("operator", i + 2)
      else if ("(),;[].:".includes(c)) push("punct", i + 1)
      else if (operatorChars.includes(c)) {
        let j = i + 1
        while (j < sql.length && operatorChars.includes(sql[j] as string)) {
          // `--` and `/*` start comments even in the middle of an operator.
          if ((sql[j] === "-" && sql[j + 1] === "-") || (sql[j] === "/" && sql[j + 1] === "*")) break
          j++
        }
        push("operator", j)
      } else push("operator", i + 1)
    } else {
      push("punct", i + 1)
    }
  }
  return tokens
}

/** End of an x'...' literal whose body starts at `from` (no doubled quotes inside hex digits). */
function closeBlob(sql: string, from: number, d: LexDialect, line: number): number {
  const end = sql.indexOf("'", from)
  if (end !== -1) return end + 1
  if (d.tolerant) return sql.length
  throw new LexError("unterminated blob literal", line)
}

/** Tokens that carry meaning: no spaces, no comments. */
export const significant = (tokens: ReadonlyArray<Token>): Token[] =>
  tokens.filter((t) => t.kind !== "space" && t.kind !== "comment")

/** The upper-case keyword a token spells, or undefined for anything but a bare word. */
export const keyword = (token: Token | undefined): string | undefined =>
  token?.kind === "word" ? token.text.toUpperCase() : undefined

/** The bare name behind a quoted-name token: quotes removed, doubled quotes folded. */
export function unquote(text: string): string {
  const first = text[0]
  if (first === '"' || first === "`") return text.slice(1, -1).replaceAll(first + first, first)
  if (first === "[") return text.slice(1, -1)
  return text
}
