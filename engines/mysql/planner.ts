/**
 * planner: MySQL/MariaDB migrations from one normalized schema to another, deterministic and
 * offline. Each changed table gets one ALTER TABLE (ADD/DROP/MODIFY COLUMN, keys, checks), so the
 * server copies it at most once (https://dev.mysql.com/doc/refman/8.0/en/alter-table.html). Foreign
 * keys are dropped before the columns and indexes they use change and added after; new tables come
 * parents first, with a foreign key into a table not yet there added afterwards; views follow their
 * dependencies; triggers, routines and events are written without DELIMITER, one statement each.
 * Renames are not detected: the model says nothing about them, so a renamed column is a drop and an add.
 * Pure; holds no resources.
 */
import { sameColumn } from "../../model/diff.ts"
import type { PlannedSteps } from "../engine.ts"
import { fixedStep } from "../order.ts"
import { groupByTable, type TableChanges } from "../table-changes.ts"
import type { Change, CheckConstraint, Column, ForeignKey, Schema, SchemaObject, Table } from "../../model.ts"
import type { Flavor } from "./flavor.ts"
import { splitCreateTable } from "./catalog.ts"
import { backtickedNames, matchingParen, normalizeExpression, quoteName, splitTopLevel } from "./lexer.ts"

const q = quoteName
/** A table's changes, as this planner reads them. */
interface AlterTable {
  readonly before: Table
  readonly after: Table
  readonly addedColumns: ReadonlyArray<Column>
  readonly droppedColumns: ReadonlyArray<Column>
  readonly changedColumns: ReadonlyArray<{ readonly before: Column; readonly after: Column }>
}

const alterOf = (g: TableChanges): AlterTable => ({
  before: g.before,
  after: g.after,
  addedColumns: g.added,
  droppedColumns: g.dropped,
  changedColumns: g.altered,
})

/** Parents before children; tables in a cycle keep their input order. */
export function parentsFirst(tables: ReadonlyArray<Table>): Table[] {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const done = new Set<string>()
  const visiting = new Set<string>()
  const order: Table[] = []
  const visit = (t: Table) => {
    if (done.has(t.name) || visiting.has(t.name)) return
    visiting.add(t.name)
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.table)
      if (parent && parent !== t) visit(parent)
    }
    visiting.delete(t.name)
    done.add(t.name)
    order.push(t)
  }
  for (const t of tables) visit(t)
  return order
}

interface ConstraintLine {
  readonly name: string
  readonly kind: "FOREIGN KEY" | "CHECK"
  readonly text: string
}

/** `CONSTRAINT ...` items of a table's SHOW CREATE TABLE text, with their real names. */
function constraintLines(table: Table): ConstraintLine[] {
  return splitCreateTable(table.definition).keyLines.flatMap((line) => {
    const m = /^CONSTRAINT\s+(`(?:[^`]|``)*`)\s+(FOREIGN KEY|CHECK)\b/i.exec(line)
    if (!m) return []
    return [
      {
        name: backtickedNames(m[1] as string)[0] ?? "",
        kind: (m[2] as string).toUpperCase() as ConstraintLine["kind"],
        text: line,
      },
    ]
  })
}

const parenNames = (text: string, from: number) => {
  const open = text.indexOf("(", from)
  return {
    names: backtickedNames(text.slice(open, matchingParen(text, open) + 1)),
    end: matchingParen(text, open),
  }
}

/** The real constraint name and definition of a foreign key, from the table's stored text. */
function foreignKeyLine(table: Table, fk: ForeignKey): ConstraintLine | undefined {
  return constraintLines(table).find((c) => {
    if (c.kind !== "FOREIGN KEY") return false
    if (fk.name !== undefined) return c.name === fk.name
    const cols = parenNames(c.text, c.text.search(/FOREIGN KEY/i))
    const ref = /REFERENCES\s+(`(?:[^`]|``)*`)/i.exec(c.text)
    return cols.names.join() === fk.columns.join() && backtickedNames(ref?.[1] ?? "")[0] === fk.table
  })
}

