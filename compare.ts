/**
 * compare: the structural difference between two normalized schemas, and its text form. Pure
 * functions over the model, shared by the diff step (what changed), the verify step (did UP reach
 * the target) and the CLI (what to show). Column order is deliberately not compared.
 */
import { diffLines } from "diff"
import type { Change, Column, Schema, SchemaObject, Table } from "./model.ts"

const columnShape = (c: Column) =>
  JSON.stringify([c.type, c.notNull, c.default ?? null, c.collation ?? null, c.generated ?? null, c.extra ?? null])

export function sameColumn(a: Column, b: Column): boolean {
  return columnShape(a) === columnShape(b)
}

const constraintShape = (t: Table) =>
  JSON.stringify([t.primaryKey ?? null, t.uniques, t.checks, t.foreignKeys, t.options])

function compareTable(before: Table, after: Table): Change | undefined {
  const beforeColumns = new Map(before.columns.map((c) => [c.name, c]))
  const afterColumns = new Map(after.columns.map((c) => [c.name, c]))
  const addedColumns = after.columns.filter((c) => !beforeColumns.has(c.name))
  const droppedColumns = before.columns.filter((c) => !afterColumns.has(c.name))
  const changedColumns = after.columns.flatMap((c) => {
    const old = beforeColumns.get(c.name)
    return old && !sameColumn(old, c) ? [{ before: old, after: c }] : []
  })
  const constraintsChanged = constraintShape(before) !== constraintShape(after)
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

const objectId = (o: SchemaObject) => `${o.kind}:${o.name}`

/** Every difference that takes `from` to `to`, tables first, in name order. */
export function compareSchemas(from: Schema, to: Schema): Change[] {
  const changes: Change[] = []
  const fromTables = new Map(from.tables.map((t) => [t.name, t]))
  const toTables = new Map(to.tables.map((t) => [t.name, t]))
  for (const table of from.tables) if (!toTables.has(table.name)) changes.push({ kind: "drop-table", table })
  for (const table of to.tables) {
    const old = fromTables.get(table.name)
    if (!old) changes.push({ kind: "create-table", table })
    else {
      const change = compareTable(old, table)
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
        return diffLines(renderTable(change.before), renderTable(change.after))
          .map((part) => prefix(part.added ? "+" : part.removed ? "-" : " ", part.value.replace(/\n$/, "")))
          .join("\n")
    }
  })
  return blocks.join("\n\n")
}
