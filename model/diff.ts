/**
 * diff: the one function that compares two normalized schemas, `diffSchemas`. It returns the
 * fine-grained change list every other part reads (planners, rules, ambiguity detection, the
 * model's prompt, the diff text, `--json`): tables created, dropped and renamed; columns added,
 * dropped, renamed and altered with the aspects that change; constraints and indexes added, dropped
 * and altered with their names and validity; table options; other objects created, dropped and
 * replaced. Each change states what it needs, removes and creates (model/refs.ts). Names are matched
 * the way the engine matches them (`nameKey`); column order is deliberately not compared. Pure.
 */
import type {
  Change,
  Column,
  ColumnAspect,
  ConstraintAspect,
  RenameHints,
  Schema,
  SchemaObject,
  Table,
  TableConstraint,
} from "../model.ts"
import { type NameKey, nameKey } from "./names.ts"
import { attachRefs, type BareChange, constraintClause, constraintsOf } from "./refs.ts"
import { comparableText } from "./renamed-text.ts"

const json = (value: unknown) => JSON.stringify(value ?? null)

/** Extra keys that are aspects of their own; any other key is an engine attribute. */
const extraAspect: Record<string, ColumnAspect> = {
  identity: "identity",
  serial: "identity",
  auto_increment: "identity",
  comment: "comment",
  charset: "collation",
}

/** What differs between two versions of a column; empty when they are the same column. */
export function columnAspects(before: Column, after: Column): ColumnAspect[] {
  const aspects = new Set<ColumnAspect>()
  if (before.type !== after.type) aspects.add("type")
  if (before.notNull !== after.notNull) aspects.add("nullability")
  if (before.default !== after.default) aspects.add("default")
  if (before.collation !== after.collation) aspects.add("collation")
  if (json(before.generated) !== json(after.generated)) aspects.add("generated")
  const keys = new Set([...Object.keys(before.extra ?? {}), ...Object.keys(after.extra ?? {})])
  for (const k of keys)
    if (before.extra?.[k] !== after.extra?.[k]) aspects.add(extraAspect[k] ?? "attributes")
  return [...aspects]
}

/** True when two columns have the same definition (their names and positions aside). */
export const sameColumn = (a: Column, b: Column) => columnAspects(a, b).length === 0

/** Options that are not constraints: what an `alter-table` change compares. */
const plainOptions = (t: Table) => t.options.filter((o) => constraintClause(o) === undefined)

/** The constraint with its names keyed and its validity left out: what decides "same definition". */
function definitionOf(c: TableConstraint, key: NameKey): string {
  const names = (list: ReadonlyArray<string>) => list.map(key)
  const name = c.name === undefined ? null : key(c.name)
  if ("clause" in c) return json([c.type, name, c.clause])
  switch (c.type) {
    case "primary-key":
      return json([c.type, name, names(c.primaryKey.columns), c.primaryKey.autoincrement])
    case "unique":
      return json([c.type, name, names(c.unique.columns)])
    case "check":
      return json([c.type, name, c.check.expression])
    case "foreign-key": {
      // Field by field: a schema read back from JSON lacks the keys whose value was undefined.
      const fk = c.foreignKey
      return json([
        c.type,
        name,
        names(fk.columns),
        key(fk.table),
        names(fk.referencedColumns),
        fk.onDelete,
        fk.onUpdate,
        fk.match ?? null,
      ])
    }
  }
}

const deferral = (c: TableConstraint) =>
  c.type === "foreign-key" && "foreignKey" in c
    ? json([c.foreignKey.deferrable, c.foreignKey.initiallyDeferred])
    : ""

/**
 * What identifies a constraint across the two sides: its name where it has one; else, for a
 * foreign key, its columns and the table it references (an engine's default name derives from
 * those); else its whole definition. The same identity with another definition is an alter;
 * otherwise a change is a drop and an add.
 */
function identityOf(c: TableConstraint, key: NameKey): string {
  if (c.type === "primary-key") return "primary-key"
  if (c.name !== undefined) return `${c.type}:name:${key(c.name)}`
  if ("foreignKey" in c) return `${c.type}:${json([c.foreignKey.columns.map(key), key(c.foreignKey.table)])}`
  return `${c.type}:${definitionOf(c, key)}:${deferral(c)}`
}

