/**
 * changes: reading a change list (model/diff.ts) for people and tools: one line per change, the
 * table or object it is about, which of its changes depend on the rows a database holds (a NOT NULL,
 * a key, a narrowed type: what hazard probes look at), and the whole list as `-`/`+` text grouped
 * by table. Pure.
 */
import { diffLines } from "diff"
import type { Change, Schema, Table, TableConstraint } from "../model.ts"
import { nameKey } from "./names.ts"
import { inOrderOf } from "./column-order.ts"

/** A constraint in a few words: its name, or what it is when it has none. */
export function constraintLabel(c: TableConstraint): string {
  if (c.name !== undefined) return c.name
  if ("clause" in c) return c.clause
  switch (c.type) {
    case "primary-key":
      return `primary key (${c.primaryKey.columns.join(", ")})`
    case "unique":
      return `unique (${c.unique.columns.join(", ")})`
    case "check":
      return `check (${c.check.expression})`
    case "foreign-key":
      return `foreign key (${c.foreignKey.columns.join(", ")}) -> ${c.foreignKey.table}`
  }
}

const constraintWords: Record<TableConstraint["type"], string> = {
  "primary-key": "primary key",
  unique: "unique constraint",
  check: "check",
  "foreign-key": "foreign key",
  exclusion: "exclusion constraint",
}

/** The table a change is about, as it is named after the change; undefined for other objects. */
export function changeTable(change: Change): string | undefined {
  switch (change.kind) {
    case "create-table":
    case "drop-table":
      return change.table.name
    case "rename-table":
    case "alter-table":
      return change.after.name
    case "create-object":
    case "drop-object":
    case "replace-object":
      return undefined
    default:
      return change.table
  }
}

/** A one-line description of a change, for progress output, JSON and migration names. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case "create-table":
      return `create table ${change.table.name}`
    case "drop-table":
      return `drop table ${change.table.name}`
    case "rename-table":
      return `rename table ${change.before.name} to ${change.after.name}`
    case "add-column":
      return `add column ${change.table}.${change.column.name}`
    case "drop-column":
      return `drop column ${change.table}.${change.column.name}`
    case "rename-column": {
      const also = change.aspects.length > 0 ? ` (and change ${change.aspects.join(", ")})` : ""
      return `rename column ${change.table}.${change.before.name} to ${change.after.name}${also}`
    }
    case "alter-column":
      return `change column ${change.table}.${change.after.name} (${change.aspects.join(", ")})`
    case "add-constraint":
      return `add ${constraintWords[change.constraint.type]} ${constraintLabel(change.constraint)} on ${change.table}`
    case "drop-constraint":
      return `drop ${constraintWords[change.constraint.type]} ${constraintLabel(change.constraint)} on ${change.table}`
    case "alter-constraint":
      return `change ${constraintWords[change.after.type]} ${constraintLabel(change.after)} on ${change.table} (${change.aspects.join(", ")})`
    case "add-index":
      return `create index ${change.index.name}`
    case "drop-index":
      return `drop index ${change.index.name}`
    case "alter-index":
      return `replace index ${change.after.name}`
    case "rename-index":
      return `rename index ${change.before.name} to ${change.after.name}`
    case "alter-table":
      return `change options of table ${change.after.name}`
    case "create-object":
      return `create ${change.object.kind} ${change.object.name}`
    case "drop-object":
      return `drop ${change.object.kind} ${change.object.name}`
    case "replace-object":
      return `replace ${change.after.kind} ${change.after.name}`
  }
}

/**
 * The changes in a few words, for a migration's file name: one change as it describes itself,
 * else a word per table (created, dropped or altered) or, without tables, per object; "update
 * schema" beyond three.
 */
export function summarizeChanges(changes: ReadonlyArray<Change>): string {
  if (changes.length === 1) return describeChange(changes[0] as Change)
  // One word per table: created, dropped, or (any other change of it) altered; indexes are objects.
  const verbs = new Map<string, string>()
  for (const c of changes) {
    const table = changeTable(c)
    if (table === undefined || c.kind.endsWith("-index")) continue
    const verb = c.kind === "create-table" ? "create" : c.kind === "drop-table" ? "drop" : "alter"
    if (!verbs.has(table) || verb !== "alter") verbs.set(table, verb)
  }
  const objectWord = (c: Change) => {
    switch (c.kind) {
      case "replace-object":
      case "alter-index":
        return `replace ${c.after.name}`
      case "create-object":
      case "drop-object":
        return `${c.kind.split("-")[0]} ${c.object.name}`
      case "add-index":
      case "drop-index":
        return `${c.kind === "add-index" ? "create" : "drop"} ${c.index.name}`
      case "rename-index":
        return `rename ${c.before.name}`
      default:
        return c.kind.split("-")[0] as string
    }
  }
  const words =
    verbs.size > 0 ? [...verbs].map(([table, verb]) => `${verb} ${table}`) : changes.map(objectWord)
  return words.length <= 3 ? words.join(" and ") : "update schema"
}

/**
 * What rows must satisfy for a change to go through as written, or the values it may alter: a
 * column becoming (or added as) NOT NULL, a key or unique index (no duplicates), a foreign key (no
 * orphans), a check or exclusion, a type conversion, a generation or identity change. Empty when
 * the change cannot fail or alter values because of the data a table holds.
 */
