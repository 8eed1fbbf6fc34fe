/**
 * table-changes: a change list read table by table, for planners that decide per table how to make
 * its changes (SQLite: ALTER TABLE or a rebuild; MySQL: one ALTER TABLE for all of them). It groups
 * the column, constraint, option and rename changes of each table that exists on both sides; it
 * compares nothing itself. Pure.
 */
import type { Change, Column, ForeignKey, Schema, Table } from "../model.ts"
import { changeTable } from "../model/changes.ts"
import { type NameKey, nameKey } from "../model/names.ts"

type Of<K extends Change["kind"]> = Extract<Change, { kind: K }>

/** The changes of one table that stays (or is renamed), with the table before and after. */
export interface TableChanges {
  readonly before: Table
  readonly after: Table
  readonly rename: Of<"rename-table"> | undefined
  readonly added: ReadonlyArray<Column>
  readonly dropped: ReadonlyArray<Column>
  readonly altered: ReadonlyArray<Of<"alter-column">>
  readonly renamedColumns: ReadonlyArray<Of<"rename-column">>
  readonly constraints: ReadonlyArray<Of<"add-constraint" | "drop-constraint" | "alter-constraint">>
  readonly options: Of<"alter-table"> | undefined
  /** Every change of the table above, in list order. */
  readonly changes: ReadonlyArray<Change>
}

const tableLevel = new Set([
  "rename-table",
  "add-column",
  "drop-column",
  "rename-column",
  "alter-column",
  "add-constraint",
  "drop-constraint",
  "alter-constraint",
  "alter-table",
])

/** The changes of each table that exists before and after, in the order the list first names them. */
export function groupByTable(changes: ReadonlyArray<Change>, from: Schema, to: Schema): TableChanges[] {
  const key = nameKey(from, to)
  const renamedFrom = new Map(
    changes.flatMap((c) => (c.kind === "rename-table" ? [[key(c.after.name), c.before.name] as const] : [])),
  )
  const groups = new Map<string, Change[]>()
  for (const c of changes) {
    if (!tableLevel.has(c.kind)) continue
    const name = key(changeTable(c) as string)
    groups.set(name, [...(groups.get(name) ?? []), c])
  }
  return [...groups].flatMap(([name, list]) => {
    const after = to.tables.find((t) => key(t.name) === name)
    const beforeName = key(renamedFrom.get(name) ?? name)
    const before = from.tables.find((t) => key(t.name) === beforeName)
    if (!after || !before) return []
    const pick = <K extends Change["kind"]>(...kinds: K[]) =>
      list.filter((c): c is Of<K> => (kinds as string[]).includes(c.kind))
    return [
      {
        before,
        after,
        rename: pick("rename-table")[0],
        added: pick("add-column").map((c) => c.column),
        dropped: pick("drop-column").map((c) => c.column),
        altered: pick("alter-column"),
        renamedColumns: pick("rename-column"),
        constraints: pick("add-constraint", "drop-constraint", "alter-constraint"),
        options: pick("alter-table")[0],
        changes: list,
      },
    ]
  })
}

/**
 * The table before its changes with the table and column renames of its group already made: what a
 * planner alters after it has written the renames.
 */
export function renamedBefore(group: TableChanges, key: NameKey): Table {
  const names = new Map(group.renamedColumns.map((r) => [key(r.before.name), r.after.name]))
  const rename = (n: string) => names.get(key(n)) ?? n
  const { before } = group
  return {
    ...before,
    name: group.after.name,
    columns: before.columns.map((c) => ({ ...c, name: rename(c.name) })),
    primaryKey: before.primaryKey && { ...before.primaryKey, columns: before.primaryKey.columns.map(rename) },
    uniques: before.uniques.map((u) => ({ ...u, columns: u.columns.map(rename) })),
    foreignKeys: before.foreignKeys.map((fk) => ({ ...fk, columns: fk.columns.map(rename) })),
  }
}

/** Columns whose definition changes, before (under its new name) and after: alters and renames that also alter. */
export function changedColumns(group: TableChanges): Array<{ before: Column; after: Column }> {
  return [
    ...group.altered.map((c) => ({ before: { ...c.before, name: c.after.name }, after: c.after })),
    ...group.renamedColumns
      .filter((r) => r.aspects.length > 0)
      .map((r) => ({ before: { ...r.before, name: r.after.name }, after: r.after })),
  ]
}

/**
 * Where the change list's renames take names of the schema before: a table's, and a column's of a
 * table (named as before). A planner that re-adds a foreign key it dropped writes it with these.
 */
export function renamesIn(changes: ReadonlyArray<Change>, key: NameKey) {
  const tables = new Map<string, string>()
  for (const c of changes) if (c.kind === "rename-table") tables.set(key(c.before.name), c.after.name)
  const oldName = new Map([...tables].map(([from, to]) => [key(to), from]))
  const columns = new Map<string, string>()
  for (const c of changes)
    if (c.kind === "rename-column")
      columns.set(`${oldName.get(key(c.table)) ?? key(c.table)}\u0000${key(c.before.name)}`, c.after.name)
  const table = (name: string) => tables.get(key(name)) ?? name
  const column = (table: string, name: string) => columns.get(`${key(table)}\u0000${key(name)}`) ?? name
  return {
    table,
    column,
    /** A foreign key of table `owner` (as named before), with every name as it reads after the renames. */
    foreignKey: (owner: string, fk: ForeignKey): ForeignKey => ({
      ...fk,
      columns: fk.columns.map((c) => column(owner, c)),
      table: table(fk.table),
      referencedColumns: fk.referencedColumns.map((c) => column(fk.table, c)),
    }),
  }
}
