/**
 * render: canonical SQLite DDL for a table in the normalized model, columns in declared order and
 * defaults as valid SQL. Two tables that compare equal render to the same text up to column order
 * (which is not compared; model/column-order.ts lines one up with the other before a diff), so the
 * text doubles as what `aim diff` shows and what verification prints when a schema drifts.
 */
import type { Column, ForeignKey, Table } from "../../model.ts"
import { defaultSql } from "../default-sql.ts"
import { quoteName } from "./lexer.ts"

const names = (columns: ReadonlyArray<string>) => columns.map((c) => quoteName(c)).join(", ")

function renderColumn(column: Column): string {
  const parts = [quoteName(column.name)]
  if (column.type !== "") parts.push(column.type)
  if (column.notNull) parts.push("NOT NULL")
  if (column.default !== undefined) parts.push(`DEFAULT ${defaultSql(column.default)}`)
  if (column.collation !== undefined) parts.push(`COLLATE ${column.collation}`)
  if (column.generated) {
    parts.push(
      `GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.stored ? "STORED" : "VIRTUAL"}`,
    )
  }
  return parts.join(" ")
}

function renderForeignKey(fk: ForeignKey): string {
  let text = `FOREIGN KEY (${names(fk.columns)}) REFERENCES ${quoteName(fk.table)}`
  if (fk.referencedColumns.length > 0) text += ` (${names(fk.referencedColumns)})`
  if (fk.onDelete !== "NO ACTION") text += ` ON DELETE ${fk.onDelete}`
  if (fk.onUpdate !== "NO ACTION") text += ` ON UPDATE ${fk.onUpdate}`
  if (fk.deferrable) text += ` DEFERRABLE INITIALLY ${fk.initiallyDeferred ? "DEFERRED" : "IMMEDIATE"}`
  return text
}

/** Columns in their declared order, as the user reads them in schema.sql. */
export function renderTable(table: Table): string {
  const lines = table.columns.map(renderColumn)
  if (table.primaryKey) {
    lines.push(
      `PRIMARY KEY (${names(table.primaryKey.columns)})${table.primaryKey.autoincrement ? " AUTOINCREMENT" : ""}`,
    )
  }
  for (const u of table.uniques) lines.push(`UNIQUE (${names(u.columns)})`)
  for (const c of table.checks) lines.push(`CHECK (${c.expression})`)
  for (const fk of table.foreignKeys) lines.push(renderForeignKey(fk))
  const options = table.options.length > 0 ? ` ${table.options.join(", ")}` : ""
  return `CREATE TABLE ${quoteName(table.name)} (\n${lines.map((l) => `  ${l}`).join(",\n")}\n)${options};`
}
