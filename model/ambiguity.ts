/**
 * ambiguity: the parts of a change that a catalog diff cannot decide on its own, where a planner
 * would guess and the user's data depends on the guess: a column or table that may have been
 * renamed (the diff only sees a drop and an add), a type change that can lose values, an enum value
 * removed. Under `strategy = "auto"` any of these sends the change to the model; the list also goes
 * into the prompt. Type changes are judged with the engine's type rules (model/types.ts), as the
 * narrowing-type-change rule judges them. Pure functions over the model; no resources.
 */
import type { Change, Column, Table } from "../model.ts"
import { classify, enumLabels, isWidening, standardTypeRules, type TypeRules } from "./types.ts"

/** One undecidable point in a change, with a sentence naming the objects. */
export interface Ambiguity {
  readonly kind: "renamed-column" | "renamed-table" | "lossy-type" | "enum-value-removed"
  /** One sentence naming the objects: "users.name may have been renamed to full_name". */
  readonly detail: string
}

/** The type's name without its parameters: VARCHAR(20) and VARCHAR(40) share one. */
const baseOf = (type: string) => type.trim().toUpperCase().replace(/\(.*$/s, "").replace(/\s+/g, " ")

const compatibleTypes = (a: Column, b: Column, types: TypeRules) =>
  baseOf(a.type) === baseOf(b.type) || isWidening(a.type, b.type, types)

/** How alike two tables are: shared column names over the larger column count. */
function similarity(a: Table, b: Table): number {
  const names = new Set(a.columns.map((c) => c.name.toLowerCase()))
  const shared = b.columns.filter((c) => names.has(c.name.toLowerCase())).length
  return shared / Math.max(a.columns.length, b.columns.length, 1)
}

const sortedTypes = (t: Table) =>
  t.columns
    .map((c) => baseOf(c.type))
    .sort()
    .join(",")

/**
 * Columns a change drops beside a column of a compatible type it adds to the same table: maybe one
 * column, renamed (the catalogs cannot tell).
 */
export function columnTwins(
  changes: ReadonlyArray<Change>,
  types: TypeRules = standardTypeRules,
): Array<{ readonly table: string; readonly dropped: Column; readonly added: Column }> {
  const added = changes.flatMap((c) => (c.kind === "add-column" ? [c] : []))
  return changes.flatMap((change) => {
    if (change.kind !== "drop-column") return []
    const twin = added.find(
      (a) => a.table === change.table && compatibleTypes(change.column, a.column, types),
    )
    return twin ? [{ table: change.table, dropped: change.column, added: twin.column }] : []
  })
}

/**
 * What in a change a catalog diff cannot decide alone (possible renames, lossy type changes, removed enum
 * values).
 */
export function findAmbiguities(
  changes: ReadonlyArray<Change>,
  types: TypeRules = standardTypeRules,
): Ambiguity[] {
  const found: Ambiguity[] = []
  const dropped = changes.flatMap((c) => (c.kind === "drop-table" ? [c.table] : []))
  const created = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  for (const old of dropped) {
    const twin = created.find((t) => similarity(old, t) >= 0.5 || sortedTypes(old) === sortedTypes(t))
    if (twin)
      found.push({ kind: "renamed-table", detail: `table ${old.name} may have been renamed to ${twin.name}` })
  }
  // A column dropped beside one added to the same table may be the same column, renamed.
  for (const twin of columnTwins(changes, types))
    found.push({
      kind: "renamed-column",
      detail: `${twin.table}.${twin.dropped.name} may have been renamed to ${twin.added.name}`,
    })
  for (const change of changes) {
    if (
      (change.kind === "alter-column" || change.kind === "rename-column") &&
      change.aspects.includes("type")
    ) {
      const { before, after, table } = change
      const a = classify(before.type, types)
      const b = classify(after.type, types)
      const removed =
        (a.kind === "enum" || a.kind === "set") && a.kind === b.kind
          ? a.labels.filter((l) => !b.labels.includes(l))
          : []
      if (removed.length > 0) {
        found.push({
          kind: "enum-value-removed",
          detail: `${table}.${after.name} loses the value(s) ${removed.map((l) => `'${l}'`).join(", ")}`,
        })
      } else if (!isWidening(before.type, after.type, types)) {
        found.push({
          kind: "lossy-type",
          detail: `${table}.${after.name} changes from ${before.type} to ${after.type}, which may not hold every value`,
        })
      }
    }
    if (change.kind === "replace-object" && change.after.kind === "enum") {
      const after = enumLabels(change.after.definition)
      const removed = enumLabels(change.before.definition).filter((l) => !after.includes(l))
      if (removed.length > 0)
        found.push({
          kind: "enum-value-removed",
          detail: `enum ${change.after.name} loses the value(s) ${removed.map((l) => `'${l}'`).join(", ")}`,
        })
    }
  }
  return found
}