function checkLine(table: Table, check: CheckConstraint): ConstraintLine | undefined {
  return constraintLines(table).find((c) => {
    if (c.kind !== "CHECK") return false
    if (check.name !== undefined) return c.name === check.name
    const clause = c.text.slice(c.text.search(/\bCHECK\b/i) + 5)
    return normalizeExpression(clause) === check.expression
  })
}

/**
 * The foreign key as the target table defines it. A default-looking name (`posts_ibfk_1`) is kept
 * when the target has an index of that name, since the server names the index it creates for a
 * named key after it; otherwise the name is left out, as the user left it out, and the server picks
 * the next free one (also when a foreign key that stays holds it).
 */
function foreignKeyClause(
  table: Table,
  fk: ForeignKey,
  taken: ReadonlySet<string>,
  indexNames: ReadonlySet<string>,
): string {
  const line = foreignKeyLine(table, fk)
  if (!line) {
    const actions = `${fk.onDelete !== "RESTRICT" ? ` ON DELETE ${fk.onDelete}` : ""}${fk.onUpdate !== "RESTRICT" ? ` ON UPDATE ${fk.onUpdate}` : ""}`
    const name = fk.name ? `CONSTRAINT ${q(fk.name)} ` : ""
    return `${name}FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.table)} (${fk.referencedColumns.map(q).join(", ")})${actions}`
  }
  const keepName = fk.name !== undefined || (indexNames.has(line.name) && !taken.has(line.name))
  return !keepName ? line.text.replace(/^CONSTRAINT\s+`(?:[^`]|``)*`\s+/i, "") : line.text
}

function checkClauseOf(table: Table, check: CheckConstraint): string {
  const line = checkLine(table, check)
  const text = line
    ? line.text.replace(/^CONSTRAINT\s+`(?:[^`]|``)*`\s+/i, "")
    : `CHECK (${check.expression})`
  return check.name === undefined ? text : `CONSTRAINT ${q(check.name)} ${text}`
}

const fkId = (fk: ForeignKey) => JSON.stringify(fk)
const checkId = (c: CheckConstraint) => JSON.stringify(c)

/** The CREATE TABLE text without the foreign keys in `omit`. */
function createWithout(table: Table, omit: ReadonlyArray<ForeignKey>): string {
  const definition = table.definition.trim().replace(/;$/, "")
  if (omit.length === 0) return definition
  const lines = new Set(omit.map((fk) => foreignKeyLine(table, fk)?.text).filter((t) => t !== undefined))
  const open = definition.indexOf("(")
  const close = matchingParen(definition, open)
  const items = splitTopLevel(definition.slice(open + 1, close)).filter((item) => !lines.has(item))
  return `${definition.slice(0, open)}(\n  ${items.join(",\n  ")}\n)${definition.slice(close + 1)}`
}