function constraintAspects(a: TableConstraint, b: TableConstraint, key: NameKey): ConstraintAspect[] {
  const aspects: ConstraintAspect[] = []
  if (definitionOf(a, key) !== definitionOf(b, key)) aspects.push("definition")
  if (a.valid !== b.valid) aspects.push("validity")
  if (deferral(a) !== deferral(b)) aspects.push("deferrable")
  return aspects
}

/** Items of two lists paired by identity, in order; duplicates pair up one by one. */
function pairUp<B, A>(
  before: ReadonlyArray<B>,
  after: ReadonlyArray<A>,
  idBefore: (item: B) => string,
  idAfter: (item: A) => string,
) {
  const waiting = new Map<string, B[]>()
  for (const item of before) waiting.set(idBefore(item), [...(waiting.get(idBefore(item)) ?? []), item])
  const pairs: Array<{ before: B; after: A }> = []
  const added: A[] = []
  for (const item of after) {
    const twin = waiting.get(idAfter(item))?.shift()
    if (twin === undefined) added.push(item)
    else pairs.push({ before: twin, after: item })
  }
  const removed = before.filter((item) => !pairs.some((p) => p.before === item))
  return { pairs, added, removed }
}

/** Where the declared renames take a table's name, and each table's column names. */
interface Renames {
  readonly table: (name: string) => string
  /** A column of the table named `table` before, under its new name. */
  readonly column: (table: string, column: string) => string
  /** Whether the renames change the table named `table` before: its name or a column's. */
  readonly touches: (table: string) => boolean
  /**
   * Text stored with the table named `table` before (a CHECK, a generation expression, an index),
   * as it reads once the renames are made; `own` is an index's own name, left out of the comparison.
   */
  readonly before: (table: string, sql: string, own?: string) => string
  /** Text stored with a table after, in the same form. */
  readonly after: (sql: string, own?: string) => string
}

const noRenames: Renames = {
  table: (n) => n,
  column: (_, c) => c,
  touches: () => false,
  before: (_, sql) => sql,
  after: (sql) => sql,
}

/** A model name's schema prefix ("" in the default schema) and its last part. */
const nameParts = (name: string) => {
  const dot = name.indexOf(".")
  return { schema: dot === -1 ? "" : name.slice(0, dot), bare: name.slice(dot + 1) }
}

/** The declared renames, as every part of the diff reads them. */
function renamesOf(
  key: NameKey,
  tableMoves: ReadonlyMap<string, string>,
  columnMoves: ReadonlyMap<string, ReadonlyMap<string, string>>,
): Renames {
  if (tableMoves.size === 0 && [...columnMoves.values()].every((m) => m.size === 0)) return noRenames
  // Stored text names tables without their schema: a bare name follows a rename within its schema.
  // Names here are keys: the comparison keys them anyway.
  const bareTables = new Map<string, string>()
  for (const [from, to] of tableMoves) {
    const [a, b] = [nameParts(from), nameParts(to)]
    if (a.schema === b.schema) bareTables.set(a.bare, b.bare)
  }
  const columnNew = (table: string, column: string) => columnMoves.get(key(table))?.get(key(column))
  return {
    table: (name) => tableMoves.get(key(name)) ?? name,
    column: (table, column) => columnNew(table, column) ?? column,
    touches: (table) => tableMoves.has(key(table)) || (columnMoves.get(key(table))?.size ?? 0) > 0,
    before: (table, sql, own) =>
      comparableText(sql, key, (name) => columnNew(table, name) ?? bareTables.get(name), own),
    after: (sql, own) => comparableText(sql, key, undefined, own),
  }
}

/** A column with the expressions stored with it (generation, an engine's column CHECK) as `text` reads them. */
function comparableColumn(column: Column, text: (sql: string) => string): Column {
  const check = column.extra?.check
  return {
    ...column,
    generated: column.generated && { ...column.generated, expression: text(column.generated.expression) },
    extra: check === undefined ? column.extra : { ...column.extra, check: text(check) },
  }
}

/**
 * A constraint of a table as it reads once the declared renames are made: its columns, and for a
 * foreign key the table and columns it references, under their new names. A constraint kept whole
 * as text is left as it is.
 */
