/**
 * compare: the structural difference between two normalized schemas, and its text form. Pure
 * functions over the model, shared by the diff step (what changed), the verify step (did UP reach
 * the target) and the CLI (what to show). Column order is deliberately not compared, and names are
 * matched the way the engine matches them (see `nameKey`).
 */
import { diffLines } from "diff"
import type { Change, Column, Schema, SchemaObject, Table } from "../model.ts"
import { inOrderOf } from "./column-order.ts"

/** Maps a name to the key it is matched by. */
export type NameKey = (name: string) => string

/** ASCII-only, the way SQLite folds names: `Users` and `users` are one table, `É` and `é` are not. */
export const foldCase: NameKey = (name) => name.replace(/[A-Z]+/g, (m) => m.toLowerCase())

const exact: NameKey = (name) => name

/**
 * How names of `a` and `b` are matched: folded when their engine ignores case in names. Without it,
 * `CREATE TABLE USERS` in the history and `users` in schema.sql would read as a drop and a create,
 * and the table's rows would be lost.
 */
export function nameKey(a: Schema, b: Schema): NameKey {
  return a.caseInsensitiveNames || b.caseInsensitiveNames ? foldCase : exact
}

const columnShape = (c: Column) =>
  JSON.stringify([
    c.type,
    c.notNull,
    c.default ?? null,
    c.collation ?? null,
    c.generated ?? null,
    c.extra ?? null,
  ])

export function sameColumn(a: Column, b: Column): boolean {
  return columnShape(a) === columnShape(b)
}

/**
 * Keys, unique constraints, checks, foreign keys and (unless left out) options as one comparable
 * string, with names matched by `key`. Uniques and foreign keys are sets, so they are sorted after
 * their names are keyed: a spelling that differs only in case must not change their order.
 */
export function constraintShape(t: Table, key: NameKey = exact, withOptions = true): string {
  const names = (columns: ReadonlyArray<string>) => columns.map(key)
  const named = <C extends { readonly name?: string | undefined }>(c: C) =>
    c.name === undefined ? c : { ...c, name: key(c.name) }
  const sorted = (items: string[]) => items.sort()
  return JSON.stringify([
    t.primaryKey ? named({ ...t.primaryKey, columns: names(t.primaryKey.columns) }) : null,
    sorted(t.uniques.map((u) => JSON.stringify(named({ ...u, columns: names(u.columns) })))),
    t.checks.map(named),
    sorted(
      t.foreignKeys.map((fk) =>
        JSON.stringify(
          named({
            ...fk,
            columns: names(fk.columns),
            table: key(fk.table),
            referencedColumns: names(fk.referencedColumns),
          }),
        ),
      ),
    ),
    withOptions ? t.options : [],
  ])
}

function compareTable(before: Table, after: Table, key: NameKey): Change | undefined {
  const beforeColumns = new Map(before.columns.map((c) => [key(c.name), c]))
  const afterColumns = new Map(after.columns.map((c) => [key(c.name), c]))
  const addedColumns = after.columns.filter((c) => !beforeColumns.has(key(c.name)))
  const droppedColumns = before.columns.filter((c) => !afterColumns.has(key(c.name)))
  const changedColumns = after.columns.flatMap((c) => {
    const old = beforeColumns.get(key(c.name))
    return old && !sameColumn(old, c) ? [{ before: old, after: c }] : []
  })
  const constraintsChanged = constraintShape(before, key) !== constraintShape(after, key)
  if (addedColumns.length + droppedColumns.length + changedColumns.length === 0 && !constraintsChanged)
    return undefined
  return {
    kind: "alter-table",
    before,
    after,
    addedColumns,
    droppedColumns,
    changedColumns,
    constraintsChanged,
  }
}

/** Every difference that takes `from` to `to`, tables first, in name order. */
export function compareSchemas(from: Schema, to: Schema): Change[] {
  const key = nameKey(from, to)
  const objectId = (o: SchemaObject) => `${o.kind}:${key(o.name)}`
  const changes: Change[] = []
  const fromTables = new Map(from.tables.map((t) => [key(t.name), t]))
  const toTables = new Map(to.tables.map((t) => [key(t.name), t]))
  for (const table of from.tables)
    if (!toTables.has(key(table.name))) changes.push({ kind: "drop-table", table })
  for (const table of to.tables) {
    const old = fromTables.get(key(table.name))
    if (!old) changes.push({ kind: "create-table", table })
    else {
      const change = compareTable(old, table, key)
      if (change) changes.push(change)
    }
  }
  const fromObjects = new Map(from.objects.map((o) => [objectId(o), o]))
  const toObjects = new Map(to.objects.map((o) => [objectId(o), o]))
  for (const object of from.objects)
    if (!toObjects.has(objectId(object))) changes.push({ kind: "drop-object", object })
  for (const object of to.objects) {
    const old = fromObjects.get(objectId(object))
    if (!old) changes.push({ kind: "create-object", object })
    else if (old.key !== object.key) changes.push({ kind: "replace-object", before: old, after: object })
  }
  return changes
}

/** A one-line description of a change, for progress output and migration names. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case "create-table":
      return `create table ${change.table.name}`
    case "drop-table":
      return `drop table ${change.table.name}`
    case "alter-table": {
      const parts = [
        ...change.addedColumns.map((c) => `add column ${c.name}`),
        ...change.droppedColumns.map((c) => `drop column ${c.name}`),
        ...change.changedColumns.map((c) => `change column ${c.after.name}`),
        ...(change.constraintsChanged ? ["change constraints"] : []),
      ]
      return `alter table ${change.after.name}: ${parts.join(", ")}`
    }
    case "create-object":
      return `create ${change.object.kind} ${change.object.name}`
    case "drop-object":
      return `drop ${change.object.kind} ${change.object.name}`
    case "replace-object":
      return `replace ${change.after.kind} ${change.after.name}`
  }
}

const tidyDefinition = (sql: string) => `${sql.trim().replace(/;$/, "")};`

/**
 * The changes as text: `-` lines exist only in `from` (the history), `+` lines only in `to`
 * (schema.sql), two-space lines are shared context inside an altered table.
 */
export function renderChanges(changes: ReadonlyArray<Change>, renderTable: (t: Table) => string): string {
  const prefix = (mark: string, text: string) =>
    text
      .split("\n")
      .map((l) => `${mark} ${l}`)
      .join("\n")
  const blocks = changes.map((change) => {
    switch (change.kind) {
      case "create-table":
        return prefix("+", renderTable(change.table))
      case "drop-table":
        return prefix("-", renderTable(change.table))
      case "create-object":
        return prefix("+", tidyDefinition(change.object.definition))
      case "drop-object":
        return prefix("-", tidyDefinition(change.object.definition))
      case "replace-object":
        return `${prefix("-", tidyDefinition(change.before.definition))}\n${prefix("+", tidyDefinition(change.after.definition))}`
      case "alter-table":
        return diffLines(renderTable(inOrderOf(change.before, change.after)), renderTable(change.after))
          .map((part) => prefix(part.added ? "+" : part.removed ? "-" : " ", part.value.replace(/\n$/, "")))
          .join("\n")
    }
  })
  return blocks.join("\n\n")
}
