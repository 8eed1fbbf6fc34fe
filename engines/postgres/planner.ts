/**
 * planner: the PostgreSQL steps for a change list, deterministic and offline. The layout: what stands
 * in the way goes first (triggers, views, indexes, foreign keys, routines whose signature changes),
 * then schemas, extensions, types and the routines that read no table, sequences, tables (created
 * without foreign keys, changed, dropped), foreign keys, sequence owners, routines that read tables,
 * views, indexes, triggers and comments, and last whatever is no longer wanted. engines/order.ts
 * keeps that layout wherever the references of the changes allow it and moves a step where they do
 * not: a foreign key waits for the unique index it references, a check for the function it calls,
 * an index that a foreign key still needs outlives the key. Objects the change list leaves alone but
 * that a change would break (a view over a retyped column, a trigger on a function that is dropped
 * and created again, a foreign key into keys that change) are dropped and made again around it.
 */
import type { Change, ForeignKey, ObjectRef, Schema, SchemaObject, Table } from "../../model.ts"
import type { PlannedSteps } from "../engine.ts"
import type { PlanStep } from "../order.ts"
import { constraintsOf } from "../../model/refs.ts"
import { creationOf, dependents, objectSteps, removalOf, stepFor } from "../plan-steps.ts"
import {
  changedColumns,
  groupByTable,
  renamedBefore,
  renamesIn,
  type TableChanges,
} from "../table-changes.ts"
import { PUBLIC_SCHEMA_COMMENT } from "./catalog-objects.ts"
import { quoteIdent, quoteLiteral, quoteName, splitName } from "./names.ts"
import { rebuildPartitioned } from "./plan-rebuild.ts"
import { parentsOf } from "./table-options.ts"
import {
  alterConstraintInPlace,
  alterTable,
  constraintSql,
  createTable,
  defaultNameAfterRename,
  foreignKeyName,
  inheritanceDepth,
  type TableContext,
} from "./plan-tables.ts"
import {
  alterComposite,
  alterDomain,
  domainNeedsSwap,
  alterEnum,
  alterExtension,
  alterPolicy,
  alterSequence,
  columnsOfType,
  usedNewLabels,
  sequenceParts,
} from "./plan-types.ts"
import { createdObjectGrants, createdObjects } from "./plan-privileges.ts"
import { grantChange, grantTarget } from "./privileges.ts"
import { foreignKeySql, serialOf } from "./render.ts"
import { splitStatements } from "./split.ts"
import { mentionedNames } from "./sql-text.ts"

type Of<K extends Change["kind"]> = Extract<Change, { kind: K }>

/** Each definition's statements, one by one (a sequence's definition holds its OWNED BY too). */
const statementsOf = (sql: ReadonlyArray<string>) =>
  sql.flatMap((s) => splitStatements(s.trim().replace(/;\s*$/, ""), "definition").map((x) => x.sql))

/** `f(integer, text)` -> DROP target `f(integer, text)` with the name quoted. */
function routineTarget(name: string): string {
  const open = name.indexOf("(")
  return `${quoteName(name.slice(0, open))}${name.slice(open)}`
}

function dropStatement(o: SchemaObject): string {
  switch (o.kind) {
    case "policy":
    case "rule":
    case "trigger": {
      // The catalog names a trigger `<name> ON <table>`; the table's name may hold " ON " itself.
      const bare = o.name.slice(0, o.name.length - ` ON ${o.table ?? ""}`.length)
      return `DROP ${o.kind.toUpperCase()} ${quoteIdent(bare)} ON ${quoteName(o.table ?? "")}`
    }
    case "function":
      return `DROP FUNCTION ${routineTarget(o.name)}`
    case "procedure":
      return `DROP PROCEDURE ${routineTarget(o.name)}`
    case "aggregate":
      return `DROP AGGREGATE ${routineTarget(o.name)}`
    case "materialized-view":
      return `DROP MATERIALIZED VIEW ${quoteName(o.name)}`
    case "enum":
    case "type":
      return `DROP TYPE ${quoteName(o.name)}`
    case "comment":
      // The public schema goes back to the comment initdb gives it.
      return `COMMENT ON ${o.name} IS ${o.name === "SCHEMA public" ? quoteLiteral(PUBLIC_SCHEMA_COMMENT) : "NULL"}`
    case "schema":
      return `DROP SCHEMA ${quoteIdent(o.name)}`
    case "extension":
      return `DROP EXTENSION ${quoteIdent(o.name)}`
    default:
      return `DROP ${o.kind.toUpperCase()} ${quoteName(o.name)}`
  }
}

/** The header of a routine up to its body: a change there needs DROP, not CREATE OR REPLACE. */
const routineHeader = (definition: string) =>
  /^[^]*?\n\s*RETURNS [^\n]*/.exec(definition)?.[0] ?? definition.split("\n")[0]