function renamedConstraint(table: string, c: TableConstraint, renames: Renames): TableConstraint {
  const cols = (t: string, list: ReadonlyArray<string>) => list.map((n) => renames.column(t, n))
  if ("clause" in c) return c
  switch (c.type) {
    case "primary-key":
      return { ...c, primaryKey: { ...c.primaryKey, columns: cols(table, c.primaryKey.columns) } }
    case "unique":
      return { ...c, unique: { ...c.unique, columns: cols(table, c.unique.columns) } }
    case "check":
      return renames.touches(table)
        ? { ...c, check: { ...c.check, expression: renames.before(table, c.check.expression) } }
        : c
    case "foreign-key": {
      const fk = c.foreignKey
      return {
        ...c,
        foreignKey: {
          ...fk,
          columns: cols(table, fk.columns),
          table: renames.table(fk.table),
          referencedColumns: cols(fk.table, fk.referencedColumns),
        },
      }
    }
  }
}

/** The relative order of the columns both versions have: where each stands among them. */
function commonRanks(columns: ReadonlyArray<Column>, shared: ReadonlySet<string>, key: NameKey) {
  const ranks = new Map<string, number>()
  for (const c of columns) if (shared.has(key(c.name))) ranks.set(key(c.name), ranks.size)
  return ranks
}

/** Column renames the hints ask for on this table that its two versions bear out: old key -> new key. */
function columnRenames(before: Table, after: Table, key: NameKey, hints: RenameHints | undefined) {
  const renamed = new Map<string, string>()
  for (const h of hints?.columns ?? []) {
    if (key(h.table) !== key(after.name)) continue
    const from = before.columns.find((c) => key(c.name) === key(h.from))
    const to = after.columns.find((c) => key(c.name) === key(h.to))
    const fromStays = after.columns.some((c) => key(c.name) === key(h.from))
    const toExisted = before.columns.some((c) => key(c.name) === key(h.to))
    if (from && to && !fromStays && !toExisted) renamed.set(key(h.from), key(h.to))
  }
  return renamed
}

/**
 * What every part of a table's diff reads: how names compare, the table's column renames (old key to
 * new key, as diffSchemas worked them out) and the renames of the whole schema.
 */
interface TableDiffContext {
  readonly key: NameKey
  readonly columns: ReadonlyMap<string, string>
  readonly renames: Renames
}

function diffColumns(
  before: Table,
  after: Table,
  { key, columns: renamed, renames }: TableDiffContext,
): BareChange[] {
  const table = after.name
  // Expressions stored with a column read the renamed names once the renames are made.
  const touched = renames.touches(before.name)
  const was = (c: Column) => (touched ? comparableColumn(c, (sql) => renames.before(before.name, sql)) : c)
  const is = (c: Column) => (touched ? comparableColumn(c, (sql) => renames.after(sql)) : c)
  const target = (c: Column) => renamed.get(key(c.name)) ?? key(c.name)
  const afterByKey = new Map(after.columns.map((c) => [key(c.name), c]))
  const beforeTargets = new Set(before.columns.map(target))
  const shared = new Set(before.columns.map(target).filter((k) => afterByKey.has(k)))
  const beforeRanks = commonRanks(
    before.columns.map((c) => ({ ...c, name: target(c) })),
    shared,
    key,
  )
  const afterRanks = commonRanks(after.columns, shared, key)
  const changes: BareChange[] = []
  for (const column of before.columns)
    if (!afterByKey.has(target(column))) changes.push({ kind: "drop-column", table, column })
  for (const column of after.columns) {
    if (!beforeTargets.has(key(column.name))) changes.push({ kind: "add-column", table, column })
  }
  for (const old of before.columns) {
    const now = afterByKey.get(target(old))
    if (!now) continue
    const aspects = columnAspects(was(old), is(now))
    if (aspects.length > 0 && beforeRanks.get(target(old)) !== afterRanks.get(key(now.name)))
      aspects.push("position")
    if (renamed.has(key(old.name)))
      changes.push({ kind: "rename-column", table, before: old, after: now, aspects })
    else if (aspects.length > 0)
      changes.push({ kind: "alter-column", table, before: old, after: now, aspects })
  }
  return changes
}

