/**
 * planner: the SQLite steps for a change list, deterministic and offline. What `ALTER TABLE` can do
 * (rename a table or column, add a plain column, drop an unreferenced one) it does; everything else
 * rebuilds the table (https://www.sqlite.org/lang_altertable.html#otheralter) in a way that holds
 * inside the transaction a runner wraps around the file, where `PRAGMA foreign_keys=OFF` is a no-op:
 * the rows of the table and of every table that references it are parked in temp tables, the
 * referencing rows are removed before the DROP (so no ON DELETE action fires on them) and put back
 * after, parents first. Views and triggers on what is rebuilt, renamed or dropped are dropped before
 * and created again after. engines/order.ts orders the steps; since a rebuild's statements depend
 * on which tables exist when it runs, the steps are ordered first and written in that order.
 */
import { foldCase } from "../../model/names.ts"
import type { Change, Column, Schema, SchemaObject, Table } from "../../model.ts"
import type { PlannedSteps } from "../engine.ts"
import { orderSteps, type PlanStep, parentsFirst } from "../order.ts"
import { creationOf, dependents, objectSteps, removalOf, stepFor } from "../plan-steps.ts"
import { changedColumns, groupByTable, renamedBefore, type TableChanges } from "../table-changes.ts"
import { quoteName, significant, tokenize, unquote } from "./lexer.ts"

/** SQLite matches names case-insensitively (ASCII only); every lookup here keys by this. */
const lower = foldCase
const q = (name: string) => quoteName(name)
const statement = (sql: string) => sql.trim().replace(/;\s*$/, "")

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
  const closure = parentsFirst(referencingClosure(before.name, state), lower)
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

/**
 * What SQLite's RENAME TO and RENAME COLUMN do to the tables that reference the renamed one: their
 * REFERENCES clauses name the new table and columns. The tables a later rebuild parks are found by
 * those clauses, so `state` must say what the database now says.
 */
function followRenames(state: Map<string, Table>, group: TableChanges) {
  const from = lower(group.before.name)
  const columns = new Map(group.renamedColumns.map((r) => [lower(r.before.name), r.after.name]))
  if (!group.rename && columns.size === 0) return
  for (const [name, t] of state) {
    if (!t.foreignKeys.some((fk) => lower(fk.table) === from)) continue
    const foreignKeys = t.foreignKeys.map((fk) =>
      lower(fk.table) === from
        ? {
            ...fk,
            table: group.after.name,
            referencedColumns: fk.referencedColumns.map((c) => columns.get(lower(c)) ?? c),
          }
        : fk,
    )
    state.set(name, { ...t, foreignKeys })
  }
}

const dropObject = (o: SchemaObject) => {
  const word = o.kind === "virtual-table" ? "TABLE" : o.kind.toUpperCase()
  return `DROP ${word} ${q(o.name)}`
}

type Of<K extends Change["kind"]> = Extract<Change, { kind: K }>

/** What one table's changes come to: an ALTER TABLE or a rebuild, after its renames. */
function tablePlan(group: TableChanges, from: Schema, to: Schema) {
  const before = renamedBefore(group, lower)
  const changed = changedColumns(group)
  const change: AlterTable = {
    before,
    after: group.after,
    addedColumns: group.added,
    droppedColumns: group.dropped,
    changedColumns: changed,
    constraintsChanged: group.constraints.length > 0 || group.options !== undefined,
    group,
  }
  const renames = [
    ...(group.rename ? [`ALTER TABLE ${q(group.rename.before.name)} RENAME TO ${q(group.after.name)}`] : []),
    ...group.renamedColumns.map(
      (r) => `ALTER TABLE ${q(group.after.name)} RENAME COLUMN ${q(r.before.name)} TO ${q(r.after.name)}`,
    ),
  ]
  const hasAlter =
    group.changes.some((c) => c.kind !== "rename-table" && c.kind !== "rename-column") || changed.length > 0
  return { change, renames, simple: hasAlter ? simpleAlter(change, from, to) : { add: [], drop: [] } }
}

/** A step before its statements: they are written once the steps are in order. */
interface Draft {
  readonly step: PlanStep
  readonly write: (state: Map<string, Table>) => string[]
}