const viewKinds = new Set(["view", "materialized-view"])
/** Routines: a change to how one is called (its header) drops and creates it; an aggregate always. */
const routineKinds = new Set(["function", "procedure", "aggregate"])
const typeKinds = new Set(["enum", "type", "domain"])

/** The planner's layout, which engines/order.ts keeps wherever the references allow it. */
const phase = {
  dropTrigger: 10,
  dropView: 11,
  dropIndex: 12,
  dropForeignKey: 13,
  dropRoutine: 14,
  createSchema: 20,
  createExtension: 21,
  createType: 22,
  alterType: 23,
  sequence: 30,
  createTable: 40,
  /** Plus a little per level of inheritance: a parent's columns change before its children's. */
  alterTable: 41,
  adoptSequence: 42,
  dropTable: 43,
  /** ATTACH PARTITION and INHERIT: once every table left its old parent and the parents changed. */
  joinParent: 43.5,
  addForeignKey: 50,
  sequenceOwner: 51,
  createViewOrRoutine: 52,
  createIndex: 53,
  createTrigger: 54,
  comment: 55,
  uncomment: 56,
  /** ALTER DEFAULT PRIVILEGES: after all this migration creates, which starts under the old ones. */
  defaultPrivileges: 57,
  dropObject: 60,
  dropExtension: 61,
  dropSchema: 62,
} as const

const tableRefs = (name: string): ObjectRef[] => [
  { kind: "table", name },
  { kind: "columns", name },
  { kind: "keys", name },
]

