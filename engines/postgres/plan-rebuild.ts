/**
 * plan-rebuild: PostgreSQL tables that ALTER TABLE cannot turn into their new version, made again
 * with their rows. A change of PARTITION BY (a plain table becoming partitioned, a partitioned one
 * plain, or a new partition key) has no ALTER TABLE form
 * (https://www.postgresql.org/docs/current/sql-altertable.html): the table and its partitions are
 * dropped and created from the target, their rows copied out to a holding table first and back
 * after (through the new partitions; a row no partition takes fails the migration, as it must),
 * serial and identity counters moved past them. The change list is rewritten so the planner sees a
 * drop and a create of each such table and everything on it (indexes, triggers, comments...), and
 * the copy steps carry references that put them around those. Pure.
 */
import type { Change, Schema, SchemaObject, Table } from "../../model.ts"
import type { NameKey } from "../../model/names.ts"
import { attachRefs, type BareChange } from "../../model/refs.ts"
import { changeTable } from "../../model/changes.ts"
import type { PlanStep } from "../order.ts"
import { stepFor } from "../plan-steps.ts"
import { makeObjectName, quoteIdent, quoteLiteral, quoteName, splitName } from "./names.ts"
import { physicalColumns } from "./plan-inheritance.ts"
import { serialOf } from "./render.ts"
import { parentsOf } from "./table-options.ts"

const partitionKey = (t: Table) => t.options.find((o) => o.startsWith("PARTITION BY "))

/** The partitions of `table` in `schema`, their own partitions included. */
function partitionsOf(schema: Schema, table: string): Table[] {
  const direct = schema.tables.filter(
    (t) => parentsOf(t).includes(table) && t.options.some((o) => o.startsWith("PARTITION OF ")),
  )
  return direct.flatMap((t) => [t, ...partitionsOf(schema, t.name)])
}

export interface Rebuild {
  /** The change list with each rebuilt table dropped and created instead of altered. */
  readonly changes: Change[]
  /** Steps that hold the rows of each rebuilt table while it is made again. */
  readonly steps: PlanStep[]
  /** Names (keyed) of every table dropped and created: the rebuilt ones and their partitions. */
  readonly tables: ReadonlySet<string>
  /** Sequences of their own (keyed) owned by a rebuilt table: their OWNED BY is set again. */
  readonly reowned: ReadonlySet<string>
  readonly notes: string[]
}

/** The objects of `schema` on one of `tables` (indexes, triggers...), and comments on them. */
function objectsOn(schema: Schema, tables: ReadonlySet<string>, key: NameKey): SchemaObject[] {
  // Sequences of their own are kept (see `reowned`), not made again.
  const on = schema.objects.filter(
    (o) => o.kind !== "comment" && o.kind !== "sequence" && o.table !== undefined && tables.has(key(o.table)),
  )
  const names = new Set(on.map((o) => key(o.name)))
  return [
    ...on,
    ...schema.objects.filter(
      (o) =>
        o.kind === "comment" &&
        ((o.table !== undefined && tables.has(key(o.table))) || o.dependsOn.some((d) => names.has(key(d)))),
    ),
  ]
}

