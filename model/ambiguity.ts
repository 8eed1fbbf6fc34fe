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
  /** For a possible rename: the rename it would be. */
  readonly rename?: RenameCandidate | undefined
}

/**
 * A rename the diff cannot see: a column dropped beside a compatible one added to the same table
 * (`table` names the table as it is after), or a table dropped beside a new one with the same columns.
 */
export type RenameCandidate =
  | { readonly kind: "column"; readonly table: string; readonly from: string; readonly to: string }
  | { readonly kind: "table"; readonly from: string; readonly to: string }

/** Two candidates for the same rename (an answer to one decides the other). */
export const sameCandidate = (a: RenameCandidate, b: RenameCandidate) =>
  a.kind === b.kind &&
  a.from === b.from &&
  a.to === b.to &&
  ("table" in a ? a.table : "") === ("table" in b ? b.table : "")

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
 * The renames a change list may hide, each side used once: a dropped table and the first new one
 * that looks like it, a dropped column and the first compatible one added to its table.
 */
export function renameCandidates(
  changes: ReadonlyArray<Change>,
  types: TypeRules = standardTypeRules,
): RenameCandidate[] {
  const found: RenameCandidate[] = []
  const created = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  for (const change of changes) {
    if (change.kind !== "drop-table") continue
    const old = change.table
    const twin = created.find((t) => similarity(old, t) >= 0.5 || sortedTypes(old) === sortedTypes(t))
    if (!twin) continue
    created.splice(created.indexOf(twin), 1)
    found.push({ kind: "table", from: old.name, to: twin.name })
  }
  const added = changes.flatMap((c) => (c.kind === "add-column" ? [c] : []))
  for (const change of changes) {
    if (change.kind !== "drop-column") continue
    const twin = added.find(
      (a) => a.table === change.table && compatibleTypes(change.column, a.column, types),
    )
    if (!twin) continue
    added.splice(added.indexOf(twin), 1)
    found.push({ kind: "column", table: change.table, from: change.column.name, to: twin.column.name })
  }
  return found
}

/** A candidate in a few words: "users.name may have been renamed to full_name". */
export const describeCandidate = (c: RenameCandidate) =>
  c.kind === "table"
    ? `table ${c.from} may have been renamed to ${c.to}`
    : `${c.table}.${c.from} may have been renamed to ${c.to}`

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
 * values). `decided` are rename candidates the user already answered: they are no longer open.
 */
export function findAmbiguities(
  changes: ReadonlyArray<Change>,
  types: TypeRules = standardTypeRules,
  decided: ReadonlyArray<RenameCandidate> = [],
): Ambiguity[] {
  const found: Ambiguity[] = renameCandidates(changes, types)
    .filter((c) => !decided.some((d) => sameCandidate(c, d)))
    .map((rename) => ({
      kind: rename.kind === "table" ? ("renamed-table" as const) : ("renamed-column" as const),
      detail: describeCandidate(rename),
      rename,
    }))
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
