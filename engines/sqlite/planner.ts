/**
 * planner: SQLite migrations from one normalized schema to another, deterministic and offline.
 * What `ALTER TABLE` can do (add a plain column, drop an unreferenced one) it does; everything else
 * rebuilds the table (https://www.sqlite.org/lang_altertable.html#otheralter) in a way that holds
 * inside the transaction a runner wraps around the file, where `PRAGMA foreign_keys=OFF` is a no-op:
 * the rows of the table and of every table that references it are parked in temp tables, the
 * referencing rows are removed before the DROP (so no ON DELETE action fires on them) and put back
 * after, parents first. Dependent views and triggers are dropped before and recreated after.
 */
import { foldCase } from "../../model/names.ts"
import type { Change, Column, Schema, SchemaObject, Table } from "../../model.ts"
import type { PlannedSteps } from "../engine.ts"
import { fixedStep } from "../order.ts"
import { groupByTable, type TableChanges } from "../table-changes.ts"
import { quoteName, significant, tokenize, unquote } from "./lexer.ts"

/** SQLite matches names case-insensitively (ASCII only); every lookup here keys by this. */
const lower = foldCase
const q = (name: string) => quoteName(name)
const statement = (sql: string) => sql.trim().replace(/;\s*$/, "")

/** Parents before children; tables in a cycle keep their input order. */
export function parentsFirst(tables: ReadonlyArray<Table>): Table[] {
  const byName = new Map(tables.map((t) => [lower(t.name), t]))
  const done = new Set<string>()
  const visiting = new Set<string>()
  const order: Table[] = []
  const visit = (t: Table) => {
    const key = lower(t.name)
    if (done.has(key) || visiting.has(key)) return
    visiting.add(key)
    for (const fk of t.foreignKeys) {
      const parent = byName.get(lower(fk.table))
      if (parent && parent !== t) visit(parent)
    }
    visiting.delete(key)
    done.add(key)
    order.push(t)
  }
  for (const t of tables) visit(t)
  return order
}

/** Tables that reference `name`, directly or through other referencing tables. */
function referencingClosure(name: string, tables: ReadonlyMap<string, Table>): Table[] {
  const found = new Map<string, Table>()
  const queue = [lower(name)]
  while (queue.length > 0) {
    const parent = queue.shift() as string
    for (const [key, t] of tables) {
      if (key === lower(name) || found.has(key)) continue
      if (t.foreignKeys.some((fk) => lower(fk.table) === parent)) {
        found.set(key, t)
        queue.push(key)
      }
    }
  }
  return [...found.values()]
}

const mentions = (sql: string, name: string) =>
  significant(tokenize(sql)).some(
    (t) => (t.kind === "word" || t.kind === "quoted") && lower(unquote(t.text)) === lower(name),
  )

const isLiteral = (value: string) =>
  /^(NULL|TRUE|FALSE|[+-]?[0-9.]+([eE][+-]?[0-9]+)?|'([^']|'')*'|X'[0-9A-Fa-f]*')$/i.test(value)

interface SimpleAlter {
  readonly add: ReadonlyArray<Column>
  readonly drop: ReadonlyArray<Column>
}

interface AlterTable {
  readonly before: Table
  readonly after: Table
  readonly addedColumns: ReadonlyArray<Column>
  readonly droppedColumns: ReadonlyArray<Column>
  readonly changedColumns: ReadonlyArray<{ readonly before: Column; readonly after: Column }>
  readonly constraintsChanged: boolean
  readonly group: TableChanges
}

const alterOf = (g: TableChanges): AlterTable => ({
  before: g.before,
  after: g.after,
  addedColumns: g.added,
  droppedColumns: g.dropped,
  changedColumns: g.altered,
  constraintsChanged: g.constraints.length > 0 || g.options !== undefined,
  group: g,
})

/**
 * The ALTER TABLE statements that make this change, or undefined when only a rebuild can.
 * Follows the documented limits of ADD COLUMN and DROP COLUMN.
 */