/** Column names of an index object, from its CREATE INDEX text. */
function indexColumns(o: SchemaObject): string[] {
  const on = o.definition.search(/\bON\s+`/i)
  const open = o.definition.indexOf("(", o.definition.indexOf("`", on + 3) + 1)
  const list = o.definition.slice(open + 1, matchingParen(o.definition, open))
  return splitTopLevel(list).map((part) => backtickedNames(part)[0] ?? part)
}

const indexNamesOf = (schema: Schema, table: string) =>
  new Set(schema.objects.filter((o) => o.kind === "index" && o.table === table).map(indexName))

const indexName = (o: SchemaObject) => (o.table ? o.name.slice(o.table.length + 1) : o.name)

const isText = (c: Column) => /CHAR|TEXT|ENUM|SET\(/i.test(c.type)

function optionKey(option: string): string {
  return option.startsWith("PARTITION BY") ? "PARTITION" : (option.split("=")[0] as string)
}

/** Options to set, and options to reset because `after` no longer has them. */
function optionChanges(before: Table, after: Table): { set: string[]; partition: string | undefined | null } {
  const set: string[] = []
  const beforeMap = new Map(before.options.map((o) => [optionKey(o), o]))
  const afterMap = new Map(after.options.map((o) => [optionKey(o), o]))
  for (const [key, o] of afterMap) if (key !== "PARTITION" && beforeMap.get(key) !== o) set.push(o)
  for (const key of beforeMap.keys()) {
    if (key === "PARTITION" || afterMap.has(key)) continue
    set.push(key === "COMMENT" ? "COMMENT=''" : `${key}=DEFAULT`)
  }
  const bp = beforeMap.get("PARTITION")
  const ap = afterMap.get("PARTITION")
  // undefined: unchanged; null: remove partitioning; text: partition this way.
  const partition = bp === ap ? undefined : ap === undefined ? null : ap
  return { set, partition }
}

const tableCharset = (t: Table) => t.options.filter((o) => /^(DEFAULT CHARSET|COLLATE)=/.test(o)).join()

function migrate(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
  flavor: Flavor,
): { statements: string[]; notes: string[] } {
  const notes: string[] = []
  const out: string[] = []
  const dropped = changes.flatMap((c) => (c.kind === "drop-table" ? [c.table] : []))
  const created = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  const altered = groupByTable(changes, from, to).map(alterOf)
  const droppedNames = new Set(dropped.map((t) => t.name))
  const createdNames = new Set(created.map((t) => t.name))
  const toTables = new Map(to.tables.map((t) => [t.name, t]))
  const fromObjects = new Map(from.objects.map((o) => [`${o.kind}:${o.name}`, o]))
  const toObjects = new Map(to.objects.map((o) => [`${o.kind}:${o.name}`, o]))
  const changed = (o: SchemaObject, other: ReadonlyMap<string, SchemaObject>) =>
    other.get(`${o.kind}:${o.name}`)?.key !== o.key

  // Columns whose definition changes (or that go away), per table: foreign keys through them must be re-made.
  const touchedColumns = new Map<string, Set<string>>()
  for (const change of altered) {
    const set = new Set([
      ...change.changedColumns.map((c) => c.before.name),
      ...change.droppedColumns.map((c) => c.name),
    ])
    if (tableCharset(change.before) !== tableCharset(change.after))
      for (const c of change.after.columns) if (isText(c) && c.collation === undefined) set.add(c.name)
    touchedColumns.set(change.before.name, set)
  }
  const touches = (table: string, columns: ReadonlyArray<string>) =>
    columns.some((c) => touchedColumns.get(table)?.has(c))

  // 1. Triggers, views, events and routines that change or go.
  const kindsFirst = ["trigger", "event", "view", "procedure", "function"] as const
  for (const kind of kindsFirst) {
    const going = from.objects.filter((o) => o.kind === kind && changed(o, toObjects))
    const ordered = kind === "view" ? viewsInOrder(going).reverse() : going
    for (const o of ordered) out.push(`DROP ${kind.toUpperCase()} ${q(o.name)}`)
  }

  // 2. Indexes that go or change, on tables that stay. A foreign key that only that index serves is
  // dropped first and re-added after the new indexes: the server would refuse the DROP INDEX, and
  // creating the replacement first can make it drop an index it made for the key by itself.
  const indexDrops = from.objects.filter(
    (o) => o.kind === "index" && changed(o, toObjects) && !droppedNames.has(o.table ?? ""),
  )
  const goingIndexes = new Set(indexDrops.map((o) => o.name))
  const covers = (columns: ReadonlyArray<string>, fkColumns: ReadonlyArray<string>) =>
    fkColumns.every((c, i) => columns[i] === c)
  const servedOnlyByGoingIndex = (table: Table, fk: ForeignKey) => {
    const staying = from.objects.filter(
      (o) => o.kind === "index" && o.table === table.name && !goingIndexes.has(o.name),
    )
    if (staying.some((o) => covers(indexColumns(o), fk.columns))) return false
    if (table.primaryKey && covers(table.primaryKey.columns, fk.columns)) return false
    return indexDrops.some((o) => o.table === table.name && covers(indexColumns(o), fk.columns))
  }

  // 3. Foreign keys that go, change, or run through a changing column or index (re-added in step 7).
  const readd: Array<{ table: Table; fk: ForeignKey }> = []
  const takenFkNames = new Map<string, Set<string>>()
  for (const before of from.tables) {
    if (droppedNames.has(before.name)) continue
    const after = toTables.get(before.name)
    const kept = new Set((after?.foreignKeys ?? []).map(fkId))
    const taken = new Set<string>()
    takenFkNames.set(before.name, taken)
    for (const fk of before.foreignKeys) {
      const name = fk.name ?? foreignKeyLine(before, fk)?.name
      const through =
        touches(before.name, fk.columns) ||
        touches(fk.table, fk.referencedColumns) ||
        droppedNames.has(fk.table) ||
        servedOnlyByGoingIndex(before, fk)
      if (kept.has(fkId(fk)) && !through) {
        if (name) taken.add(name)
        continue
      }
      if (name) out.push(`ALTER TABLE ${q(before.name)} DROP FOREIGN KEY ${q(name)}`)
      if (kept.has(fkId(fk)) && after) readd.push({ table: after, fk })
    }
  }
  for (const o of indexDrops) out.push(`ALTER TABLE ${q(o.table ?? "")} DROP INDEX ${q(indexName(o))}`)

  // 4. Tables that go, children first; a foreign key between two of them that would block is dropped first.
  const dropOrder = parentsFirst(dropped).reverse()
  dropOrder.forEach((t, i) => {
    for (const fk of t.foreignKeys) {
      const parentAt = dropOrder.findIndex((p) => p.name === fk.table)
      if (parentAt !== -1 && parentAt < i && fk.table !== t.name) {
        const name = fk.name ?? foreignKeyLine(t, fk)?.name
        if (name) out.push(`ALTER TABLE ${q(t.name)} DROP FOREIGN KEY ${q(name)}`)
      }
    }
  })
  for (const t of dropOrder) out.push(`DROP TABLE ${q(t.name)}`)

  // 5. Altered tables: options first (a new default charset applies to the columns modified next), then one ALTER.
  const alteredNames = new Set(altered.map((c) => c.after.name))
  for (const change of altered) {
    const { before, after } = change
    const options = optionChanges(before, after)
    if (options.set.length > 0) out.push(`ALTER TABLE ${q(after.name)} ${options.set.join(" ")}`)
    const ops: string[] = []
    const pkChanged = JSON.stringify(before.primaryKey ?? null) !== JSON.stringify(after.primaryKey ?? null)
    if (pkChanged && before.primaryKey) ops.push("DROP PRIMARY KEY")
    const afterChecks = new Set(after.checks.map(checkId))
    const beforeChecks = new Set(before.checks.map(checkId))
    for (const c of before.checks) {
      if (afterChecks.has(checkId(c))) continue
      const name = c.name ?? checkLine(before, c)?.name
      if (name) ops.push(`DROP ${flavor.dropCheck} ${q(name)}`)
    }
    // Neither server can MODIFY a column into or out of being generated, or between VIRTUAL and
    // STORED in place (https://dev.mysql.com/doc/refman/8.0/en/alter-table-generated-columns.html):
    // such a column is dropped and added again; its values are computed anyway, or were.
    const regenerated = new Set(
      change.changedColumns
        .filter(({ before: b, after: a }) => (b.generated?.stored ?? null) !== (a.generated?.stored ?? null))
        .map((c) => c.after.name),
    )
    for (const c of change.droppedColumns) ops.push(`DROP COLUMN ${q(c.name)}`)
    for (const name of regenerated) ops.push(`DROP COLUMN ${q(name)}`)
    const beforeNames = new Set(before.columns.map((c) => c.name).filter((n) => !regenerated.has(n)))
    after.columns.forEach((c, i) => {
      if (beforeNames.has(c.name)) return
      const previous = after.columns[i - 1]
      ops.push(`ADD COLUMN ${c.definition ?? q(c.name)}${previous ? ` AFTER ${q(previous.name)}` : " FIRST"}`)
    })
    const recharset = touchedColumns.get(before.name) ?? new Set()
    for (const c of after.columns) {
      const old = before.columns.find((b) => b.name === c.name)
      if (!old || regenerated.has(c.name)) continue
      if (
        !sameColumn(old, c) ||
        JSON.stringify(old.extra ?? null) !== JSON.stringify(c.extra ?? null) ||
        recharset.has(c.name)
      )
        ops.push(`MODIFY COLUMN ${c.definition ?? q(c.name)}`)
    }
    if (pkChanged && after.primaryKey)
      ops.push(`ADD PRIMARY KEY (${after.primaryKey.columns.map(keyPart).join(", ")})`)
    for (const c of after.checks)
      if (!beforeChecks.has(checkId(c))) ops.push(`ADD ${checkClauseOf(after, c)}`)
    if (ops.length > 0) out.push(`ALTER TABLE ${q(after.name)} ${ops.join(", ")}`)
    if (options.partition === null) out.push(`ALTER TABLE ${q(after.name)} REMOVE PARTITIONING`)
    else if (options.partition !== undefined) out.push(`ALTER TABLE ${q(after.name)} ${options.partition}`)
    if (change.droppedColumns.length > 0)
      notes.push(
        `Dropping column${change.droppedColumns.length === 1 ? "" : "s"} ${change.droppedColumns.map((c) => c.name).join(", ")} of ${after.name} loses their data; a rename is not detected.`,
      )
  }

  // 6. New tables, parents first; a foreign key into a table that is not there yet is added in step 7.
  const ready = new Set(
    to.tables.filter((t) => !createdNames.has(t.name) && !alteredNames.has(t.name)).map((t) => t.name),
  )
  for (const t of alteredNames) ready.add(t)
  const deferred: Array<{ table: Table; fk: ForeignKey }> = []
  for (const t of parentsFirst(created)) {
    const later = t.foreignKeys.filter((fk) => fk.table !== t.name && !ready.has(fk.table))
    out.push(createWithout(t, later))
    for (const fk of later) deferred.push({ table: t, fk })
    ready.add(t.name)
  }

  // 7. Indexes, then foreign keys, which then find the index they need.
  for (const o of to.objects) {
    if (o.kind !== "index" || createdNames.has(o.table ?? "") || !changed(o, fromObjects)) continue
    out.push(o.definition)
  }
  for (const change of altered) {
    const beforeFks = new Set(change.before.foreignKeys.map(fkId))
    for (const fk of change.after.foreignKeys)
      if (!beforeFks.has(fkId(fk))) deferred.push({ table: change.after, fk })
  }
  for (const { table, fk } of [...readd, ...deferred])
    out.push(
      `ALTER TABLE ${q(table.name)} ADD ${foreignKeyClause(table, fk, takenFkNames.get(table.name) ?? new Set(), indexNamesOf(to, table.name))}`,
    )

  // 8. Routines, views, triggers and events that are new or changed.
  const fresh = (kind: SchemaObject["kind"]) =>
    to.objects.filter((o) => o.kind === kind && changed(o, fromObjects))
  for (const o of fresh("function")) out.push(o.definition)
  for (const o of fresh("procedure")) out.push(o.definition)
  for (const o of viewsInOrder(fresh("view"))) out.push(o.definition)
  for (const o of fresh("trigger").sort((a, b) => a.key.localeCompare(b.key))) out.push(o.definition)
  for (const o of fresh("event")) out.push(o.definition)
  return { statements: out, notes }
}

/** `name(10) DESC` -> `` `name`(10) DESC ``. */
function keyPart(part: string): string {
  const m = /^([^(\s]+)(.*)$/.exec(part)
  return m ? `${q(m[1] as string)}${m[2]}` : q(part)
}

/** Views ordered so that each comes after the views it reads. */
function viewsInOrder(views: ReadonlyArray<SchemaObject>): SchemaObject[] {
  const byName = new Map(views.map((v) => [v.name, v]))
  const done = new Set<string>()
  const order: SchemaObject[] = []
  const visit = (v: SchemaObject, path: Set<string>) => {
    if (done.has(v.name) || path.has(v.name)) return
    path.add(v.name)
    for (const d of v.dependsOn) {
      const dep = byName.get(d)
      if (dep) visit(dep, path)
    }
    done.add(v.name)
    order.push(v)
  }
  for (const v of views) visit(v, new Set())
  return order
}

export function planMysql(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
  flavor: Flavor,
): PlannedSteps {
  const { statements, notes } = migrate(changes, from, to, flavor)
  return { steps: [fixedStep(statements, 0)], notes }
}
