/**
 * rename-comments: the `-- aim:renamed-from <old name>` comments of a schema file, each tied to the
 * table or column it annotates. A comment annotates what is defined on its line (at the end of the
 * line of `CREATE TABLE name`, or of a column's definition, also after its comma), or, alone on its
 * line, what is defined on the next line (other comment lines may stand between, a blank line may
 * not). Tokens come from the engine's own dialect, so a marker inside a string is never read, and
 * names keep whether they were quoted: the engine folds them (engines/*\/capabilities.ts). Any
 * comment that starts with `aim:` is read here; one this module does not know, one with a malformed
 * name, or one that annotates nothing is returned with its problem, for the caller to report with
 * its file and line. Pure.
 */
import type { WrittenName } from "./identifiers.ts"
import { type LexDialect, significant, type Token, tokenize, unquote } from "./lexer.ts"

type NamePart = WrittenName

/** What a comment annotates: a table (its name as written), or a column of a table. */
export type RenameTarget =
  | { readonly kind: "table"; readonly table: ReadonlyArray<NamePart> }
  | { readonly kind: "column"; readonly table: ReadonlyArray<NamePart>; readonly column: NamePart }

/** One `aim:` comment: its line, the old name it gives, and what it annotates, or what is wrong. */
export type RenameComment =
  | {
      readonly line: number
      readonly from: ReadonlyArray<NamePart>
      readonly target: RenameTarget
      readonly problem?: undefined
    }
  | { readonly line: number; readonly problem: string }

/** The directive, as a comment spells it. */
export const RENAMED_FROM = "aim:renamed-from"

