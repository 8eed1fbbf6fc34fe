/**
 * identifiers: how an engine spells the names a user writes, for text aim reads itself (the
 * comments of schema.sql): how its scripts are tokenized, whether an unquoted name is folded to
 * lower case (PostgreSQL) or kept as written, and which schema a name without one lives in. The
 * catalog names tables without the default schema ("users", "audit.log"), so a name written
 * `public.users` is the table `users`. Each engine states its own in its capabilities. Pure.
 */
import type { LexDialect } from "./lexer.ts"

export interface Identifiers {
  /** How the engine's scripts are tokenized. */
  readonly dialect: LexDialect
  /** Unquoted names: stored lower-cased (PostgreSQL) or as written. */
  readonly unquoted: "lower" | "as-written"
  /**
   * The schema of a table named without one, where the model qualifies the names of tables outside
   * it (PostgreSQL: "public", "audit.log"); undefined where the model never qualifies a table's name
   * (SQLite, whose main and temp schemas aim reads as one; MySQL, where a qualifier names a database).
   */
  readonly defaultSchema: string | undefined
}

/** One part of a name as written: its text unquoted, and whether it was quoted. */
export interface WrittenName {
  readonly text: string
  readonly quoted: boolean
}

/** A part of a name as the catalog holds it. */
export const storedName = (part: WrittenName, ids: Identifiers) =>
  part.quoted || ids.unquoted === "as-written" ? part.text : part.text.toLowerCase()

/** A table's name as the model holds it, from the parts it was written with. */
export function storedTableName(parts: ReadonlyArray<WrittenName>, ids: Identifiers): string {
  const names = parts.map((p) => storedName(p, ids))
  if (names.length < 2) return names.join(".")
  const schema = names.slice(0, -1).join(".")
  return ids.defaultSchema === undefined || schema === ids.defaultSchema
    ? (names.at(-1) as string)
    : `${schema}.${names.at(-1)}`
}

/** One name as the user writes it so that it reads back as `name`: bare where it can be, else quoted. */
export function writtenName(name: string, ids: Identifiers): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)
  if (plain && (ids.unquoted === "as-written" || name === name.toLowerCase())) return name
  const quote = ids.dialect.nameQuotes[0] ?? '"'
  return `${quote}${name.replaceAll(quote, quote + quote)}${quote}`
}

/** A table's model name as the user writes it: the schema, where it has one, then the name. */
export function writtenTableName(name: string, ids: Identifiers): string {
  const dot = ids.defaultSchema === undefined ? -1 : name.indexOf(".")
  return dot === -1
    ? writtenName(name, ids)
    : `${writtenName(name.slice(0, dot), ids)}.${writtenName(name.slice(dot + 1), ids)}`
}