/** The steps that make `changes` (from `from` to `to`) on PostgreSQL. */
export function planPostgres(listed: ReadonlyArray<Change>, from: Schema, to: Schema): PlannedSteps {
  const notes: string[] = []
  const steps: PlanStep[] = []
  const { key, before: oldObjects, after: newObjects } = objectSteps(from, to)
  const push = (step: PlanStep) => steps.push({ ...step, statements: statementsOf(step.statements) })
  // Tables ALTER TABLE cannot change (a new PARTITION BY) are dropped and created with their rows.
  const rebuild = rebuildPartitioned(listed, from, to, key)
  const changes = rebuild.changes
  notes.push(...rebuild.notes)
  for (const step of rebuild.steps) push(step)
  const pick = <K extends Change["kind"]>(...kinds: K[]) =>
    changes.filter((c): c is Of<K> => (kinds as string[]).includes(c.kind))

  const removed = pick("drop-object").map((c) => c.object)
  const added = pick("create-object").map((c) => c.object)
  const replaced = pick("replace-object")
  const droppedTables = pick("drop-table")
  const droppedNames = new Set(droppedTables.map((c) => c.table.name))
  const groups = groupByTable(changes, from, to)
  const renames = renamesIn(changes, key)

  // Enums that must be swapped rewrite every column of their type.
  // Types made anew: enums that lose, reorder or at once use values, domains on another base type.
  // Every column of theirs is rewritten.
  const swappedEnums = replaced.filter(
    (r) =>
      (r.after.kind === "enum" && alterEnum(r.before, r.after, from, to)[0]?.startsWith("CREATE TYPE")) ||
      (r.after.kind === "domain" && domainNeedsSwap(r.before, r.after, from)),
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
    ...groups
      .filter(
        (g) =>
          g.dropped.length > 0 ||
          changedColumns(g).some(
            (x) =>
              x.before.type !== x.after.type ||
              x.before.collation !== x.after.collation ||
              JSON.stringify(x.before.generated) !== JSON.stringify(x.after.generated),
          ),
      )
      .map((g) => g.before.name),
  ])
  const changedViews = [
    ...removed.filter((o) => viewKinds.has(o.kind)),
    ...replaced.filter((r) => viewKinds.has(r.before.kind)).map((r) => r.before),
  ]
  const droppedTypes = removed.filter((o) => typeKinds.has(o.kind)).map((o) => o.name)
  const collateralViews = dependents(
    from.objects,
    new Set(
      [
        ...reshaped,
        ...changedViews.map((v) => v.name),
        ...routinesToDrop,
        ...droppedTypes,
        ...swappedEnums.map((r) => r.before.name),
      ].map(key),
    ),
    key,
    (o) => viewKinds.has(o.kind) && !changedViews.includes(o),
  )
  const viewsToDrop = new Set([...changedViews, ...collateralViews].map((v) => v.name))
  const droppedRelations = new Set([...droppedNames, ...viewsToDrop])

  // 1. Take away what stands in the way: triggers and views that change or go, or whose table, view
  // or function does; then indexes, foreign keys, and routines whose signature changes.
  const changedTriggers = new Set(
    [...removed, ...replaced.map((r) => r.before)].filter((o) => o.kind === "trigger").map((o) => o.name),
  )
  const triggersToDrop = from.objects.filter(
    (o) =>
      o.kind === "trigger" &&
      !droppedNames.has(o.table ?? "") &&
      (changedTriggers.has(o.name) ||
        viewsToDrop.has(o.table ?? "") ||
        o.dependsOn.some((d) => routinesToDrop.has(d))),
  )
  for (const t of triggersToDrop) push(oldObjects.drop(t, [dropStatement(t)], phase.dropTrigger))
  // Policies: changed in place where ALTER POLICY can; else dropped, and created in step 6. A policy
  // stands in the way of a column it reads changing type, and goes with its table.
  const policiesInPlace = new Map(
    replaced.flatMap((r) => {
      const statements = r.after.kind === "policy" ? alterPolicy(r.before, r.after) : undefined
      return statements ? [[r.before.name, { change: r, statements }] as const] : []
    }),
  )
  const changedPolicies = new Set(
    [...removed, ...replaced.map((r) => r.before)]
      .filter((o) => o.kind === "policy" && !policiesInPlace.has(o.name))
      .map((o) => o.name),
  )
  const policiesToDrop = from.objects.filter(
    (o) =>
      o.kind === "policy" &&
      !droppedNames.has(o.table ?? "") &&
      (changedPolicies.has(o.name) ||
        reshaped.has(o.table ?? "") ||
        o.dependsOn.some((d) => routinesToDrop.has(d) || droppedTypes.includes(d))),
  )
  for (const p of policiesToDrop) push(oldObjects.drop(p, [dropStatement(p)], phase.dropTrigger))
  for (const { change, statements } of policiesInPlace.values())
    if (!policiesToDrop.some((p) => p.name === change.before.name))
      push(stepFor([change], statements, phase.createTrigger))
  // Rules: dropped and created again when they change, or when a table or view they are on or read
  // is rebuilt (they stand in the way of a column they read changing type); a view takes its own with it.
  const changedRules = new Set(
    [...removed, ...replaced.map((r) => r.before)].filter((o) => o.kind === "rule").map((o) => o.name),
  )
  const rulesLost = from.objects.filter(
    (o) =>
      o.kind === "rule" &&
      !droppedNames.has(o.table ?? "") &&
      (changedRules.has(o.name) ||
        viewsToDrop.has(o.table ?? "") ||
        reshaped.has(o.table ?? "") ||
        o.dependsOn.some((d) => reshaped.has(d) || viewsToDrop.has(d) || routinesToDrop.has(d))),
  )
  for (const r of rulesLost)
    if (!viewsToDrop.has(r.table ?? "")) push(oldObjects.drop(r, [dropStatement(r)], phase.dropTrigger))
  for (const v of from.objects.filter((o) => viewKinds.has(o.kind) && viewsToDrop.has(o.name)))
    push(oldObjects.drop(v, [dropStatement(v)], phase.dropView))

  // An index whose expression or predicate names a swapped enum cannot be rebuilt for the new type.
  const swappedNames = swappedEnums.map((r) => splitName(r.before.name).name)
  const indexChanges = new Map(
    pick("drop-index", "alter-index").map((c) => [(c.kind === "drop-index" ? c.index : c.before).name, c]),
  )
  const indexesToDrop = from.objects.filter(
    (o) =>
      o.kind === "index" &&
      !droppedRelations.has(o.table ?? "") &&
      (indexChanges.has(o.name) ||
        (swappedColumns.has(o.table ?? "") && mentionedNames(o.definition, swappedNames).length > 0)),
  )
  for (const i of indexesToDrop) {
    const change = indexChanges.get(i.name)
    const statements = [dropStatement(i)]
    push(
      change
        ? removalOf(stepFor([change], statements, phase.dropIndex))
        : oldObjects.drop(i, statements, phase.dropIndex),
    )
  }
  const droppedIndexes = new Set(indexesToDrop.map((o) => o.name))

  // Foreign keys. Those the change list drops or changes go here; so do those it leaves alone whose
  // parent's keys change under them (a key or index they rely on is dropped or changed, the parent
  // turns UNLOGGED or back), or whose columns change type on both sides (between the two ALTERs the
  // types may not compare): they are added again in step 5. PostgreSQL rebuilds a foreign key by
  // itself when only one side's type changes, so those stay, and so do their comments.
  const keysChanged = new Set([
    ...groups
      .filter(
        (g) =>
          [...(g.options?.addedOptions ?? []), ...(g.options?.removedOptions ?? [])].includes("UNLOGGED") ||
          g.constraints.some((c) => {
            const type = c.kind === "alter-constraint" ? c.after.type : c.constraint.type
            return type === "primary-key" || type === "unique"
          }),
      )
      .map((g) => g.after.name),
    // Only a unique index can be what a foreign key relies on.
    ...pick("drop-index", "alter-index")
      .filter((c) =>
        /^CREATE UNIQUE /.test(c.kind === "drop-index" ? c.index.definition : c.before.definition),
      )
      .map((c) => c.table),
  ])
  const retyped = new Set([
    ...groups.flatMap((g) =>
      g.altered
        .filter((a) => a.aspects.includes("type") || a.aspects.includes("collation"))
        .map((a) => `${key(g.after.name)}.${key(a.after.name)}`),
    ),
    ...swappedEnums.flatMap((r) =>
      columnsOfType(from, r.before.name).map((u) => `${key(u.table)}.${key(u.column.name)}`),
    ),
  ])
  const typesMove = (child: Table, fk: ForeignKey) =>
    fk.referencedColumns.some(
      (column, i) =>
        retyped.has(`${key(fk.table)}.${key(column)}`) &&
        retyped.has(`${key(child.name)}.${key(fk.columns[i] ?? "")}`),
    )
  const fkChanges = new Map<string, Of<"add-constraint" | "drop-constraint" | "alter-constraint">>()
  const fkOf = (c: { readonly type: string }) =>
    "foreignKey" in c ? (c.foreignKey as ForeignKey) : undefined
  for (const c of pick("drop-constraint", "alter-constraint")) {
    const fk = fkOf(c.kind === "drop-constraint" ? c.constraint : c.before)
    if (fk) fkChanges.set(`${key(c.table)}\u0000${JSON.stringify(fk)}`, c)
  }
  const afterOf = (t: Table) =>
    groups.find((g) => g.before === t)?.after ?? to.tables.find((x) => key(x.name) === key(t.name))
  const readd: Array<{ table: Table; fk: ForeignKey }> = []
  for (const before of from.tables) {
    const after = droppedNames.has(before.name) ? undefined : afterOf(before)
    if (!after) continue
    for (const fk of before.foreignKeys) {
      if (fkChanges.has(`${key(after.name)}\u0000${JSON.stringify(fk)}`)) continue
      if (!keysChanged.has(fk.table) && !typesMove(after, fk)) continue
      // Dropped before any rename and added back after, under the names each then has.
      const statement = `ALTER TABLE ${quoteName(before.name)} DROP CONSTRAINT ${quoteIdent(foreignKeyName(before.name, fk))}`
      push({
        ...stepFor([], [statement], phase.dropForeignKey),
        removedNeeds: [...tableRefs(key(before.name)), ...tableRefs(key(fk.table))],
      })
      readd.push({ table: after, fk: renames.foreignKey(before.name, fk) })
    }
  }

  const routinesReplacedByDrop = replaced.filter((r) => routinesToDrop.has(r.after.name))
  for (const r of routinesReplacedByDrop)
    push(removalOf(stepFor([r], [dropStatement(r.before)], phase.dropRoutine)))

  // 2. Schemas, extensions, types, and the routines that read no table (a domain's CHECK may call a
  // function, and a function may take a type).
  const tableNames = new Set(to.tables.map((t) => t.name))
  const viewNames = new Set(to.objects.filter((o) => viewKinds.has(o.kind)).map((o) => o.name))
  const readsTables = (o: SchemaObject) =>
    /\bLANGUAGE sql\b/i.test(o.definition) || o.dependsOn.some((d) => tableNames.has(d) || viewNames.has(d))
  const createOf = (o: SchemaObject) => {
    const change = changes.find(
      (c) => (c.kind === "create-object" && c.object === o) || (c.kind === "replace-object" && c.after === o),
    )
    return change ? creationOf(stepFor([change], [o.definition], 0)) : newObjects.create(o, [o.definition], 0)
  }
  for (const o of added) {
    if (o.kind === "schema") push({ ...createOf(o), phase: phase.createSchema })
    else if (o.kind === "extension") push({ ...createOf(o), phase: phase.createExtension })
    else if (typeKinds.has(o.kind)) push({ ...createOf(o), phase: phase.createType })
  }
  const routinesToCreate = [
    ...added.filter((o) => routineKinds.has(o.kind)),
    ...replaced.filter((r) => routineKinds.has(r.after.kind)).map((r) => r.after),
  ]
  for (const o of routinesToCreate)
    push({ ...createOf(o), phase: readsTables(o) ? phase.createViewOrRoutine : phase.createType })
  for (const r of replaced) {
    let statements: string[] = []
    if (r.after.kind === "extension") {
      push(stepFor([r], alterExtension(r.before, r.after, notes), phase.createExtension))
      continue
    }
    if (r.after.kind === "enum") statements = alterEnum(r.before, r.after, from, to, notes)
    else if (r.after.kind === "domain") statements = alterDomain(r.before, r.after, from, to)
    else if (r.after.kind === "type")
      statements = r.after.definition.includes(" AS RANGE ")
        ? [dropStatement(r.before), r.after.definition]
        : alterComposite(r.before, r.after)
    if (statements.length > 0) push(stepFor([r], statements, phase.alterType))
  }
  const reordered = swappedEnums.filter(
    (r) => r.after.kind === "enum" && usedNewLabels(r.before, r.after, to).length === 0,
  )
  for (const r of swappedEnums.filter((x) => x.after.kind === "domain"))
    notes.push(
      `Domain ${r.after.name} changes in a way ALTER DOMAIN cannot make (its base type or collation, or a constraint while an array of it is in use): a new domain replaces it and every column is cast to it.`,
    )
  if (reordered.length > 0) {
    const names = reordered.map((r) => r.after.name).join(", ")
    notes.push(
      `Enum ${names} loses or reorders values: a new type replaces it and every column is cast to it through text.`,
    )
  }

  // 3. Sequences: created bare (a column's default may name one), owners set in step 5. A sequence
  // that moves between a serial column and an object of its own is kept, not made again.
  const serialIn = (schema: Schema) =>
    new Set(
      schema.tables.flatMap((t) =>
        t.columns.flatMap((c) => {
          const serial = serialOf(t.name, c)
          return serial ? [serial.sequence] : []
        }),
      ),
    )
  const serialBefore = serialIn(from)
  const serialAfter = serialIn(to)
  for (const o of added)
    if (o.kind === "sequence" && !serialBefore.has(o.name))
      push({
        ...newObjects.create(o, [sequenceParts(o.definition).create], phase.sequence),
        needs: newObjects.refs.schemaOf(o.name),
      })
  for (const r of replaced)
    if (r.after.kind === "sequence")
      push({ ...stepFor([r], alterSequence(r.before, r.after), phase.sequence), needs: [], removedNeeds: [] })

  // 4. Tables: created (without foreign keys: step 5 adds them), changed, dropped.
  for (const c of pick("create-table")) {
    const t = c.table
    push({
      ...stepFor([c], createTable(t, to), phase.createTable),
      needs: newObjects.refs.tableNeeds({ ...t, foreignKeys: [] }),
    })
  }
  const standalone = (schema: Schema) =>
    new Set(schema.objects.filter((o) => o.kind === "sequence").map((o) => o.name))
  const context: TableContext = {
    userTypes: new Set(from.objects.filter((o) => typeKinds.has(o.kind)).map((o) => quoteName(o.name))),
    sequencesBefore: standalone(from),
    sequencesAfter: standalone(to),
    from,
    to,
  }
  for (const g of groups)
    for (const step of alterSteps(g, key, notes, context, inheritanceDepth(g.after, to))) push(step)
  for (const o of added)
    if (o.kind === "sequence" && serialBefore.has(o.name))
      push({ ...stepFor([], alterSequence({ ...o, definition: "CREATE SEQUENCE" }, o), phase.adoptSequence) })
  for (const c of droppedTables) {
    const t = c.table
    const full = stepFor([c], [`DROP TABLE ${quoteName(t.name)}`], phase.dropTable)
    // In a cycle of foreign keys between dropped tables, a table's keys go before it.
    const fks = t.foreignKeys.filter((fk) => key(fk.table) !== key(t.name))
    const parents = new Set(fks.map((fk) => key(fk.table)))
    const split = () => [
      ...fks.map((fk) => ({
        ...stepFor(
          [],
          [`ALTER TABLE ${quoteName(t.name)} DROP CONSTRAINT ${quoteIdent(foreignKeyName(t.name, fk))}`],
          phase.dropTable,
        ),
        removedNeeds: tableRefs(key(fk.table)),
      })),
      { ...full, removedNeeds: full.removedNeeds.filter((r) => !parents.has(r.name)) },
    ]
    push({ ...full, split: fks.length > 0 ? split : undefined })
  }

  // 5. Foreign keys: those of new tables, those the change list adds, and those dropped in step 1
  // to let their parent's keys change. Then sequence owners.
  const fkStep = (table: Table, fk: ForeignKey, change?: Change) => {
    const statement = `ALTER TABLE ${quoteName(table.name)} ADD ${foreignKeySql(fk)}${fk.valid === false ? " NOT VALID" : ""}`
    return change
      ? creationOf(stepFor([change], [statement], phase.addForeignKey))
      : {
          ...stepFor([], [statement], phase.addForeignKey),
          needs: [...tableRefs(key(table.name)), ...tableRefs(key(fk.table))],
        }
  }
  for (const c of pick("create-table")) for (const fk of c.table.foreignKeys) push(fkStep(c.table, fk))
  for (const { table, fk } of readd) push(fkStep(table, fk))
  for (const c of fkChanges.values()) {
    const table = to.tables.find((t) => key(t.name) === key(c.table))
    const before = from.tables.find((t) => afterOf(t) === table)
    if (!table || !before) continue
    const inPlace =
      c.kind === "alter-constraint" ? alterConstraintInPlace(table, c.before, c.after, c.aspects) : undefined
    if (inPlace) {
      push(stepFor([c], inPlace, phase.addForeignKey))
      continue
    }
    const old = c.kind === "alter-constraint" ? c.before : c.constraint
    const drop = `ALTER TABLE ${quoteName(before.name)} DROP CONSTRAINT ${quoteIdent(constraintSql(before, old).name)}`
    push(removalOf(stepFor([c], [drop], phase.dropForeignKey)))
    if (c.kind === "alter-constraint") push(fkStep(table, fkOf(c.after) as ForeignKey, c))
  }
  for (const c of pick("add-constraint")) {
    const fk = fkOf(c.constraint)
    const table = to.tables.find((t) => key(t.name) === key(c.table))
    if (fk && table) push(fkStep(table, fk, c))
  }
  for (const o of to.objects) {
    if (o.kind !== "sequence") continue
    const owner = sequenceParts(o.definition).owner
    const old = from.objects.find((x) => x.kind === "sequence" && x.name === o.name)
    const changed = old === undefined || sequenceParts(old.definition).owner !== owner
    if (owner !== undefined && (changed || rebuild.reowned.has(key(o.name))))
      push({
        ...stepFor([], [`ALTER SEQUENCE ${quoteName(o.name)} OWNED BY ${owner}`], phase.sequenceOwner),
        needs: [newObjects.refs.object(o), ...(o.table ? tableRefs(key(o.table)) : [])],
      })
  }

  // 6. Views that are new, changed or were dropped in step 1 (with the routines that read tables,
  // above); indexes new, changed or dropped with them; triggers; comments.
  // What is made again here loses its comments and privileges, which are given back below.
  const recreated = new Set<string>()
  for (const o of to.objects)
    if (
      viewKinds.has(o.kind) &&
      (added.includes(o) || replaced.some((r) => r.after === o) || viewsToDrop.has(o.name))
    ) {
      push({ ...createOf(o), phase: phase.createViewOrRoutine })
      if (viewsToDrop.has(o.name)) recreated.add(o.name)
    }
  const createdViews = new Set(
    to.objects.filter((o) => viewKinds.has(o.kind) && viewsToDrop.has(o.name)).map((o) => o.name),
  )
  for (const o of added.filter((x) => viewKinds.has(x.kind))) createdViews.add(o.name)
  for (const c of pick("add-index", "alter-index")) {
    const index = c.kind === "add-index" ? c.index : c.after
    push(creationOf(stepFor([c], [index.definition], phase.createIndex)))
    recreated.add(index.name)
  }
  for (const c of pick("rename-index"))
    push(
      stepFor(
        [c],
        [`ALTER INDEX ${quoteName(c.before.name)} RENAME TO ${quoteIdent(splitName(c.after.name).name)}`],
        phase.createIndex,
      ),
    )
  for (const o of to.objects) {
    if (o.kind !== "index" || recreated.has(o.name)) continue
    if (createdViews.has(o.table ?? "") || droppedIndexes.has(o.name)) {
      push(newObjects.create(o, [o.definition], phase.createIndex))
      recreated.add(o.name)
    }
  }
  // REPLICA IDENTITY, once the index it names exists: where it changes, on a new table, and where
  // its index was made again (a new index is not the replica identity until told).
  const replicaOf = (t: Table | undefined) => t?.options.find((o) => o.startsWith("REPLICA IDENTITY "))
  for (const table of to.tables) {
    const before = from.tables.find((t) => afterOf(t) === table)
    const now = replicaOf(table)
    const was = droppedNames.has(before?.name ?? "") ? undefined : replicaOf(before)
    const index = now?.startsWith("REPLICA IDENTITY USING INDEX ")
      ? to.objects.find(
          (o) =>
            o.kind === "index" &&
            o.table === table.name &&
            `REPLICA IDENTITY USING INDEX ${quoteIdent(splitName(o.name).name)}` === now,
        )
      : undefined
    if (now === was && !(index && recreated.has(index.name))) continue
    push({
      ...stepFor(
        [],
        [`ALTER TABLE ${quoteName(table.name)} ${now ?? "REPLICA IDENTITY DEFAULT"}`],
        phase.createIndex + 0.5,
      ),
      needs: [...tableRefs(key(table.name)), ...(index ? [newObjects.refs.object(index)] : [])],
    })
  }
  const droppedTriggers = new Set(triggersToDrop.map((t) => t.name))
  for (const o of to.objects) {
    if (o.kind !== "trigger") continue
    if (added.includes(o) || replaced.some((r) => r.after === o) || droppedTriggers.has(o.name)) {
      push({ ...createOf(o), phase: phase.createTrigger })
      recreated.add(o.name)
    }
  }
  const droppedPolicies = new Set([...policiesToDrop, ...rulesLost].map((p) => p.name))
  for (const o of to.objects) {
    if (o.kind !== "policy" && o.kind !== "rule") continue
    if (added.includes(o) || droppedPolicies.has(o.name)) {
      push({ ...createOf(o), phase: phase.createTrigger })
      recreated.add(o.name)
    }
  }
  for (const r of routinesReplacedByDrop) recreated.add(r.after.name)
  // A constraint this plan drops (to change it, or to let a key under it change) loses its comment.
  for (const step of steps)
    for (const statement of step.statements) {
      const dropped = /^ALTER TABLE (.+) DROP CONSTRAINT (.+)$/s.exec(statement)
      if (dropped) recreated.add(`CONSTRAINT ${dropped[2]} ON ${dropped[1]}`)
    }
  for (const o of to.objects) {
    if (o.kind !== "comment") continue
    const fresh = added.includes(o) || replaced.some((r) => r.after === o)
    if (fresh || recreated.has(o.name) || o.dependsOn.some((d) => recreated.has(d)))
      push({ ...createOf(o), phase: phase.comment })
  }
  const survivors = new Set([
    ...to.objects.map((o) => o.name),
    ...to.tables.map((t) => t.name),
    ...serialAfter,
  ])
  // The constraints the target's tables have, by the name COMMENT ON CONSTRAINT gives them.
  const constraintsAfter = new Set(
    to.tables.flatMap((t) =>
      constraintsOf(t).map(
        (c) => `CONSTRAINT ${quoteIdent(constraintSql(t, c).name)} ON ${quoteName(t.name)}`,
      ),
    ),
  )
  const keeps = (o: SchemaObject) =>
    o.dependsOn.every((d) => survivors.has(d) && !recreated.has(d)) &&
    (o.table === undefined || (survivors.has(o.table) && !droppedNames.has(o.table))) &&
    !(
      o.kind === "comment" &&
      o.table !== undefined &&
      (recreated.has(o.name) || !constraintsAfter.has(o.name))
    )
  for (const o of removed)
    if (o.kind === "comment" && keeps(o)) push(oldObjects.drop(o, [dropStatement(o)], phase.uncomment))

  // Privileges. What the migration creates starts with what default privileges give it, and is
  // brought to what the target lists; elsewhere a grantee's privileges go from the old set to the new
  // one, or back to what the object started with. Default privileges change last, so what this
  // migration creates starts under the old ones.
  const fresh = to.objects.filter((o) => added.includes(o) || recreated.has(o.name))
  const created = createdObjects(
    [...pick("create-table").map((c) => c.table)],
    pick("add-column").map((c) => ({ table: c.table, column: c.column })),
    fresh.filter((o) => !(o.kind === "sequence" && serialBefore.has(o.name))),
  )
  for (const c of created) {
    const statements = createdObjectGrants(c.target, from, to)
    if (statements.length > 0)
      push({ ...stepFor([], statements, phase.comment), needs: newObjects.refs.named(c.name) })
  }
  const createdTargets = new Set(created.map((c) => c.target.target))
  const grantPhase = (o: SchemaObject) =>
    o.name.startsWith("ALTER DEFAULT PRIVILEGES ") ? phase.defaultPrivileges : undefined
  for (const o of to.objects) {
    if (o.kind !== "grant" || createdTargets.has(grantTarget(o))) continue
    const change = replaced.find((r) => r.after === o)
    if (added.includes(o))
      push({
        ...createOf(o),
        statements: grantChange(undefined, o, to.version),
        phase: grantPhase(o) ?? phase.comment,
      })
    else if (change)
      push(stepFor([change], grantChange(change.before, o, to.version), grantPhase(o) ?? phase.comment))
  }
  for (const o of removed)
    if (o.kind === "grant" && keeps(o))
      push(oldObjects.drop(o, grantChange(o, undefined, from.version), grantPhase(o) ?? phase.uncomment))

  // 7. What is no longer wanted, dependents before what they depend on; extensions and schemas last,
  // since what lives in them records no dependency on them here. A sequence owned by a dropped
  // table or column goes with it.
  const droppedColumns = new Set(pick("drop-column").map((c) => `${key(c.table)}.${key(c.column.name)}`))
  const ownedByDropped = (o: SchemaObject) => {
    const owner = sequenceParts(o.definition).owner
    if (owner === undefined) return false
    if (droppedNames.has(o.table ?? "")) return true
    const column = owner.slice(owner.lastIndexOf(".") + 1).replace(/^"|"$/g, "")
    return droppedColumns.has(`${key(o.table ?? "")}.${key(column)}`)
  }
  for (const o of removed) {
    if (["comment", "trigger", "policy", "rule", "grant", "view", "materialized-view"].includes(o.kind))
      continue
    if (o.kind === "sequence" && (serialAfter.has(o.name) || ownedByDropped(o))) continue
    if (routineKinds.has(o.kind) && !routinesToDrop.has(o.name)) continue
    const at =
      o.kind === "extension" ? phase.dropExtension : o.kind === "schema" ? phase.dropSchema : phase.dropObject
    push(oldObjects.drop(o, [dropStatement(o)], at))
  }
  return { steps, notes }
}

