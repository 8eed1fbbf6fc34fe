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
}

const noRenames: Renames = { table: (n) => n, column: (_, c) => c }

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
      return c
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

function diffColumns(
  before: Table,
  after: Table,
  key: NameKey,
  hints: RenameHints | undefined,
): BareChange[] {
  const table = after.name
  const renamed = columnRenames(before, after, key, hints)
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
    const aspects = columnAspects(old, now)
    if (aspects.length > 0 && beforeRanks.get(target(old)) !== afterRanks.get(key(now.name)))
      aspects.push("position")
    if (renamed.has(key(old.name)))
      changes.push({ kind: "rename-column", table, before: old, after: now, aspects })
    else if (aspects.length > 0)
      changes.push({ kind: "alter-column", table, before: old, after: now, aspects })
  }
  return changes
}

function diffConstraints(before: Table, after: Table, key: NameKey, renames: Renames): BareChange[] {
  const table = after.name
  // Compared as they read after the renames; reported as they are, so a drop names the real thing.
  const old = constraintsOf(before).map((c) => ({ c, as: renamedConstraint(before.name, c, renames) }))
  const { pairs, added, removed } = pairUp(
    old,
    constraintsOf(after),
    (o) => identityOf(o.as, key),
    (c) => identityOf(c, key),
  )
  const changes: BareChange[] = removed.map(
    (o) => ({ kind: "drop-constraint", table, constraint: o.c }) as const,
  )
  for (const p of pairs) {
    const aspects = constraintAspects(p.before.as, p.after, key)
    if (aspects.length > 0)
      changes.push({ kind: "alter-constraint", table, before: p.before.c, after: p.after, aspects })
  }
  for (const constraint of added) changes.push({ kind: "add-constraint", table, constraint })
  return changes
}

function diffTable(
  before: Table,
  after: Table,
  key: NameKey,
  hints: RenameHints | undefined,
  renames: Renames,
): BareChange[] {
  const changes = [...diffColumns(before, after, key, hints), ...diffConstraints(before, after, key, renames)]
  const was = plainOptions(before)
  const now = plainOptions(after)
  const removedOptions = was.filter((o) => !now.includes(o))
  const addedOptions = now.filter((o) => !was.includes(o))
  if (removedOptions.length + addedOptions.length > 0)
    changes.push({ kind: "alter-table", before, after, removedOptions, addedOptions })
  return changes
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
  const renamer: Renames =
    tableMoves.size === 0 && [...columnMoves.values()].every((m) => m.size === 0)
      ? noRenames
      : {
          table: (name) => tableMoves.get(key(name)) ?? name,
          column: (table, column) => columnMoves.get(key(table))?.get(key(column)) ?? column,
        }
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
    changes.push(...diffTable(old, table, key, renames, renamer))
  }
  const objectId = (o: SchemaObject) => `${o.kind}:${key(o.name)}`
  const fromObjects = new Map(from.objects.map((o) => [objectId(o), o]))
  const toObjects = new Map(to.objects.map((o) => [objectId(o), o]))
  const tableOf = (o: SchemaObject) => o.table ?? ""
  for (const index of from.objects)
    if (index.kind === "index" && !toObjects.has(objectId(index)))
      changes.push({ kind: "drop-index", table: tableOf(index), index })
  for (const index of to.objects) {
    if (index.kind !== "index") continue
    const old = fromObjects.get(objectId(index))
    if (!old) changes.push({ kind: "add-index", table: tableOf(index), index })
    else if (old.key !== index.key)
      changes.push({ kind: "alter-index", table: tableOf(index), before: old, after: index })
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