/** The steps that make `changes` (from `from` to `to`) on SQLite. */
export function planSqlite(changes: ReadonlyArray<Change>, from: Schema, to: Schema): PlannedSteps {
  const { before: oldObjects, after: newObjects } = objectSteps(from, to)
  const pick = <K extends Change["kind"]>(...kinds: K[]) =>
    changes.filter((c): c is Of<K> => (kinds as string[]).includes(c.kind))
  const notes: string[] = []
  const groups = groupByTable(changes, from, to)
  const plans = groups.map((g) => ({ group: g, ...tablePlan(g, from, to) }))
  const rebuilt = plans.filter((p) => p.simple === undefined)
  const dropped = pick("drop-table")
  const droppedNames = new Set(dropped.map((c) => lower(c.table.name)))
  const initial = new Map(from.tables.map((t) => [lower(t.name), t]))
  // Tables whose rows move (rebuilt, or referencing one that is): their triggers go and come back.
  const moved = new Set<string>()
  for (const p of rebuilt) {
    moved.add(lower(p.group.before.name))
    for (const t of referencingClosure(p.group.before.name, initial)) moved.add(lower(t.name))
  }
  const touched = new Set([...moved, ...droppedNames, ...plans.map((p) => lower(p.group.before.name))])

  const drafts: Draft[] = []
  const fixed = (statements: string[], phase: number): Draft => ({
    step: stepFor([], statements, phase),
    write: () => statements,
  })
  if (rebuilt.length > 0) {
    // Lets rows go back in any order; checked again at COMMIT. A no-op outside a transaction.
    drafts.push(fixed(["PRAGMA defer_foreign_keys = ON"], 0))
  }
  const objectChanges = pick("create-object", "drop-object", "replace-object")
  const goneOrChanged = (kind: string) =>
    objectChanges.flatMap((c) =>
      c.kind === "drop-object" && c.object.kind === kind
        ? [c.object]
        : c.kind === "replace-object" && c.before.kind === kind
          ? [c.before]
          : [],
    )
  const newOrChanged = (kind: string) =>
    objectChanges.flatMap((c) =>
      c.kind === "create-object" && c.object.kind === kind
        ? [c.object]
        : c.kind === "replace-object" && c.after.kind === kind
          ? [c.after]
          : [],
    )

  // Triggers that change or go, and those on tables whose rows move or that go.
  const changedTriggers = goneOrChanged("trigger")
  const collateralTriggers = from.objects.filter(
    (o) =>
      o.kind === "trigger" &&
      !changedTriggers.includes(o) &&
      (moved.has(lower(o.table ?? "")) || droppedNames.has(lower(o.table ?? ""))),
  )
  for (const t of [...changedTriggers, ...collateralTriggers])
    drafts.push({ step: oldObjects.drop(t, [], 1), write: () => [dropObject(t)] })

  // Views that change or go, and every view that reads (directly or not) a table that is touched.
  const changedViews = goneOrChanged("view")
  const collateralViews = dependents(
    from.objects,
    new Set([...touched, ...changedViews.map((v) => lower(v.name))]),
    lower,
    (o) => o.kind === "view" && !changedViews.includes(o),
  )
  const viewsDropped = new Set([...changedViews, ...collateralViews].map((v) => lower(v.name)))
  for (const v of [...changedViews, ...collateralViews])
    drafts.push({ step: oldObjects.drop(v, [], 2), write: () => [dropObject(v)] })

  const rebuiltNames = new Set(rebuilt.map((p) => lower(p.group.after.name)))
  // SQLite cannot rename an index: a renamed one is dropped and created again.
  for (const c of pick("drop-index", "alter-index", "rename-index")) {
    const index = c.kind === "drop-index" ? c.index : c.before
    const table = lower(index.table ?? "")
    if (droppedNames.has(table) || rebuiltNames.has(table)) continue
    drafts.push({ step: removalOf(stepFor([c], [], 3)), write: () => [dropObject(index)] })
  }
  for (const v of goneOrChanged("virtual-table"))
    drafts.push({ step: oldObjects.drop(v, [], 4), write: () => [dropObject(v)] })

  // A dropped table that a surviving table still references goes last, after that table changed.
  const referencedBySurvivor = (t: Table) =>
    from.tables.some(
      (s) =>
        !droppedNames.has(lower(s.name)) && s.foreignKeys.some((fk) => lower(fk.table) === lower(t.name)),
    )
  for (const c of dropped)
    drafts.push({
      step: stepFor([c], [], referencedBySurvivor(c.table) ? 8 : 5),
      write: (state) => {
        state.delete(lower(c.table.name))
        return [`DROP TABLE ${q(c.table.name)}`]
      },
    })
  // SQLite checks a foreign key only when rows change: a table is created without waiting for its parents.
  for (const c of pick("create-table"))
    drafts.push({
      step: { ...stepFor([c], [], 6), needs: [] },
      write: (state) => {
        state.set(lower(c.table.name), c.table)
        return [statement(c.table.definition)]
      },
    })

  for (const p of plans) {
    const { group, change, renames, simple } = p
    const after = group.after
    // A rebuild makes the table anew: what reads it is made after it, its parents before it.
    const parents = after.foreignKeys
      .filter((fk) => lower(fk.table) !== lower(after.name))
      .flatMap((fk) => [
        { kind: "table" as const, name: lower(fk.table) },
        { kind: "keys" as const, name: lower(fk.table) },
      ])
    const remade = [
      { kind: "table" as const, name: lower(after.name) },
      { kind: "columns" as const, name: lower(after.name) },
      { kind: "keys" as const, name: lower(after.name) },
    ]
    const extra = simple === undefined ? { needs: parents, creates: remade, removes: remade.slice(1) } : {}
    drafts.push({
      step: stepFor(group.changes, [], 7, extra),
      write: (state) => {
        const out = [...renames]
        if (group.rename) state.delete(lower(group.rename.before.name))
        followRenames(state, group)
        if (simple) {
          for (const c of simple.add) out.push(`ALTER TABLE ${q(after.name)} ADD COLUMN ${c.definition}`)
          for (const c of simple.drop) out.push(`ALTER TABLE ${q(after.name)} DROP COLUMN ${q(c.name)}`)
        } else {
          state.set(lower(after.name), change.before)
          out.push(...rebuild(change.before, after, state))
          notes.push(
            `Table ${after.name} is rebuilt: SQLite's ALTER TABLE cannot ${describeRebuild(change)}.`,
          )
        }
        state.set(lower(after.name), after)
        return out
      },
    })
  }

  // Indexes that are new or changed, and every index of a rebuilt table.
  const indexChanges = pick("add-index", "alter-index", "rename-index")
  const indexesMade = new Set(indexChanges.map((c) => (c.kind === "add-index" ? c.index : c.after)))
  for (const c of indexChanges) {
    const index = c.kind === "add-index" ? c.index : c.after
    drafts.push({
      step: creationOf(stepFor([c], [], 9)),
      write: () => [statement(index.definition)],
    })
  }
  for (const o of to.objects)
    if (o.kind === "index" && !indexesMade.has(o) && rebuiltNames.has(lower(o.table ?? "")))
      drafts.push({ step: newObjects.create(o, [], 9), write: () => [statement(o.definition)] })
  for (const v of newOrChanged("virtual-table"))
    drafts.push({ step: newObjects.create(v, [], 10), write: () => [statement(v.definition)] })
  const views = [
    ...newOrChanged("view"),
    ...to.objects.filter(
      (o) => o.kind === "view" && viewsDropped.has(lower(o.name)) && !newOrChanged("view").includes(o),
    ),
  ]
  for (const v of views)
    drafts.push({ step: newObjects.create(v, [], 11), write: () => [statement(v.definition)] })
  const triggersDropped = new Set([...changedTriggers, ...collateralTriggers].map((t) => lower(t.name)))
  const triggers = [
    ...newOrChanged("trigger"),
    ...to.objects.filter(
      (o) =>
        o.kind === "trigger" && triggersDropped.has(lower(o.name)) && !newOrChanged("trigger").includes(o),
    ),
  ]
  for (const t of triggers)
    drafts.push({ step: newObjects.create(t, [], 12), write: () => [statement(t.definition)] })

  // In order, then written: a rebuild parks the rows of whichever tables reference it at that point.
  const byStep = new Map(drafts.map((d) => [d.step, d]))
  const state = new Map(initial)
  const steps = orderSteps(drafts.map((d) => d.step)).map((step) => ({
    ...step,
    statements: (byStep.get(step) as Draft).write(state),
  }))
  return { steps, notes }
}

function describeRebuild(change: AlterTable): string {
  if (change.changedColumns.length > 0) {
    const names = change.changedColumns.map((c) => c.after.name)
    return `change the definition of column${names.length === 1 ? "" : "s"} ${names.join(", ")}`
  }
  if (change.constraintsChanged) return "change keys, checks or foreign keys"
  return "make this column change in place"
}
