/**
 * planner: PostgreSQL migrations from one normalized schema to another, deterministic and offline.
 * Statements come in dependency order: what depends on something that changes is dropped first
 * (triggers, views, indexes, foreign keys), then schemas, extensions and types, sequences, tables
 * (created without foreign keys, altered, dropped children first), foreign keys, functions, views,
 * indexes, triggers and comments, and last whatever is no longer wanted. DOWN is the same planner
 * run from the target back to the source.
 */
import type { Change, Schema, SchemaObject, Table } from "../../model.ts"
import type { PlannedSteps } from "../engine.ts"
import { fixedStep } from "../order.ts"
import { groupByTable } from "../table-changes.ts"
import { quoteIdent, quoteName, splitName } from "./names.ts"
import {
  type AlterTable,
  alterOf,
  alterTable,
  createTable,
  foreignKeyName,
  parentsFirstByInheritance,
  type TableContext,
} from "./plan-tables.ts"
import {
  alterComposite,
  alterDomain,
  alterEnum,
  alterSequence,
  columnsOfType,
  sequenceParts,
} from "./plan-types.ts"
import { foreignKeySql } from "./render.ts"
import { splitStatements } from "./split.ts"
import { mentionedNames } from "./sql-text.ts"

const id = (o: SchemaObject) => `${o.kind}:${o.name}`
const statementsOf = (sql: string) => splitStatements(sql, "definition").map((s) => s.sql)

/** `f(integer, text)` -> DROP target `f(integer, text)` with the name quoted. */
function routineTarget(name: string): string {
  const open = name.indexOf("(")
  return `${quoteName(name.slice(0, open))}${name.slice(open)}`
}

function dropStatement(o: SchemaObject): string {
  switch (o.kind) {
    case "trigger": {
      const bare = o.name.slice(0, o.name.lastIndexOf(" ON "))
      return `DROP TRIGGER ${quoteIdent(bare)} ON ${quoteName(o.table ?? "")}`
    }
    case "function":
      return `DROP FUNCTION ${routineTarget(o.name)}`
    case "procedure":
      return `DROP PROCEDURE ${routineTarget(o.name)}`
    case "materialized-view":
      return `DROP MATERIALIZED VIEW ${quoteName(o.name)}`
    case "enum":
    case "type":
      return `DROP TYPE ${quoteName(o.name)}`
    case "comment":
      return `COMMENT ON ${o.name} IS NULL`
    case "schema":
      return `DROP SCHEMA ${quoteIdent(o.name)}`
    case "extension":
      return `DROP EXTENSION ${quoteIdent(o.name)}`
    default:
      return `DROP ${o.kind.toUpperCase()} ${quoteName(o.name)}`
  }
}

/** Objects ordered so each comes after the objects (of the same list) it depends on. */
function dependencyOrder(objects: ReadonlyArray<SchemaObject>): SchemaObject[] {
  const byName = new Map(objects.map((o) => [o.name, o]))
  const done = new Set<SchemaObject>()
  const order: SchemaObject[] = []
  const visit = (o: SchemaObject, path: Set<SchemaObject>) => {
    if (done.has(o) || path.has(o)) return
    path.add(o)
    for (const d of o.dependsOn) {
      const dep = byName.get(d)
      if (dep) visit(dep, path)
    }
    done.add(o)
    order.push(o)
  }
  for (const o of objects) visit(o, new Set())
  return order
}

/** Names that (transitively, through `objects`) depend on any of `names`. */
function dependents(objects: ReadonlyArray<SchemaObject>, names: ReadonlySet<string>): Set<string> {
  const hit = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const o of objects) {
      if (hit.has(o.name)) continue
      if (o.dependsOn.some((d) => names.has(d) || hit.has(d))) {
        hit.add(o.name)
        grew = true
      }
    }
  }
  return hit
}