function diffConstraints(before: Table, after: Table, { key, renames }: TableDiffContext): BareChange[] {
  const table = after.name
  // Compared as they read after the renames; reported as they are, so a drop names the real thing.
  const old = constraintsOf(before).map((c) => ({ c, as: renamedConstraint(before.name, c, renames) }))
  const touched = renames.touches(before.name)
  const now = constraintsOf(after).map((c) => ({
    c,
    as:
      touched && "check" in c
        ? { ...c, check: { ...c.check, expression: renames.after(c.check.expression) } }
        : c,
  }))
  const { pairs, added, removed } = pairUp(
    old,
    now,
    (o) => identityOf(o.as, key),
    (o) => identityOf(o.as, key),
  )
  const changes: BareChange[] = removed.map(
    (o) => ({ kind: "drop-constraint", table, constraint: o.c }) as const,
  )
  for (const p of pairs) {
    const aspects = constraintAspects(p.before.as, p.after.as, key)
    if (aspects.length > 0)
      changes.push({ kind: "alter-constraint", table, before: p.before.c, after: p.after.c, aspects })
  }
  for (const o of added) changes.push({ kind: "add-constraint", table, constraint: o.c })
  return changes
}

function diffTable(before: Table, after: Table, context: TableDiffContext): BareChange[] {
  const changes = [...diffColumns(before, after, context), ...diffConstraints(before, after, context)]
  const was = plainOptions(before)
  const now = plainOptions(after)
  const removedOptions = was.filter((o) => !now.includes(o))
  const addedOptions = now.filter((o) => !was.includes(o))
  if (removedOptions.length + addedOptions.length > 0)
    changes.push({ kind: "alter-table", before, after, removedOptions, addedOptions })
  return changes
}

/** An index's name without the table prefix some engines give it (MySQL's `orders.p_id`). */
function ownIndexName(index: SchemaObject): string {
  const table = index.table ?? ""
  if (table !== "" && index.name.startsWith(`${table}.`)) return index.name.slice(table.length + 1)
  return nameParts(index.name).bare
}

/**
 * The id an index of `from` has once its table is renamed, for an index named under its table;
 * undefined for any other object (its own id holds).
 */
function indexId(index: SchemaObject, key: NameKey, renames: Renames): string | undefined {
  const table = index.table
  if (index.kind !== "index" || table === undefined || !index.name.startsWith(`${table}.`)) return undefined
  return `index:${key(`${renames.table(table)}.${ownIndexName(index)}`)}`
}

/**
 * An index's definition as the comparison reads it: as the catalog keys it, or, for an index of a
 * table the renames touch (`before`: the index of `from`; `after`: the one compared with it), with
 * the renames made and its own name left out.
 */
function indexForm(index: SchemaObject, renames: Renames, side: "before" | "after", touched: boolean) {
  if (!touched) return index.key
  return side === "before"
    ? renames.before(index.table ?? "", index.key, ownIndexName(index))
    : renames.after(index.key, ownIndexName(index))
}

/** Table renames the hints ask for that the two schemas bear out: old key -> new key. */
function tableRenames(from: Schema, to: Schema, key: NameKey, hints: RenameHints | undefined) {
  const renames = new Map<string, string>()
  const inFrom = new Set(from.tables.map((t) => key(t.name)))
  const inTo = new Set(to.tables.map((t) => key(t.name)))
  for (const h of hints?.tables ?? []) {
    const [a, b] = [key(h.from), key(h.to)]
    if (inFrom.has(a) && inTo.has(b) && !inTo.has(a) && !inFrom.has(b)) renames.set(a, b)
  }
  return renames
}

/**
 * Every difference that takes `from` to `to`: tables (dropped, then created, renamed or changed in
 * the target's order), then indexes, then other objects. `renames` turns what would read as a drop
 * and a create into a rename (and what else changed with it).
 */
