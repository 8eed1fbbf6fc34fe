/**
 * create-table: the parts of a stored `CREATE TABLE` that SQLite's pragmas do not report:
 * CHECK constraints, collations, generated-column expressions, AUTOINCREMENT, FK deferrability
 * and each column's own definition text (https://www.sqlite.org/lang_createtable.html).
 * Everything the pragmas do report (types, defaults, keys, FK actions) is read from them instead.
 */
import { keyword, significant, type Token, tokenize, unquote } from "./lexer.ts"
import { tidySql } from "./tidy.ts"

export interface ParsedColumn {
  readonly name: string
  readonly definition: string
  readonly collation?: string | undefined
  readonly generated?: { readonly expression: string; readonly stored: boolean } | undefined
}

export interface ParsedForeignKey {
  readonly columns: ReadonlyArray<string>
  readonly table: string
  readonly deferrable: boolean
  readonly initiallyDeferred: boolean
}

export interface ParsedTable {
  readonly columns: ReadonlyArray<ParsedColumn>
  readonly checks: ReadonlyArray<string>
  readonly foreignKeys: ReadonlyArray<ParsedForeignKey>
  readonly autoincrement: boolean
}

/** Index of the token that closes the parenthesis opened at `open`. */
function closing(tokens: ReadonlyArray<Token>, open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.text
    if (tokens[i]?.kind !== "punct") continue
    if (text === "(") depth++
    else if (text === ")" && --depth === 0) return i
  }
  return tokens.length - 1
}

function textBetween(sql: string, tokens: ReadonlyArray<Token>, from: number, to: number): string {
  const a = tokens[from]
  const b = tokens[to]
  if (!a || !b || from > to) return ""
  return sql.slice(a.start, b.start + b.text.length)
}

/**
 * Deferrability of the REFERENCES clause that starts at `from` (the token after the parent's name),
 * up to `to`: DEFERRABLE / NOT DEFERRABLE, optionally INITIALLY DEFERRED|IMMEDIATE.
 */
function readDeferrable(tokens: ReadonlyArray<Token>, from: number, to: number) {
  let deferrable = false
  let initiallyDeferred = false
  for (let j = from; j <= to; j++) {
    if (tokens[j]?.text === "(") j = closing(tokens, j)
    const k = keyword(tokens[j])
    // A column's next constraint ends its REFERENCES clause.
    if (
      [
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "GENERATED",
        "AS",
        "REFERENCES",
      ].includes(k)
    ) {
      break
    }
    if (k === "DEFERRABLE") deferrable = keyword(tokens[j - 1]) !== "NOT"
    if (k === "INITIALLY") initiallyDeferred = keyword(tokens[j + 1]) === "DEFERRED"
  }
  return { deferrable, initiallyDeferred: deferrable && initiallyDeferred }
}

function nameList(tokens: ReadonlyArray<Token>, open: number, close: number): string[] {
  const names: string[] = []
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]
    if (t && (t.kind === "word" || t.kind === "quoted") && (i === open + 1 || tokens[i - 1]?.text === ",")) {
      names.push(unquote(t.text))
    }
  }
  return names
}

export function parseCreateTable(sql: string): ParsedTable {
  const tokens = significant(tokenize(sql))
  const open = tokens.findIndex((t) => t.kind === "punct" && t.text === "(")
  const columns: ParsedColumn[] = []
  const checks: string[] = []
  const foreignKeys: ParsedForeignKey[] = []
  let autoincrement = false
  if (open === -1 || keyword(tokens[open - 1]) === "AS")
    return { columns, checks, foreignKeys, autoincrement }
  const close = closing(tokens, open)

  // Cut the body into items at commas that sit directly inside the outer parentheses.
  const items: Array<[number, number]> = []
  let depth = 0
  let itemStart = open + 1
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i] as Token
    if (t.kind !== "punct") continue
    if (t.text === "(") depth++
    else if (t.text === ")") depth--
    else if (t.text === "," && depth === 0) {
      items.push([itemStart, i - 1])
      itemStart = i + 1
    }
  }
  items.push([itemStart, close - 1])

  for (const [from, to] of items) {
    let i = from
    if (keyword(tokens[i]) === "CONSTRAINT") i += 2
    const head = keyword(tokens[i])
    if (["PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].includes(head) && tokens[i]?.kind === "word") {
      if (head === "PRIMARY" && tokens.slice(i, to + 1).some((t) => keyword(t) === "AUTOINCREMENT")) {
        autoincrement = true
      }
      if (head === "CHECK") {
        const p = i + 1
        checks.push(tidySql(textBetween(sql, tokens, p + 1, closing(tokens, p) - 1)))
      }
      if (head === "FOREIGN") {
        const p = i + 2
        const pc = closing(tokens, p)
        const table = unquote(tokens[pc + 2]?.text ?? "")
        foreignKeys.push({ columns: nameList(tokens, p, pc), table, ...readDeferrable(tokens, pc + 3, to) })
      }
      continue
    }
    const nameToken = tokens[from]
    if (!nameToken) continue
    const name = unquote(nameToken.text)
    let collation: string | undefined
    let generated: ParsedColumn["generated"]
    for (let j = from + 1; j <= to; j++) {
      const k = keyword(tokens[j])
      if (k === "COLLATE") collation = unquote(tokens[j + 1]?.text ?? "")
      else if (k === "AUTOINCREMENT") autoincrement = true
      else if (k === "CHECK" && tokens[j + 1]?.text === "(") {
        const c = closing(tokens, j + 1)
        checks.push(tidySql(textBetween(sql, tokens, j + 2, c - 1)))
        j = c
      } else if (k === "AS" && tokens[j + 1]?.text === "(") {
        const c = closing(tokens, j + 1)
        const after = keyword(tokens[c + 1])
        generated = {
          expression: tidySql(textBetween(sql, tokens, j + 2, c - 1)),
          stored: after === "STORED",
        }
        j = c
      } else if (k === "REFERENCES") {
        foreignKeys.push({
          columns: [name],
          table: unquote(tokens[j + 1]?.text ?? ""),
          ...readDeferrable(tokens, j + 2, to),
        })
      } else if (tokens[j]?.text === "(") {
        j = closing(tokens, j)
      }
    }
    columns.push({ name, definition: textBetween(sql, tokens, from, to), collation, generated })
  }
  return { columns, checks, foreignKeys, autoincrement }
}
