/**
 * render: canonical MySQL/MariaDB DDL for a table in the normalized model, columns in declared order
 * and defaults as valid SQL. Two tables that compare equal render to the same text up to column order
 * (not compared; model/column-order.ts lines one up with the other before a diff), so it doubles as
 * what `aim diff` shows and what verification prints when a schema drifts. Indexes are separate objects and render with their own CREATE INDEX.
 */
import type { Column, ForeignKey, Table } from "../../model.ts"
import { defaultSql } from "../default-sql.ts"
import { quoteName } from "./lexer.ts"

const names = (columns: ReadonlyArray<string>) => columns.map((c) => quoteName(c)).join(", ")

function renderColumn(column: Column): string {
  const parts = [quoteName(column.name), column.type]
  const extra = column.extra ?? {}
  if (extra.charset) parts.push(`CHARACTER SET ${extra.charset}`)
  if (column.collation !== undefined) parts.push(`COLLATE ${column.collation}`)
  if (column.generated)
    parts.push(
      `GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.stored ? "STORED" : "VIRTUAL"}`,
    )
  parts.push(column.notNull ? "NOT NULL" : "NULL")
  if (column.default !== undefined) parts.push(`DEFAULT ${defaultSql(column.default)}`)
  if (extra.on_update) parts.push(`ON UPDATE ${extra.on_update}`)
  if (extra.auto_increment) parts.push("AUTO_INCREMENT")
  if (extra.invisible) parts.push("INVISIBLE")
  if (extra.check) parts.push(`CHECK (${extra.check})`)
  if (extra.comment !== undefined) parts.push(`COMMENT '${extra.comment.replaceAll("'", "''")}'`)
  return parts.join(" ")
}

function renderForeignKey(fk: ForeignKey): string {
  let text = `${fk.name ? `CONSTRAINT ${quoteName(fk.name)} ` : ""}FOREIGN KEY (${names(fk.columns)}) REFERENCES ${quoteName(fk.table)} (${names(fk.referencedColumns)})`
  if (fk.onDelete !== "RESTRICT") text += ` ON DELETE ${fk.onDelete}`
  if (fk.onUpdate !== "RESTRICT") text += ` ON UPDATE ${fk.onUpdate}`
  return text
}

/** Columns in their declared order, as the user reads them in schema.sql. */
export function renderTable(table: Table): string {
  const lines = table.columns.map(renderColumn)
  if (table.primaryKey) lines.push(`PRIMARY KEY (${table.primaryKey.columns.join(", ")})`)
  for (const c of table.checks)
    lines.push(`${c.name ? `CONSTRAINT ${quoteName(c.name)} ` : ""}CHECK (${c.expression})`)
  for (const fk of table.foreignKeys) lines.push(renderForeignKey(fk))
  // ENGINE, DEFAULT CHARSET and COLLATE that only repeat the database's defaults are not shown, as
  // the definition (as-written.ts) leaves them out: the user did not write them.
  const shown = table.options.filter(
    (o) => !/^(ENGINE|DEFAULT CHARSET|COLLATE)=/.test(o) || table.definition.includes(o),
  )
  const options = shown.length > 0 ? ` ${shown.join(" ")}` : ""
  return `CREATE TABLE ${quoteName(table.name)} (\n${lines.map((l) => `  ${l}`).join(",\n")}\n)${options};`
}