export function diffSchemas(from: Schema, to: Schema, renames?: RenameHints): Change[] {
  const key = nameKey(from, to)
  const tableMoves = tableRenames(from, to, key, renames)
  const movedTo = new Map([...tableMoves].map(([a, b]) => [b, a]))
  const fromTables = new Map(from.tables.map((t) => [key(t.name), t]))
  const toTables = new Map(to.tables.map((t) => [key(t.name), t]))
  // The declared renames, as the constraints of every table compare under them.
  const columnMoves = new Map<string, Map<string, string>>()
  for (const table of from.tables) {
    const now = toTables.get(tableMoves.get(key(table.name)) ?? key(table.name))
    if (now) columnMoves.set(key(table.name), columnRenames(table, now, key, renames))
  }
  const renamer = renamesOf(key, tableMoves, columnMoves)
  const changes: BareChange[] = []
  for (const table of from.tables) {
    const k = key(table.name)
    if (!toTables.has(k) && !tableMoves.has(k)) changes.push({ kind: "drop-table", table })
  }
  for (const table of to.tables) {
    const k = key(table.name)
    const oldKey = movedTo.get(k)
    const old = fromTables.get(oldKey ?? k)
    if (!old) {
      changes.push({ kind: "create-table", table })
      continue
    }
    if (oldKey !== undefined) changes.push({ kind: "rename-table", before: old, after: table })
    // A table renamed away leaves no table of its old name (tableRenames), so the columns of this
    // pair are the ones worked out above.
    const columns = columnMoves.get(key(old.name)) ?? new Map<string, string>()
    changes.push(...diffTable(old, table, { key, columns, renames: renamer }))
  }
  const objectId = (o: SchemaObject) => `${o.kind}:${key(o.name)}`
  const fromObjects = new Map(from.objects.map((o) => [indexId(o, key, renamer) ?? objectId(o), o]))
  const toObjects = new Map(to.objects.map((o) => [objectId(o), o]))
  const tableOf = (o: SchemaObject) => o.table ?? ""
  const gone = from.objects.filter(
    (o) => o.kind === "index" && !toObjects.has(indexId(o, key, renamer) ?? objectId(o)),
  )
  const fresh = to.objects.filter((o) => o.kind === "index" && !fromObjects.has(objectId(o)))
  // An index of a renamed table or column that differs only in its name (one named after its
  // column, say) is renamed, not made again.
  const renamedIndexes = pairUp(
    gone.filter((o) => renamer.touches(tableOf(o))),
    fresh,
    (o) => `${key(renamer.table(tableOf(o)))}\u0000${indexForm(o, renamer, "before", true)}`,
    (o) => `${key(tableOf(o))}\u0000${indexForm(o, renamer, "after", true)}`,
  ).pairs
  for (const index of gone)
    if (!renamedIndexes.some((p) => p.before === index))
      changes.push({ kind: "drop-index", table: tableOf(index), index })
  for (const { before, after } of renamedIndexes)
    changes.push({ kind: "rename-index", table: tableOf(after), before, after })
  for (const index of to.objects) {
    if (index.kind !== "index") continue
    const old = fromObjects.get(objectId(index))
    if (!old) {
      if (!renamedIndexes.some((p) => p.after === index))
        changes.push({ kind: "add-index", table: tableOf(index), index })
    } else {
      const touched = renamer.touches(tableOf(old))
      if (indexForm(old, renamer, "before", touched) !== indexForm(index, renamer, "after", touched))
        changes.push({ kind: "alter-index", table: tableOf(index), before: old, after: index })
    }
  }
  for (const object of from.objects)
    if (object.kind !== "index" && !toObjects.has(objectId(object)))
      changes.push({ kind: "drop-object", object })
  for (const object of to.objects) {
    if (object.kind === "index") continue
    const old = fromObjects.get(objectId(object))
    if (!old) changes.push({ kind: "create-object", object })
    else if (old.key !== object.key) changes.push({ kind: "replace-object", before: old, after: object })
  }
  return attachRefs(changes, from, to, key)
}

/** The hints that undo `hints`: what DOWN, diffed from the other side, needs. */
export function invertRenames(hints: RenameHints | undefined): RenameHints | undefined {
  if (!hints) return undefined
  const tables = (hints.tables ?? []).map((h) => ({ from: h.to, to: h.from }))
  const back = new Map(tables.map((t) => [t.from, t.to]))
  return {
    tables,
    columns: (hints.columns ?? []).map((h) => ({
      table: back.get(h.table) ?? h.table,
      from: h.to,
      to: h.from,
    })),
  }
}
