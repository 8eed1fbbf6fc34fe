/**
 * plan-inheritance: the columns of PostgreSQL tables that have parents (INHERITS, PARTITION OF).
 * The catalog lists a child's inherited column only where the child changes it (a default or NOT
 * NULL of its own, a comment); everything else comes with its parents. A child really holds every
 * column of its parents, and ALTER TABLE on a parent reaches its children: a default, NOT NULL or
 * type set on the parent is set on each child, a column added or dropped there is added or dropped
 * in each (https://www.postgresql.org/docs/current/ddl-inherit.html,
 * https://www.postgresql.org/docs/current/sql-altertable.html). The planner changes parents before
 * their children (plan-tables.ts `inheritanceDepth`), so a child's statements start from what its
 * parents' statements left it with, and only set what differs from that. Pure.
 */
import type { Column, Schema, Table } from "../../model.ts"
import { nextval, serialOf } from "./render.ts"
import { parentsOf } from "./table-options.ts"

/** A parent's column as a child holds it: the parent's default (a serial's nextval), no comment, no sequence. */
function asInherited(table: Table, column: Column): Column {
  const serial = serialOf(table.name, column)
  const extra = { ...column.extra }
  delete extra.comment
  delete extra.serial
  return {
    ...column,
    default: serial ? nextval(serial.sequence) : column.default,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
  }
}

const tableIn = (schema: Schema, name: string) => schema.tables.find((t) => t.name === name)

/**
 * The columns `table` inherits in `schema`, by name, each with the parent that brings it: every
 * column of every parent (theirs inherited in turn), the first parent's where two have one.
 */
export function inheritedColumns(
  schema: Schema,
  table: Table,
  seen: ReadonlySet<string> = new Set(),
): Map<string, { column: Column; parent: string }> {
  const out = new Map<string, { column: Column; parent: string }>()
  for (const name of parentsOf(table)) {
    const parent = tableIn(schema, name)
    if (!parent || seen.has(name)) continue
    for (const column of physicalColumns(schema, parent, new Set([...seen, table.name])).values())
      if (!out.has(column.name)) out.set(column.name, { column, parent: name })
  }
  return out
}

/** Every column `table` really holds in `schema`: what it inherits, with its own changes and columns over it. */
export function physicalColumns(
  schema: Schema,
  table: Table,
  seen: ReadonlySet<string> = new Set(),
): Map<string, Column> {
  const out = new Map<string, Column>()
  for (const [name, { column, parent }] of inheritedColumns(schema, table, seen)) {
    const owner = tableIn(schema, parent)
    out.set(name, owner ? asInherited(owner, column) : column)
  }
  for (const column of table.columns) out.set(column.name, column)
  return out
}

/**
 * The column `name` of a child as the statements of its parents leave it: what a parent's ALTER
 * TABLE sets on its children (type, collation, default, NOT NULL) taken from the parent's new
 * version where the parent changes it, the child's old version elsewhere.
 */
export function afterParents(from: Schema, to: Schema, child: Table, column: Column): Column {
  const source = inheritedColumns(from, child).get(column.name)
  if (!source) return column
  const parentBefore = tableIn(from, source.parent)
  const parentAfter = tableIn(to, source.parent)
  if (!parentBefore || !parentAfter) return column
  const was = physicalColumns(from, parentBefore).get(column.name)
  const now = physicalColumns(to, parentAfter).get(column.name)
  if (!was || !now) return column
  const a = asInherited(parentBefore, was)
  const b = asInherited(parentAfter, now)
  return {
    ...column,
    type: a.type !== b.type ? b.type : column.type,
    collation: a.collation !== b.collation ? b.collation : column.collation,
    default: a.default !== b.default ? b.default : column.default,
    notNull: a.notNull !== b.notNull ? b.notNull : column.notNull,
  }
}

/** Columns the parents of `child` (in `from`) add on their way to `to`: ADD COLUMN reaches every child. */
export function arrivingColumns(from: Schema, to: Schema, child: Table): Map<string, Column> {
  const out = new Map<string, Column>()
  for (const name of parentsOf(child)) {
    const was = tableIn(from, name)
    const now = tableIn(to, name)
    if (!was || !now) continue
    const before = physicalColumns(from, was)
    for (const [column, c] of physicalColumns(to, now))
      if (!before.has(column) && !out.has(column)) out.set(column, asInherited(now, c))
  }
  return out
}