function simpleAlter(change: AlterTable, from: Schema, to: Schema): SimpleAlter | undefined {
  const { before, after } = change
  if (change.changedColumns.length > 0) return undefined
  if (JSON.stringify(before.options) !== JSON.stringify(after.options)) return undefined
  const added = new Set(change.addedColumns.map((c) => lower(c.name)))
  for (const c of change.addedColumns) {
    if (c.definition === undefined) return undefined
    if (after.primaryKey?.columns.some((p) => lower(p) === lower(c.name))) return undefined
    if (after.uniques.some((u) => u.columns.some((n) => lower(n) === lower(c.name)))) return undefined
    if (c.generated?.stored) return undefined
    if (c.default !== undefined && !isLiteral(c.default)) return undefined
    if (c.notNull && (c.default === undefined || /^NULL$/i.test(c.default)) && !c.generated) return undefined
    const referencing = after.foreignKeys.some((fk) => fk.columns.some((n) => lower(n) === lower(c.name)))
    if (referencing && c.default !== undefined && !/^NULL$/i.test(c.default)) return undefined
  }
  const objectsOn = (schema: Schema) =>
    schema.objects.filter(
      (o) => (o.kind === "index" && lower(o.table ?? "") === lower(before.name)) || o.kind === "trigger",
    )
  for (const c of change.droppedColumns) {
    const n = lower(c.name)
    if (before.primaryKey?.columns.some((p) => lower(p) === n)) return undefined
    if (before.uniques.some((u) => u.columns.some((x) => lower(x) === n))) return undefined
    if (before.foreignKeys.some((fk) => fk.columns.some((x) => lower(x) === n))) return undefined
    if (before.checks.some((k) => mentions(k.expression, c.name))) return undefined
    if (before.columns.some((o) => o.generated && mentions(o.generated.expression, c.name))) return undefined
    if ([...objectsOn(from), ...objectsOn(to)].some((o) => mentions(o.definition, c.name))) return undefined
  }
  // Whatever else differs must be exactly what the added columns bring with them.
  const broughtByAdded = (c: Change) =>
    c.kind === "add-constraint" &&
    ((c.constraint.type === "foreign-key" &&
      "foreignKey" in c.constraint &&
      c.constraint.foreignKey.columns.every((n) => added.has(lower(n)))) ||
      (c.constraint.type === "check" &&
        "check" in c.constraint &&
        [...added].some((n) =>
          mentions((c.constraint as { check: { expression: string } }).check.expression, n),
        )))
  if (!change.group.constraints.every(broughtByAdded)) return undefined
  return { add: change.addedColumns, drop: change.droppedColumns }
}

/** A rowid table whose rowid is not an INTEGER PRIMARY KEY column: its rowids must be carried explicitly. */
const hiddenRowid = (t: Table) =>
  !t.options.includes("WITHOUT ROWID") &&
  !(
    t.primaryKey?.columns.length === 1 &&
    t.columns.find((c) => c.name === t.primaryKey?.columns[0])?.type === "INTEGER"
  )

const storedColumns = (t: Table) => t.columns.filter((c) => !c.generated)

function rebuild(before: Table, after: Table, state: Map<string, Table>): string[] {
  const parked = (t: Table) => `temp.${q(`aim_old_${t.name}`)}`
  const closure = parentsFirst(referencingClosure(before.name, state))
  const keepRowid = hiddenRowid(before) && hiddenRowid(after)
  const out: string[] = []
  out.push(
    `CREATE TEMP TABLE ${q(`aim_old_${before.name}`)} AS SELECT ${keepRowid ? "rowid AS aim_rowid, " : ""}* FROM ${q(before.name)}`,
  )
  for (const c of closure)
    out.push(`CREATE TEMP TABLE ${q(`aim_old_${c.name}`)} AS SELECT * FROM ${q(c.name)}`)
  for (const c of [...closure].reverse()) out.push(`DELETE FROM ${q(c.name)}`)
  out.push(`DROP TABLE ${q(before.name)}`)
  out.push(statement(after.definition))
  const old = new Map(before.columns.map((c) => [lower(c.name), c]))
  const targets: string[] = []
  const sources: string[] = []
  if (keepRowid) {
    targets.push("rowid")
    sources.push("aim_rowid")
  }
  for (const column of storedColumns(after)) {
    const previous = old.get(lower(column.name))
    if (!previous) continue
    targets.push(q(column.name))
    // A column that becomes NOT NULL with a default takes the default where it held NULL.
    const fill = column.notNull && !previous.notNull && column.default !== undefined
    sources.push(fill ? `COALESCE(${q(previous.name)}, ${column.default})` : q(previous.name))
  }
  if (targets.length > 0) {
    out.push(
      `INSERT INTO ${q(after.name)} (${targets.join(", ")}) SELECT ${sources.join(", ")} FROM ${parked(before)}`,
    )
  }
  for (const c of closure) {
    const cols = storedColumns(c).map((x) => q(x.name))
    if (cols.length > 0)
      out.push(`INSERT INTO ${q(c.name)} (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM ${parked(c)}`)
  }
  out.push(`DROP TABLE ${parked(before)}`)
  for (const c of closure) out.push(`DROP TABLE ${parked(c)}`)
  return out
}