/** The body of a comment: its text without the markers that open and close it. */
const commentBody = (text: string) =>
  text.startsWith("/*") ? text.slice(2, text.endsWith("*/") ? -2 : undefined) : text.replace(/^(--|#)/, "")

/** The dotted name in `text` (`old`, `"Old Name"`, `audit.log`), or undefined when it is not one name. */
function parseName(text: string, dialect: LexDialect): NamePart[] | undefined {
  let tokens: Token[]
  try {
    tokens = significant(tokenize(text, { ...dialect, clientDelimiters: false }))
  } catch {
    return undefined
  }
  const parts: NamePart[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token
    if (i % 2 === 1) {
      if (t.text !== ".") return undefined
      continue
    }
    if (t.kind !== "word" && t.kind !== "quoted") return undefined
    parts.push({ text: t.kind === "quoted" ? unquote(t.text) : t.text, quoted: t.kind === "quoted" })
  }
  return parts.length > 0 && tokens.length % 2 === 1 ? parts : undefined
}

/** A definition a comment can annotate, with the lines its tokens are on. */
interface Definition {
  readonly target: RenameTarget | undefined
  /** What it is, for a comment that lands on it but may not (a constraint, an index). */
  readonly what: string
  readonly lines: ReadonlySet<number>
  /** Its first token: a comment alone on the line above the line this token starts annotates it. */
  readonly first: Token
}

const constraintWords = new Set([
  "CONSTRAINT",
  "PRIMARY",
  "UNIQUE",
  "CHECK",
  "FOREIGN",
  "KEY",
  "INDEX",
  "FULLTEXT",
  "SPATIAL",
  "EXCLUDE",
  "LIKE",
  "PERIOD",
])

const word = (t: Token | undefined) => (t?.kind === "word" ? t.text.toUpperCase() : "")
const isName = (t: Token | undefined) => t?.kind === "word" || t?.kind === "quoted"
const part = (t: Token): NamePart =>
  t.kind === "quoted" ? { text: unquote(t.text), quoted: true } : { text: t.text, quoted: false }
/** Every line a token of `tokens` is on, from its first to its last. */
const linesOf = (tokens: ReadonlyArray<Token>) =>
  new Set(
    tokens.flatMap((t) =>
      Array.from({ length: (t.text.match(/\n/g)?.length ?? 0) + 1 }, (_, k) => t.line + k),
    ),
  )

/**
 * The definitions of one statement (its significant tokens): a CREATE TABLE's header (CREATE up to
 * the column list, or the whole statement without one) and each item of its column list.
 */
function definitionsOf(statement: ReadonlyArray<Token>): Definition[] {
  let i = 0
  if (word(statement[i]) !== "CREATE") return []
  i++
  if (word(statement[i]) === "OR" && word(statement[i + 1]) === "REPLACE") i += 2
  while (["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"].includes(word(statement[i]))) i++
  if (word(statement[i]) !== "TABLE") return []
  i++
  if (word(statement[i]) === "IF" && word(statement[i + 1]) === "NOT" && word(statement[i + 2]) === "EXISTS")
    i += 3
  const table: NamePart[] = []
  while (isName(statement[i])) {
    table.push(part(statement[i] as Token))
    if (statement[i + 1]?.text !== ".") break
    i += 2
  }
  if (table.length === 0) return []
  i++
  const hasList = statement[i]?.text === "("
  const headerEnd = hasList ? i + 1 : statement.length
  const header: Definition = {
    target: { kind: "table", table },
    what: "a table",
    lines: linesOf(statement.slice(0, headerEnd)),
    first: statement[0] as Token,
  }
  if (!hasList) return [header]
  const items: Definition[] = []
  let depth = 0
  let start = i + 1
  for (let j = i + 1; j < statement.length; j++) {
    const t = statement[j] as Token
    if (t.text === "(") depth++
    else if (t.text === ")" && depth > 0) depth--
    else if ((t.text === "," && depth === 0) || (t.text === ")" && depth === 0)) {
      // An item ends at its comma, which counts as its own; the closing parenthesis belongs to no item.
      const own = statement.slice(start, t.text === "," ? j + 1 : j)
      const first = own[0]
      if (first !== undefined && first.text !== ",") {
        const column = isName(first) && !(first.kind === "word" && constraintWords.has(word(first)))
        items.push({
          target: column ? { kind: "column", table, column: part(first) } : undefined,
          what: column ? "a column" : "a constraint or index, not a column",
          lines: linesOf(own),
          first,
        })
      }
      start = j + 1
      if (t.text === ")") break
    }
  }
  return [header, ...items]
}

/** The significant tokens of each statement of `tokens`. */
function statementsOf(tokens: ReadonlyArray<Token>): Token[][] {
  const statements: Token[][] = []
  let current: Token[] = []
  for (const t of significant(tokens)) {
    if (t.kind === "delimiter" || t.kind === "command" || t.text === ";") {
      if (current.length > 0) statements.push(current)
      current = []
    } else current.push(t)
  }
  if (current.length > 0) statements.push(current)
  return statements
}

/** The `aim:` comments of `sql`, each with what it annotates or its problem. */
export function findRenameComments(sql: string, dialect: LexDialect): RenameComment[] {
  const tokens = tokenize(sql, dialect)
  const definitions = statementsOf(tokens).flatMap(definitionsOf)
  // Lines that hold something other than comments and spaces, with the first such token of each.
  const busy = new Set<number>()
  const firstOn = new Map<number, Token>()
  for (const t of significant(tokens)) {
    for (const line of linesOf([t])) busy.add(line)
    if (!firstOn.has(t.line)) firstOn.set(t.line, t)
  }
  const commentLines = new Set<number>()
  for (const t of tokens) if (t.kind === "comment") for (const l of linesOf([t])) commentLines.add(l)
  const found: RenameComment[] = []
  for (const token of tokens) {
    if (token.kind !== "comment") continue
    const body = commentBody(token.text).trim()
    if (!/^aim:[a-z]/i.test(body)) continue
    const line = token.line
    const directive = /^aim:[\w-]*/i.exec(body)?.[0] ?? "aim:"
    if (directive.toLowerCase() !== RENAMED_FROM) {
      found.push({
        line,
        problem: `unknown directive ${directive} (aim reads ${RENAMED_FROM} <old name> in schema.sql)`,
      })
      continue
    }
    const from = parseName(body.slice(directive.length).trim(), dialect)
    if (!from) {
      found.push({
        line,
        problem: `${RENAMED_FROM} needs one name after it, the old name of the table or column (quoted where it needs quotes)`,
      })
      continue
    }
    let on: Definition[]
    if (busy.has(line)) on = definitions.filter((d) => d.lines.has(line))
    else {
      // Alone on its line: the definition that the next line (past other comment lines) starts with.
      let next = Math.max(...linesOf([token])) + 1
      while (!busy.has(next) && commentLines.has(next)) next++
      on = definitions.filter((d) => d.first === firstOn.get(next))
    }
    if (on.length === 0) {
      found.push({
        line,
        problem: `${RENAMED_FROM} ${from.map((p) => p.text).join(".")} is not at the end of a line that defines a table or column, nor alone on the line above one`,
      })
      continue
    }
    if (on.length > 1) {
      found.push({
        line,
        problem: `${RENAMED_FROM} stands on a line that defines more than one thing; put each table or column on a line of its own, or the comment alone on the line above the one it is about`,
      })
      continue
    }
    const target = on[0]?.target
    if (target === undefined) {
      found.push({
        line,
        problem: `${RENAMED_FROM} annotates ${on[0]?.what}: only tables and columns are renamed`,
      })
      continue
    }
    found.push({ line, from, target })
  }
  return found
}