export type DataCondition =
  | "not-null"
  | "unique"
  | "foreign-key"
  | "check"
  | "exclusion"
  | "type"
  | "generated"
  | "identity"

function constraintCondition(c: TableConstraint): DataCondition {
  switch (c.type) {
    case "primary-key":
    case "unique":
      return "unique"
    default:
      return c.type
  }
}

/** The data conditions of one change (see `DataCondition`); empty for a change rows cannot break. */
export function dataConditions(change: Change): DataCondition[] {
  switch (change.kind) {
    case "add-column": {
      const c = change.column
      const valued = c.default !== undefined || c.generated !== undefined || c.extra?.identity !== undefined
      return c.notNull && !valued ? ["not-null"] : []
    }
    case "alter-column":
    case "rename-column": {
      const out: DataCondition[] = []
      if (change.aspects.includes("nullability") && change.after.notNull) out.push("not-null")
      if (change.aspects.includes("type") || change.aspects.includes("collation")) out.push("type")
      if (change.aspects.includes("generated")) out.push("generated")
      if (change.aspects.includes("identity")) out.push("identity")
      return out
    }
    case "add-constraint":
      return [constraintCondition(change.constraint)]
    case "alter-constraint":
      return change.aspects.some((a) => a !== "deferrable") && change.after.valid
        ? [constraintCondition(change.after)]
        : []
    case "add-index":
    case "alter-index": {
      const index = change.kind === "add-index" ? change.index : change.after
      return /^CREATE\s+UNIQUE\b/i.test(index.definition) ? ["unique"] : []
    }
    case "replace-object":
      // A type that loses values (an enum label) or tightens (a domain's check) checks the rows using it.
      return ["enum", "domain", "type"].includes(change.after.kind) ? ["type"] : []
    default:
      return []
  }
}

const tidyDefinition = (sql: string) => `${sql.trim().replace(/;$/, "")};`

/** A change shown whole: what it removes and what it adds, each as its definition. */
function wholeObject(
  change: Change,
  renderTable: (t: Table) => string,
): { removed?: string | undefined; added?: string | undefined } | undefined {
  switch (change.kind) {
    case "create-table":
      return { added: renderTable(change.table) }
    case "drop-table":
      return { removed: renderTable(change.table) }
    case "create-object":
    case "add-index": {
      const o = change.kind === "add-index" ? change.index : change.object
      return { added: tidyDefinition(o.definition) }
    }
    case "drop-object":
    case "drop-index": {
      const o = change.kind === "drop-index" ? change.index : change.object
      return { removed: tidyDefinition(o.definition) }
    }
    case "replace-object":
    case "alter-index":
    case "rename-index":
      return {
        removed: tidyDefinition(change.before.definition),
        added: tidyDefinition(change.after.definition),
      }
    default:
      return undefined
  }
}

/** How `renderChanges` shows a table: the engine's canonical DDL. */
export interface DiffTextContext {
  readonly from: Schema
  readonly to: Schema
  readonly renderTable: (t: Table) => string
}

/**
 * The changes as text: `-` lines exist only in `from` (the history), `+` lines only in `to`
 * (schema.sql), two-space lines are shared context inside a changed table. A table's changes show
 * as one block, the table before against the table after.
 */
export function renderChanges(changes: ReadonlyArray<Change>, context: DiffTextContext): string {
  const key = nameKey(context.from, context.to)
  const find = (schema: Schema, name: string) => schema.tables.find((t) => key(t.name) === key(name))
  const prefix = (mark: string, text: string) =>
    text
      .split("\n")
      .map((l) => `${mark} ${l}`)
      .join("\n")
  // Column order is not compared: the old table is shown in the new one's order (model/column-order.ts).
  const tableBlock = (before: Table | undefined, after: Table | undefined) =>
    diffLines(
      before ? context.renderTable(after ? inOrderOf(before, after, key) : before) : "",
      after ? context.renderTable(after) : "",
    )
      .map((part) => prefix(part.added ? "+" : part.removed ? "-" : " ", part.value.replace(/\n$/, "")))
      .join("\n")
  const shown = new Set<string>()
  const blocks: string[] = []
  for (const change of changes) {
    const whole = wholeObject(change, context.renderTable)
    if (whole) {
      blocks.push(
        [whole.removed, whole.added]
          .flatMap((text, i) => (text === undefined ? [] : [prefix(i === 0 ? "-" : "+", text)]))
          .join("\n"),
      )
      continue
    }
    // A rename, and the column, constraint and option changes of one table: one block for all of them.
    const name = changeTable(change) as string
    if (shown.has(key(name))) continue
    shown.add(key(name))
    const rename = changes.find((c) => c.kind === "rename-table" && key(c.after.name) === key(name))
    // Lines alone cannot tell a rename from a drop and an add: each rename says so under the block.
    const renames = changes
      .filter(
        (c) =>
          (c.kind === "rename-table" || c.kind === "rename-column") &&
          key(changeTable(c) ?? "") === key(name),
      )
      .map((c) => `  -- ${describeChange(c)}`)
    blocks.push(
      [
        rename?.kind === "rename-table"
          ? tableBlock(rename.before, rename.after)
          : tableBlock(find(context.from, name), find(context.to, name)),
        ...renames,
      ].join("\n"),
    )
  }
  return blocks.join("\n\n")
}