/** Views that read any of `names`, directly or through another such view. */
function dependentViews(objects: ReadonlyArray<SchemaObject>, names: ReadonlySet<string>): Set<string> {
  const hit = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const o of objects) {
      if (o.kind !== "view" || hit.has(lower(o.name))) continue
      if (o.dependsOn.some((d) => names.has(d) || hit.has(d))) {
        hit.add(lower(o.name))
        grew = true
      }
    }
  }
  return hit
}

/** Views ordered so that each comes after the views it reads. */
function viewsInOrder(views: ReadonlyArray<SchemaObject>): SchemaObject[] {
  const byName = new Map(views.map((v) => [lower(v.name), v]))
  const done = new Set<string>()
  const order: SchemaObject[] = []
  const visit = (v: SchemaObject, path: Set<string>) => {
    const key = lower(v.name)
    if (done.has(key) || path.has(key)) return
    path.add(key)
    for (const d of v.dependsOn) {
      const dep = byName.get(d)
      if (dep) visit(dep, path)
    }
    done.add(key)
    order.push(v)
  }
  for (const v of views) visit(v, new Set())
  return order
}

const dropObject = (o: SchemaObject) => {
  const word = o.kind === "virtual-table" ? "TABLE" : o.kind.toUpperCase()
  return `DROP ${word} ${q(o.name)}`
}