/**
 * One table's steps: its constraints dropped, then its renames, columns and options in one step,
 * then its constraints added (foreign keys aside: step 5 of the planner). The constraint steps let
 * the order move a CHECK after the function it calls, or a key drop before a column it covers.
 */
function alterSteps(
  group: TableChanges,
  key: (n: string) => string,
  notes: string[],
  context: TableContext,
  depth: number,
): PlanStep[] {
  const at = phase.alterTable + depth / 100
  const { after } = group
  const before = renamedBefore(group, key)
  const constraintChanges = group.constraints.filter(
    (c) => (c.kind === "alter-constraint" ? c.after.type : c.constraint.type) !== "foreign-key",
  )
  const drops: PlanStep[] = []
  const adds: PlanStep[] = []
  const alterTarget = `ALTER TABLE ${quoteName(after.name)}`
  for (const c of constraintChanges) {
    if (c.kind === "drop-constraint" || c.kind === "alter-constraint") {
      const old = c.kind === "drop-constraint" ? c.constraint : c.before
      const inPlace =
        c.kind === "alter-constraint"
          ? alterConstraintInPlace(after, c.before, c.after, c.aspects)
          : undefined
      if (inPlace) {
        adds.push(stepFor([c], inPlace, at))
        continue
      }
      // Dropped before the table and its columns are renamed: named as they are then.
      const drop = `ALTER TABLE ${quoteName(group.before.name)} DROP CONSTRAINT ${quoteIdent(constraintSql(group.before, old).name)}`
      drops.push(removalOf(stepFor([c], [drop], at, { removedNeeds: tableRefs(key(group.before.name)) })))
    }
    if (c.kind === "add-constraint" || c.kind === "alter-constraint") {
      const now = c.kind === "add-constraint" ? c.constraint : c.after
      adds.push(creationOf(stepFor([c], [`${alterTarget} ADD ${constraintSql(after, now).sql}`], at)))
    }
  }
  const renames = [
    ...(group.rename
      ? [
          `ALTER TABLE ${quoteName(group.rename.before.name)} RENAME TO ${quoteIdent(splitName(after.name).name)}`,
        ]
      : []),
    ...group.renamedColumns.map(
      (r) => `${alterTarget} RENAME COLUMN ${quoteIdent(r.before.name)} TO ${quoteIdent(r.after.name)}`,
    ),
  ]
  // A constraint with PostgreSQL's default name keeps its old name through a rename; it gets the
  // name the renamed table would give it (the model leaves default names out on both sides).
  if (renames.length > 0) {
    const columnNames = new Map(group.renamedColumns.map((r) => [key(r.before.name), r.after.name]))
    const rename = (c: string) => columnNames.get(key(c)) ?? c
    const gone = new Set(
      group.constraints.flatMap((c) =>
        c.kind === "drop-constraint" ? [c.constraint] : c.kind === "alter-constraint" ? [c.before] : [],
      ),
    )
    for (const c of constraintsOf(group.before)) {
      if ([...gone].some((g) => JSON.stringify(g) === JSON.stringify(c))) continue
      const now = defaultNameAfterRename(group.before, c, after.name, rename)
      const was = constraintSql(group.before, c).name
      if (now !== undefined && now !== was)
        renames.push(`${alterTarget} RENAME CONSTRAINT ${quoteIdent(was)} TO ${quoteIdent(now)}`)
    }
  }
  const columns = alterTable(
    {
      before,
      after,
      addedColumns: group.added,
      droppedColumns: group.dropped,
      changedColumns: changedColumns(group),
    },
    notes,
    context,
  )
  const others = group.changes.filter((c) => !group.constraints.includes(c as never))
  const core = [...renames, ...columns.statements]
  // Joining a parent waits for the parent's own changes and for every other table to leave theirs.
  const parentRefs = [after.name, ...parentsOf(after)].flatMap((n) => tableRefs(key(n)))
  const join =
    columns.join.length > 0
      ? [stepFor([], columns.join, phase.joinParent + depth / 100, { needs: parentRefs })]
      : []
  return [...drops, ...(core.length > 0 ? [stepFor(others, core, at)] : []), ...join, ...adds]
}
