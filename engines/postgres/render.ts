/**
 * render: PostgreSQL DDL for tables of the normalized model. `renderTable` is the canonical text for
 * display and diffs (columns in name order, so two tables that compare equal render the same); the
 * clause helpers are shared with the planner, which writes the same clauses in catalog order.
 */
import type { CheckConstraint, Column, ForeignKey, PrimaryKey, Table, UniqueConstraint } from "../../model.ts"
import { defaultNames, quoteIdent, quoteLiteral, quoteName, readName, splitName } from "./names.ts"
import { partitionOf } from "./table-options.ts"

export const columnList = (columns: ReadonlyArray<string>) => columns.map(quoteIdent).join(", ")

const serialTypes: Record<string, string> = {
  integer: "serial",
  bigint: "bigserial",
  smallint: "smallserial",
}

/** The sequence a serial column owns, and whether `serial` alone recreates it. */
export function serialOf(
  table: string,
  column: Column,
): { sequence: string; clauses: string; shorthand: boolean } | undefined {
  const value = column.extra?.serial
  const read = value === undefined ? undefined : readName(value)
  if (read === undefined) return undefined
  const sequence = read.name
  const clauses = read.rest.trim()
  const { schema, name } = splitName(table)
  const expected =
    schema === "public"
      ? defaultNames.sequence(name, column.name)
      : `${schema}.${defaultNames.sequence(name, column.name)}`
  const shorthand =
    sequence === expected && clauses === "" && column.notNull && serialTypes[column.type] !== undefined
  return { sequence, clauses, shorthand }
}

/** The default expression a serial column's explicit form uses. */
export const nextval = (sequence: string) => `nextval(${quoteLiteral(quoteName(sequence))}::regclass)`

/** One column as CREATE TABLE and ADD COLUMN write it. */
export function columnSql(table: string, column: Column): string {
  const serial = serialOf(table, column)
  const parts = [
    quoteIdent(column.name),
    serial?.shorthand ? (serialTypes[column.type] as string) : column.type,
  ]
  if (column.collation !== undefined) parts.push(`COLLATE ${column.collation}`)
  const identity = column.extra?.identity
  if (identity !== undefined) {
    const open = identity.indexOf(" (")
    parts.push(
      open === -1
        ? `GENERATED ${identity} AS IDENTITY`
        : `GENERATED ${identity.slice(0, open)} AS IDENTITY${identity.slice(open)}`,
    )
  }
  if (column.generated)
    parts.push(
      `GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.stored ? "STORED" : "VIRTUAL"}`,
    )
  if (serial && !serial.shorthand) parts.push(`DEFAULT ${nextval(serial.sequence)}`)
  if (column.default !== undefined) parts.push(`DEFAULT ${column.default}`)
  if (column.notNull && !serial?.shorthand && identity === undefined) parts.push("NOT NULL")
  return parts.join(" ")
}

const constraintPrefix = (name: string | undefined) =>
  name === undefined ? "" : `CONSTRAINT ${quoteIdent(name)} `

export const primaryKeySql = (pk: PrimaryKey) =>
  `${constraintPrefix(pk.name)}PRIMARY KEY (${columnList(pk.columns)})`
export const uniqueSql = (u: UniqueConstraint) =>
  `${constraintPrefix(u.name)}UNIQUE (${columnList(u.columns)})`
export const checkSql = (c: CheckConstraint) =>
  /^\(.*\) NO INHERIT$/s.test(c.expression)
    ? `${constraintPrefix(c.name)}CHECK ${c.expression}`
    : `${constraintPrefix(c.name)}CHECK (${c.expression})`

export function foreignKeySql(fk: ForeignKey): string {
  let text = `${constraintPrefix(fk.name)}FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${quoteName(fk.table)}`
  if (fk.referencedColumns.length > 0) text += ` (${columnList(fk.referencedColumns)})`
  if (fk.match === "FULL") text += " MATCH FULL"
  if (fk.onUpdate !== "NO ACTION") text += ` ON UPDATE ${fk.onUpdate}`
  if (fk.onDelete !== "NO ACTION") text += ` ON DELETE ${fk.onDelete}`
  if (fk.deferrable) text += ` DEFERRABLE INITIALLY ${fk.initiallyDeferred ? "DEFERRED" : "IMMEDIATE"}`
  return text
}

/** Options that are constraints written inside the parentheses of CREATE TABLE. */
export const isConstraintOption = (option: string) =>
  /^(CONSTRAINT |EXCLUDE |UNIQUE |PRIMARY KEY )/.test(option)

/**
 * Canonical text of a table, columns in their declared order; comments and row security follow as
 * their own statements.
 */
export function renderTable(table: Table): string {
  const lines = table.columns.map((c) => columnSql(table.name, c))
  if (table.primaryKey) lines.push(primaryKeySql(table.primaryKey))
  for (const u of table.uniques) lines.push(uniqueSql(u))
  for (const c of table.checks) lines.push(`${checkSql(c)}${c.valid === false ? " NOT VALID" : ""}`)
  for (const fk of table.foreignKeys)
    lines.push(`${foreignKeySql(fk)}${fk.valid === false ? " NOT VALID" : ""}`)
  for (const o of table.options) if (isConstraintOption(o)) lines.push(o)
  const unlogged = table.options.includes("UNLOGGED") ? "UNLOGGED " : ""
  const partition = partitionOf(table)
  const head = `CREATE ${unlogged}TABLE ${quoteName(table.name)}`
  let text: string
  if (partition !== undefined) {
    const body = lines.length > 0 ? ` (\n${lines.map((l) => `  ${l}`).join(",\n")}\n)` : ""
    text = `${head} PARTITION OF ${quoteName(partition.parent)}${body} ${partition.bound}`
  } else text = `${head} (\n${lines.map((l) => `  ${l}`).join(",\n")}\n)`
  for (const o of table.options)
    if (o.startsWith("INHERITS ") || o.startsWith("PARTITION BY ") || o.startsWith("WITH (")) text += ` ${o}`
  text += ";"
  for (const o of table.options) {
    if (o.startsWith("COMMENT ")) text += `\nCOMMENT ON TABLE ${quoteName(table.name)} IS ${o.slice(8)};`
    else if (o === "ROW LEVEL SECURITY")
      text += `\nALTER TABLE ${quoteName(table.name)} ENABLE ROW LEVEL SECURITY;`
    else if (o === "FORCE ROW LEVEL SECURITY")
      text += `\nALTER TABLE ${quoteName(table.name)} FORCE ROW LEVEL SECURITY;`
    else if (o.startsWith("REPLICA IDENTITY ")) text += `\nALTER TABLE ${quoteName(table.name)} ${o};`
  }
  // A serial column's sequence options are part of the column: shown, so a diff in them is seen.
  for (const c of table.columns) {
    const serial = serialOf(table.name, c)
    if (serial && !serial.shorthand)
      text += `\nALTER SEQUENCE ${quoteName(serial.sequence)}${serial.clauses ? ` ${serial.clauses}` : ""} OWNED BY ${quoteName(table.name)}.${quoteIdent(c.name)};`
  }
  for (const c of table.columns)
    if (c.extra?.comment !== undefined)
      text += `\nCOMMENT ON COLUMN ${quoteName(table.name)}.${quoteIdent(c.name)} IS ${quoteLiteral(c.extra.comment)};`
  return text
}