/** The header of a routine up to its body: a change there needs DROP, not CREATE OR REPLACE. */
const routineHeader = (definition: string) =>
  /^[^]*?\n\s*RETURNS [^\n]*/.exec(definition)?.[0] ?? definition.split("\n")[0]

const viewKinds = new Set(["view", "materialized-view"])
const routineKinds = new Set(["function", "procedure"])
const typeKinds = ["enum", "type", "domain"]

export function migrate(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
): { statements: string[]; notes: string[] } {
  const notes: string[] = []
  const out: string[] = []
  const fromObjects = new Map(from.objects.map((o) => [id(o), o]))
  const toObjects = new Map(to.objects.map((o) => [id(o), o]))
  const removed = from.objects.filter((o) => !toObjects.has(id(o)))
  const added = to.objects.filter((o) => !fromObjects.has(id(o)))
  const replaced = to.objects.flatMap((o) => {
    const old = fromObjects.get(id(o))
    return old && old.key !== o.key ? [{ before: old, after: o }] : []
  })

  const droppedTables = changes.flatMap((c) => (c.kind === "drop-table" ? [c.table] : []))
  const createdTables = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  const altered = groupByTable(changes, from, to).map(alterOf)
  const droppedNames = new Set(droppedTables.map((t) => t.name))

  // Enums that must be swapped rewrite every column of their type.
  const swappedEnums = replaced.filter(
    (r) => r.after.kind === "enum" && alterEnum(r.before, r.after, from, to)[0]?.startsWith("CREATE TYPE"),
  )
  const swappedColumns = new Set(
    swappedEnums.flatMap((r) => columnsOfType(from, r.before.name).map((u) => u.table)),
  )
  // Routines whose signature or result changes are dropped and created; the rest are replaced in place.
  const routinesToDrop = new Set([
    ...removed.filter((o) => routineKinds.has(o.kind)).map((o) => o.name),
    ...replaced
      .filter(
        (r) =>
          routineKinds.has(r.after.kind) &&
          routineHeader(r.before.definition) !== routineHeader(r.after.definition),
      )
      .map((r) => r.after.name),
  ])
  // Tables whose columns change in a way a view reading them would block.
  const reshaped = new Set([
    ...droppedNames,
    ...swappedColumns,
    ...altered
      .filter(
        (c) =>
          c.droppedColumns.length > 0 ||
          c.changedColumns.some(
            (x) =>
              x.before.type !== x.after.type ||
              x.before.collation !== x.after.collation ||
              JSON.stringify(x.before.generated) !== JSON.stringify(x.after.generated),
          ),
      )
      .map((c) => c.after.name),
  ])
  const changedViews = new Set([
    ...removed.filter((o) => viewKinds.has(o.kind)).map((o) => o.name),
    ...replaced.filter((r) => viewKinds.has(r.after.kind)).map((r) => r.after.name),
  ])
  const droppedTypes = new Set(removed.filter((o) => typeKinds.includes(o.kind)).map((o) => o.name))
  const fromViews = from.objects.filter((o) => viewKinds.has(o.kind))
  const viewsToDrop = new Set([
    ...changedViews,
    ...dependents(
      fromViews,
      new Set([
        ...reshaped,
        ...changedViews,
        ...routinesToDrop,
        ...droppedTypes,
        ...swappedEnums.map((r) => r.before.name),
      ]),
    ),
  ])
  const droppedRelations = new Set([...droppedNames, ...viewsToDrop])
  const changed = (o: SchemaObject) => toObjects.get(id(o))?.key !== o.key
  const triggersToDrop = from.objects.filter(
    (o) =>
      o.kind === "trigger" &&
      !droppedNames.has(o.table ?? "") &&
      (changed(o) || viewsToDrop.has(o.table ?? "") || o.dependsOn.some((d) => routinesToDrop.has(d))),
  )
  // An index whose expression or predicate names a swapped enum cannot be rebuilt for the new type.
  const swappedNames = swappedEnums.map((r) => splitName(r.before.name).name)
  const indexesToDrop = from.objects.filter(
    (o) =>
      o.kind === "index" &&
      !droppedRelations.has(o.table ?? "") &&
      (changed(o) ||
        (swappedColumns.has(o.table ?? "") && mentionedNames(o.definition, swappedNames).length > 0)),
  )
  const droppedIndexes = new Set(indexesToDrop.map((o) => o.name))

  // Foreign keys: those that change, that point at a dropped table or at keys that change, go first.
  const keysChanged = new Set(
    altered
      .filter(
        (c) =>
          JSON.stringify([c.before.primaryKey, c.before.uniques, c.before.options]) !==
            JSON.stringify([c.after.primaryKey, c.after.uniques, c.after.options]) ||
          c.changedColumns.length > 0,
      )
      .map((c) => c.after.name),
  )
  const toTables = new Map(to.tables.map((t) => [t.name, t]))
  const fkKey = (fk: Table["foreignKeys"][number]) => JSON.stringify(fk)
  const fksToDrop: Array<{ table: Table; fk: Table["foreignKeys"][number] }> = []
  const fksToAdd: Array<{ table: Table; fk: Table["foreignKeys"][number] }> = []
  for (const table of from.tables) {
    if (droppedNames.has(table.name)) {
      // A table that goes away still holds its keys until it does: free the keys that change first.
      for (const fk of table.foreignKeys) if (keysChanged.has(fk.table)) fksToDrop.push({ table, fk })
      continue
    }
    const target = toTables.get(table.name) as Table
    const wanted = new Set(target.foreignKeys.map(fkKey))
    for (const fk of table.foreignKeys)
      if (!wanted.has(fkKey(fk)) || droppedNames.has(fk.table) || keysChanged.has(fk.table))
        fksToDrop.push({ table, fk })
  }
  const droppedFk = new Set(fksToDrop.map(({ table, fk }) => `${table.name}:${fkKey(fk)}`))
  for (const table of to.tables) {
    const old = from.tables.find((t) => t.name === table.name)
    const had = new Set(old?.foreignKeys.map(fkKey) ?? [])
    for (const fk of table.foreignKeys)
      if (!had.has(fkKey(fk)) || droppedFk.has(`${table.name}:${fkKey(fk)}`)) fksToAdd.push({ table, fk })
  }

  // 1. Take away what stands in the way.
  for (const t of triggersToDrop) out.push(dropStatement(t))
  for (const v of dependencyOrder(fromViews.filter((v) => viewsToDrop.has(v.name))).reverse())
    out.push(dropStatement(v))
  for (const i of indexesToDrop) out.push(dropStatement(i))
  for (const { table, fk } of fksToDrop)
    out.push(
      `ALTER TABLE ${quoteName(table.name)} DROP CONSTRAINT ${quoteIdent(foreignKeyName(table.name, fk))}`,
    )
  const routinesReplacedByDrop = replaced.filter((r) => routinesToDrop.has(r.after.name))
  for (const r of routinesReplacedByDrop) out.push(dropStatement(r.before))

  // 2. Schemas, extensions, types.
  for (const o of added) if (o.kind === "schema") out.push(o.definition)
  for (const o of added) if (o.kind === "extension") out.push(o.definition)
  // New types and the routines that need no table, in one dependency order: a domain's CHECK may call
  // a function, and a function may take a type.
  const tableNames = new Set(to.tables.map((t) => t.name))
  const viewNames = new Set(to.objects.filter((o) => viewKinds.has(o.kind)).map((o) => o.name))
  const readsTables = (o: SchemaObject) =>
    /\bLANGUAGE sql\b/i.test(o.definition) || o.dependsOn.some((d) => tableNames.has(d) || viewNames.has(d))
  const routinesToCreate = dependencyOrder([
    ...added.filter((o) => routineKinds.has(o.kind)),
    ...replaced.filter((r) => routineKinds.has(r.after.kind)).map((r) => r.after),
  ])
  const early = dependencyOrder([
    ...added.filter((o) => typeKinds.includes(o.kind)),
    ...routinesToCreate.filter((o) => !readsTables(o)),
  ])
  for (const o of early) out.push(o.definition)
  for (const r of replaced) {
    if (r.after.kind === "enum") out.push(...alterEnum(r.before, r.after, from, to))
    else if (r.after.kind === "domain") out.push(...alterDomain(r.before, r.after, notes))
    else if (r.after.kind === "type") {
      if (r.after.definition.includes(" AS RANGE ")) {
        out.push(dropStatement(r.before), r.after.definition)
      } else out.push(...alterComposite(r.before, r.after))
    }
  }
  if (swappedEnums.length > 0) {
    const names = swappedEnums.map((r) => r.after.name).join(", ")
    notes.push(
      `Enum ${names} loses or reorders values: a new type replaces it and every column is cast to it through text.`,
    )
  }

  // 3. Sequences.
  // A sequence that moves between a serial column and an object of its own is kept, not recreated.
  const serialIn = (schema: Schema) =>
    new Set(
      schema.tables.flatMap((t) =>
        t.columns.flatMap((c) => (c.extra?.serial ? [c.extra.serial.split(" ")[0] as string] : [])),
      ),
    )
  const serialBefore = serialIn(from)
  const serialAfter = serialIn(to)
  for (const o of added)
    if (o.kind === "sequence" && !serialBefore.has(o.name)) out.push(sequenceParts(o.definition).create)
  for (const r of replaced) if (r.after.kind === "sequence") out.push(...alterSequence(r.before, r.after))

  // 4. Tables: create (parents first), alter, drop (children first).
  for (const t of parentsFirstByInheritance(createdTables)) out.push(...createTable(t))
  const standalone = (schema: Schema) =>
    new Set(schema.objects.filter((o) => o.kind === "sequence").map((o) => o.name))
  const context: TableContext = {
    userTypes: new Set(from.objects.filter((o) => typeKinds.includes(o.kind)).map((o) => quoteName(o.name))),
    sequencesBefore: standalone(from),
    sequencesAfter: standalone(to),
  }
  // Parents first: a column a parent drops leaves its children before they declare their own.
  for (const after of parentsFirstByInheritance(altered.map((c) => c.after))) {
    const change = altered.find((c) => c.after === after) as AlterTable
    out.push(...alterTable(change, notes, context))
  }
  for (const o of added)
    if (o.kind === "sequence" && serialBefore.has(o.name))
      out.push(...alterSequence({ ...o, definition: "CREATE SEQUENCE" }, o))
  const dropOrder = orderByForeignKeys(parentsFirstByInheritance(droppedTables).reverse())
  // In a cycle of foreign keys between dropped tables, some parent goes first: its key must go before it.
  const position = new Map(dropOrder.map((t, i) => [t.name, i]))
  for (const t of dropOrder)
    for (const fk of t.foreignKeys) {
      const parentAt = position.get(fk.table)
      if (parentAt !== undefined && parentAt < (position.get(t.name) ?? 0))
        out.push(`ALTER TABLE ${quoteName(t.name)} DROP CONSTRAINT ${quoteIdent(foreignKeyName(t.name, fk))}`)
    }
  for (const t of dropOrder) out.push(`DROP TABLE ${quoteName(t.name)}`)

  // 5. Foreign keys, sequence owners, routines that read tables, views, indexes, triggers, comments.
  for (const { table, fk } of fksToAdd)
    out.push(`ALTER TABLE ${quoteName(table.name)} ADD ${foreignKeySql(fk)}`)
  for (const o of to.objects) {
    if (o.kind !== "sequence") continue
    const owner = sequenceParts(o.definition).owner
    const old = fromObjects.get(id(o))
    if (owner !== undefined && (old === undefined || sequenceParts(old.definition).owner !== owner))
      out.push(`ALTER SEQUENCE ${quoteName(o.name)} OWNED BY ${owner}`)
  }
  const viewsToCreate = to.objects.filter(
    (o) =>
      viewKinds.has(o.kind) &&
      (!fromObjects.has(id(o)) || changed(fromObjects.get(id(o)) as SchemaObject) || viewsToDrop.has(o.name)),
  )
  const createdViews = new Set(viewsToCreate.map((v) => v.name))
  // Routines that read views and views that call routines: one list, in dependency order.
  for (const o of dependencyOrder([...routinesToCreate.filter(readsTables), ...viewsToCreate]))
    out.push(o.definition)
  const recreated = new Set([...createdViews])
  for (const o of to.objects) {
    if (o.kind !== "index") continue
    const old = fromObjects.get(id(o))
    if (!old || old.key !== o.key || createdViews.has(o.table ?? "") || droppedIndexes.has(o.name)) {
      out.push(o.definition)
      recreated.add(o.name)
    }
  }
  const droppedTriggers = new Set(triggersToDrop.map((t) => t.name))
  for (const o of to.objects) {
    if (o.kind !== "trigger") continue
    const old = fromObjects.get(id(o))
    if (!old || old.key !== o.key || droppedTriggers.has(o.name)) {
      out.push(o.definition)
      recreated.add(o.name)
    }
  }
  for (const r of routinesReplacedByDrop) recreated.add(r.after.name)
  for (const o of to.objects) {
    if (o.kind !== "comment") continue
    const old = fromObjects.get(id(o))
    if (!old || old.key !== o.key || o.dependsOn.some((d) => recreated.has(d))) out.push(o.definition)
  }
  const survivors = new Set([...to.objects.map((o) => o.name), ...to.tables.map((t) => t.name)])
  for (const o of removed)
    if (o.kind === "comment" && o.dependsOn.every((d) => survivors.has(d) && !recreated.has(d)))
      out.push(dropStatement(o))

  // 6. What is no longer wanted, dependents before what they depend on.
  const leftovers = removed.filter(
    (o) =>
      !["comment", "trigger", "index", "view", "materialized-view"].includes(o.kind) &&
      !(o.kind === "sequence" && serialAfter.has(o.name)) &&
      !(
        o.kind === "sequence" &&
        droppedNames.has(o.table ?? "") &&
        sequenceParts(o.definition).owner !== undefined
      ),
  )
  // Dependents first (a domain before the function its CHECK calls); extensions and schemas last,
  // since what lives in them records no dependency on them here.
  const rank = (o: SchemaObject) => (o.kind === "extension" ? 1 : o.kind === "schema" ? 2 : 0)
  const ordered = dependencyOrder(leftovers)
    .reverse()
    .sort((a, b) => rank(a) - rank(b))
  for (const o of ordered)
    if (!(routineKinds.has(o.kind) && !routinesToDrop.has(o.name))) out.push(dropStatement(o))
  return { statements: out.map((s) => s.trim().replace(/;\s*$/, "")).flatMap(statementsOf), notes }
}

/** Tables in drop order, leaving the input order alone except that children go before parents. */
function orderByForeignKeys(tables: ReadonlyArray<Table>): Table[] {
  const names = new Set(tables.map((t) => t.name))
  const done = new Set<string>()
  const order: Table[] = []
  const byName = new Map(tables.map((t) => [t.name, t]))
  const visit = (t: Table, path: Set<string>) => {
    if (done.has(t.name) || path.has(t.name)) return
    path.add(t.name)
    // Children (tables referencing t) first.
    for (const other of tables)
      if (other !== t && other.foreignKeys.some((fk) => fk.table === t.name) && names.has(other.name))
        visit(other, path)
    done.add(t.name)
    order.push(t)
  }
  for (const t of tables) visit(byName.get(t.name) as Table, new Set())
  return order
}

export function planPostgres(changes: ReadonlyArray<Change>, from: Schema, to: Schema): PlannedSteps {
  const { statements, notes } = migrate(changes, from, to)
  return { steps: [fixedStep(statements, 0)], notes }
}