/** Rewrites the changes of tables whose partitioning changes into a drop, a create and a copy of their rows. */
export function rebuildPartitioned(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
  key: NameKey,
): Rebuild {
  const roots = to.tables.filter((after) => {
    const before = from.tables.find((t) => key(t.name) === key(after.name))
    return before !== undefined && partitionKey(before) !== partitionKey(after)
  })
  if (roots.length === 0)
    return { changes: [...changes], steps: [], tables: new Set(), reowned: new Set(), notes: [] }
  const tables = new Set<string>()
  const dropped: Table[] = []
  const created: Table[] = []
  for (const after of roots) {
    const before = from.tables.find((t) => key(t.name) === key(after.name)) as Table
    for (const t of [before, ...partitionsOf(from, before.name)]) {
      tables.add(key(t.name))
      dropped.push(t)
    }
    for (const t of [after, ...partitionsOf(to, after.name)]) {
      tables.add(key(t.name))
      created.push(t)
    }
  }
  const fromObjects = objectsOn(from, tables, key)
  const toObjects = objectsOn(to, tables, key)
  const objectsTouched = new Set([...fromObjects, ...toObjects])
  // Every change to these tables and what is on them gives way to the drop and the create.
  const onRebuilt = (c: Change) => {
    if (c.kind === "create-table" || c.kind === "drop-table") return tables.has(key(c.table.name))
    if (c.kind === "create-object" || c.kind === "drop-object") return objectsTouched.has(c.object)
    if (c.kind === "replace-object") return objectsTouched.has(c.before) || objectsTouched.has(c.after)
    const table = changeTable(c)
    return table !== undefined && tables.has(key(table))
  }
  const bare: BareChange[] = [
    ...dropped.map((table) => ({ kind: "drop-table" as const, table })),
    ...created.map((table) => ({ kind: "create-table" as const, table })),
    ...toObjects.map((object) =>
      object.kind === "index"
        ? { kind: "add-index" as const, table: object.table ?? "", index: object }
        : { kind: "create-object" as const, object },
    ),
  ]
  const rewritten = [...changes.filter((c) => !onRebuilt(c)), ...attachRefs(bare, from, to, key)]
  const steps: PlanStep[] = []
  const notes: string[] = []
  for (const after of roots) {
    const before = from.tables.find((t) => key(t.name) === key(after.name)) as Table
    const had = physicalColumns(from, before)
    const columns = [...physicalColumns(to, after).values()].filter(
      (c) => had.has(c.name) && c.generated === undefined,
    )
    const { schema, name } = splitName(after.name)
    const holdingBare = makeObjectName(name, undefined, "aim_rows")
    const holding = quoteName(schema === "public" ? holdingBare : `${schema}.${holdingBare}`)
    const list = columns.map((c) => quoteIdent(c.name)).join(", ")
    const partitionsBefore = [before, ...partitionsOf(from, before.name)]
    const partitionsAfter = [after, ...partitionsOf(to, after.name)]
    const refs = (t: Table) => [
      { kind: "table" as const, name: key(t.name) },
      { kind: "columns" as const, name: key(t.name) },
    ]
    // Before the old table and its partitions go: whatever removes them waits for this.
    steps.push(
      stepFor([], [`CREATE TABLE ${holding} AS SELECT ${list} FROM ${quoteName(before.name)}`], 9, {
        removedNeeds: partitionsBefore.flatMap(refs),
      }),
    )
    const overriding = columns.some((c) => c.extra?.identity?.startsWith("ALWAYS"))
      ? " OVERRIDING SYSTEM VALUE"
      : ""
    const counters = columns.flatMap((c) =>
      c.extra?.identity !== undefined || serialOf(after.name, c)
        ? [
            `SELECT setval(pg_get_serial_sequence(${quoteLiteral(quoteName(after.name))}, ${quoteLiteral(c.name)}), coalesce(max(${quoteIdent(c.name)}), 0) + 1, false) FROM ${quoteName(after.name)}`,
          ]
        : [],
    )
    // Once the new table and every partition exist, before foreign keys into it are checked.
    steps.push(
      stepFor(
        [],
        [
          `INSERT INTO ${quoteName(after.name)} (${list})${overriding} SELECT ${list} FROM ${holding}`,
          ...counters,
          `DROP TABLE ${holding}`,
        ],
        44,
        { needs: partitionsAfter.flatMap(refs) },
      ),
    )
    notes.push(
      `Table ${after.name} changes how it is partitioned, which ALTER TABLE cannot do: it is created again, its rows copied through ${holding}.`,
    )
  }
  // A sequence of its own owned by a rebuilt table would go with it: it is let go first and owned again after.
  const reowned = new Set<string>()
  for (const o of from.objects) {
    if (o.kind !== "sequence" || o.table === undefined || !tables.has(key(o.table))) continue
    if (!to.objects.some((x) => x.kind === "sequence" && key(x.name) === key(o.name))) continue
    reowned.add(key(o.name))
    steps.push(
      stepFor([], [`ALTER SEQUENCE ${quoteName(o.name)} OWNED BY NONE`], 9, {
        removedNeeds: [{ kind: "table", name: key(o.table) }],
      }),
    )
  }
  return { changes: rewritten, steps, tables, reowned, notes }
}