/** The statements that take a database from `from` to `to`. */
export function migrate(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
): { statements: string[]; notes: string[] } {
  const notes: string[] = []
  const state = new Map(from.tables.map((t) => [lower(t.name), t]))

  const dropped = changes.flatMap((c) => (c.kind === "drop-table" ? [c.table] : []))
  const created = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  const altered = groupByTable(changes, from, to).map(alterOf)
  const simple = new Map<string, SimpleAlter>()
  for (const change of altered) {
    const plan = simpleAlter(change, from, to)
    if (plan) simple.set(lower(change.after.name), plan)
  }
  const rebuilt = altered.filter((c) => !simple.has(lower(c.after.name)))
  const droppedNames = new Set(dropped.map((t) => lower(t.name)))
  const moved = new Set<string>()
  for (const change of rebuilt) {
    moved.add(lower(change.before.name))
    for (const t of referencingClosure(change.before.name, state)) moved.add(lower(t.name))
  }
  const touched = new Set([...moved, ...droppedNames, ...simple.keys()])

  const toObjects = new Map(to.objects.map((o) => [`${o.kind}:${lower(o.name)}`, o]))
  const fromObjects = new Map(from.objects.map((o) => [`${o.kind}:${lower(o.name)}`, o]))
  const changed = (o: SchemaObject, other: ReadonlyMap<string, SchemaObject>) =>
    other.get(`${o.kind}:${lower(o.name)}`)?.key !== o.key

  const triggersToDrop = from.objects.filter(
    (o) =>
      o.kind === "trigger" &&
      (changed(o, toObjects) || moved.has(lower(o.table ?? "")) || droppedNames.has(lower(o.table ?? ""))),
  )
  const changedViews = new Set(
    from.objects.filter((o) => o.kind === "view" && changed(o, toObjects)).map((o) => lower(o.name)),
  )
  const viewsToDrop = new Set([
    ...changedViews,
    ...dependentViews(from.objects, new Set([...touched, ...changedViews])),
  ])
  const indexesToDrop = from.objects.filter(
    (o) =>
      o.kind === "index" &&
      changed(o, toObjects) &&
      !droppedNames.has(lower(o.table ?? "")) &&
      !rebuilt.some((c) => lower(c.before.name) === lower(o.table ?? "")),
  )

  const out: string[] = []
  if (rebuilt.length > 0) {
    // Lets rows go back in any order; checked again at COMMIT. A no-op outside a transaction.
    out.push("PRAGMA defer_foreign_keys = ON")
  }
  for (const t of triggersToDrop) out.push(dropObject(t))
  const fromViews = from.objects.filter((o) => o.kind === "view" && viewsToDrop.has(lower(o.name)))
  for (const v of viewsInOrder(fromViews).reverse()) out.push(dropObject(v))
  for (const i of indexesToDrop) out.push(dropObject(i))
  for (const v of from.objects)
    if (v.kind === "virtual-table" && changed(v, toObjects)) out.push(dropObject(v))

  // A dropped table that a surviving table still references goes last, after that table changed.
  const referencedBySurvivor = (t: Table) =>
    from.tables.some(
      (s) =>
        !droppedNames.has(lower(s.name)) && s.foreignKeys.some((fk) => lower(fk.table) === lower(t.name)),
    )
  const dropTables = (tables: Table[]) => {
    for (const t of parentsFirst(tables).reverse()) {
      out.push(`DROP TABLE ${q(t.name)}`)
      state.delete(lower(t.name))
    }
  }
  dropTables(dropped.filter((t) => !referencedBySurvivor(t)))
  for (const t of parentsFirst(created)) {
    out.push(statement(t.definition))
    state.set(lower(t.name), t)
  }
  const alterOrder = parentsFirst(altered.map((c) => c.after))
  for (const after of alterOrder) {
    const change = altered.find((c) => c.after === after) as AlterTable
    const plan = simple.get(lower(after.name))
    if (plan) {
      for (const c of plan.add) out.push(`ALTER TABLE ${q(after.name)} ADD COLUMN ${c.definition}`)
      for (const c of plan.drop) out.push(`ALTER TABLE ${q(after.name)} DROP COLUMN ${q(c.name)}`)
    } else {
      out.push(...rebuild(change.before, after, state))
      notes.push(`Table ${after.name} is rebuilt: SQLite's ALTER TABLE cannot ${describeRebuild(change)}.`)
    }
    state.set(lower(after.name), after)
  }
  dropTables(dropped.filter(referencedBySurvivor))

  const rebuiltNames = new Set(rebuilt.map((c) => lower(c.after.name)))
  for (const o of to.objects) {
    if (o.kind !== "index") continue
    if (changed(o, fromObjects) || rebuiltNames.has(lower(o.table ?? ""))) out.push(statement(o.definition))
  }
  for (const o of to.objects)
    if (o.kind === "virtual-table" && changed(o, fromObjects)) out.push(statement(o.definition))
  const viewsToCreate = to.objects.filter(
    (o) => o.kind === "view" && (changed(o, fromObjects) || viewsToDrop.has(lower(o.name))),
  )
  for (const v of viewsInOrder(viewsToCreate)) out.push(statement(v.definition))
  const droppedTriggers = new Set(triggersToDrop.map((t) => lower(t.name)))
  for (const o of to.objects) {
    if (o.kind === "trigger" && (changed(o, fromObjects) || droppedTriggers.has(lower(o.name))))
      out.push(statement(o.definition))
  }
  return { statements: out, notes }
}

function describeRebuild(change: AlterTable): string {
  if (change.changedColumns.length > 0) {
    const names = change.changedColumns.map((c) => c.after.name)
    return `change the definition of column${names.length === 1 ? "" : "s"} ${names.join(", ")}`
  }
  if (change.constraintsChanged) return "change keys, checks or foreign keys"
  return "make this column change in place"
}

export function planSqlite(changes: ReadonlyArray<Change>, from: Schema, to: Schema): PlannedSteps {
  const { statements, notes } = migrate(changes, from, to)
  return { steps: [fixedStep(statements, 0)], notes }
}
