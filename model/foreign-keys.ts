/**
 * foreign-keys: foreign keys that no database can enforce as written, read from a normalized
 * schema. A foreign key must reference a key of its parent: the primary key, or columns under a
 * UNIQUE constraint or a unique index without a WHERE clause, exactly those columns in any order
 * (https://www.sqlite.org/foreignkeys.html#fk_indexes, the "foreign key mismatch" rules;
 * PostgreSQL and MySQL 8.4 refuse anything else when the key is created). SQLite stores such a key
 * anyway and then fails every write to the child or the parent while foreign keys are on, and a key
 * whose parent table does not exist fails every write to the child; MariaDB accepts a key on a
 * non-unique index. Pure functions of the schema; holds nothing.
 */
import type { ForeignKey, Schema, Table } from "../model.ts"

/** A foreign key of `table` that cannot be enforced, and what its parent lacks. */
export interface UnenforceableForeignKey {
  readonly table: string
  readonly foreignKey: ForeignKey
  /** What the parent lacks, as a sentence's end: "parent has no PRIMARY KEY, UNIQUE constraint or unique index on (code)". */
  readonly lacks: string
}

const fold = (name: string) => name.toLowerCase()
const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((x) => b.some((y) => fold(x) === fold(y)))

/** The text between the parenthesis at `open` and its match, and what follows it. */
function parenthesized(text: string, open: number): { inside: string; after: string } | undefined {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string
    if (quote) {
      if (c === quote) quote = undefined
    } else if (c === '"' || c === "`" || c === "'") quote = c
    else if (c === "(") depth++
    else if (c === ")" && --depth === 0) return { inside: text.slice(open + 1, i), after: text.slice(i + 1) }
  }
  return undefined
}

/** Split on commas outside parentheses and quotes. */
function topLevelParts(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quote) {
      if (c === quote) quote = undefined
    } else if (c === '"' || c === "`" || c === "'") quote = c
    else if (c === "(") depth++
    else if (c === ")") depth--
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim())
}

const plainColumn =
  /^(?:"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|\[([^\]]+)\]|([\p{L}_][\p{L}\p{N}_$]*))(?:\s+COLLATE\s+\S+)?(?:\s+(?:ASC|DESC))?(?:\s+NULLS\s+(?:FIRST|LAST))?$/iu

/**
 * A unique index's key columns from its CREATE text, and whether it has a WHERE clause; undefined
 * when it is not unique or a key part is not a plain column (an expression, a prefix, an operator class).
 */
function uniqueIndexColumns(definition: string): { columns: string[]; partial: boolean } | undefined {
  if (!/^CREATE\s+UNIQUE\s+INDEX\b/i.test(definition)) return undefined
  const on = /\sON\s/i.exec(definition)
  const open = on ? definition.indexOf("(", on.index) : -1
  if (open < 0) return undefined
  const list = parenthesized(definition, open)
  if (!list) return undefined
  const columns: string[] = []
  for (const part of topLevelParts(list.inside)) {
    const m = plainColumn.exec(part)
    if (!m) return undefined
    columns.push(m[1]?.replace(/""/g, '"') ?? m[2]?.replace(/``/g, "`") ?? m[3] ?? (m[4] as string))
  }
  return { columns, partial: /\bWHERE\b/i.test(list.after) }
}

/** Why `parent` offers no key on `columns`, or undefined when it does. */
function missingKey(schema: Schema, parent: Table, columns: ReadonlyArray<string>): string | undefined {
  if (columns.length === 0) return `${parent.name} has no PRIMARY KEY for the key to reference`
  const absent = columns.filter((c) => !parent.columns.some((p) => fold(p.name) === fold(c)))
  if (absent.length > 0) return `${parent.name} has no column ${absent.join(", ")}`
  if (parent.primaryKey && sameSet(parent.primaryKey.columns, columns)) return undefined
  if (parent.uniques.some((u) => sameSet(u.columns, columns))) return undefined
  const indexes = schema.objects
    .filter((o) => o.kind === "index" && o.table !== undefined && fold(o.table) === fold(parent.name))
    .map((o) => ({ name: o.name, unique: uniqueIndexColumns(o.definition) }))
    .filter((i) => i.unique !== undefined && sameSet(i.unique.columns, columns))
  if (indexes.some((i) => i.unique?.partial === false)) return undefined
  const partial = indexes.find((i) => i.unique?.partial)
  return `${parent.name} has no PRIMARY KEY, UNIQUE constraint or unique index on (${columns.join(", ")})${
    partial ? ` (unique index ${partial.name} has a WHERE clause, which a foreign key cannot use)` : ""
  }`
}

/** Every foreign key in `schema` whose parent table or key is missing, with what is missing. */
export function unenforceableForeignKeys(schema: Schema): UnenforceableForeignKey[] {
  const tables = new Map(schema.tables.map((t) => [fold(t.name), t]))
  return schema.tables.flatMap((table) =>
    table.foreignKeys.flatMap((foreignKey) => {
      const parent = tables.get(fold(foreignKey.table))
      const lacks = parent
        ? missingKey(schema, parent, foreignKey.referencedColumns)
        : `table ${foreignKey.table} does not exist`
      return lacks === undefined ? [] : [{ table: table.name, foreignKey, lacks }]
    }),
  )
}

/** "child (parent_code) -> parent (code)", for messages. */
export const describeForeignKey = (table: string, fk: ForeignKey) =>
  `${table} (${fk.columns.join(", ")}) -> ${fk.table}${fk.referencedColumns.length > 0 ? ` (${fk.referencedColumns.join(", ")})` : ""}`
