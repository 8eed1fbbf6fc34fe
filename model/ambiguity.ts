/**
 * ambiguity: the parts of a change that a catalog diff cannot decide on its own, where a planner
 * would guess and the user's data depends on the guess: a column or table that may have been
 * renamed (the diff only sees a drop and an add), a type change that can lose values, an enum value
 * removed. Under `strategy = "auto"` any of these sends the change to the model; the list also goes
 * into the prompt. Pure functions over the model; no resources.
 */
import type { Change, Column, Table } from "../model.ts"

/** One undecidable point in a change, with a sentence naming the objects. */
export interface Ambiguity {
  readonly kind: "renamed-column" | "renamed-table" | "lossy-type" | "enum-value-removed"
  /** One sentence naming the objects: "users.name may have been renamed to full_name". */
  readonly detail: string
}

interface ParsedType {
  readonly base: string
  readonly args: ReadonlyArray<number>
  readonly labels: ReadonlyArray<string>
}

/** `VARCHAR(20)` -> base VARCHAR, args [20]; `ENUM('a','b')` -> labels a, b. */
function parseType(type: string): ParsedType {
  const upper = type.trim().toUpperCase()
  const open = upper.indexOf("(")
  const base = (open === -1 ? upper : upper.slice(0, open)).replace(/\s+/g, " ").trim()
  const inside = open === -1 ? "" : type.slice(open + 1, type.lastIndexOf(")"))
  const labels = [...inside.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replace(/''/g, "'"))
  const args =
    labels.length > 0 ? [] : inside.split(",").flatMap((a) => (/^\s*\d+\s*$/.test(a) ? [Number(a)] : []))
  return { base, args, labels }
}

const integers = ["TINYINT", "SMALLINT", "INT2", "MEDIUMINT", "INT", "INTEGER", "INT4", "BIGINT", "INT8"]
const integerRank = (base: string) => {
  const rank = {
    TINYINT: 1,
    SMALLINT: 2,
    INT2: 2,
    MEDIUMINT: 3,
    INT: 4,
    INTEGER: 4,
    INT4: 4,
    BIGINT: 5,
    INT8: 5,
  }
  return (rank as Record<string, number>)[base]
}
const characters =
  /^(N?VARCHAR|CHARACTER VARYING|N?CHAR|CHARACTER|VARCHAR2|TEXT|CLOB|TINYTEXT|MEDIUMTEXT|LONGTEXT)$/
const unboundedText = /^(TEXT|CLOB|LONGTEXT)$/
const floats = ["REAL", "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION"]

/** True when every value of `from` fits `to` unchanged. Unknown pairs count as lossy. */
export function isWidening(from: string, to: string): boolean {
  const a = parseType(from)
  const b = parseType(to)
  if (b.base === "") return true // SQLite: a column without a type keeps any value as it is
  if (a.base === b.base) {
    if (a.labels.length > 0 || b.labels.length > 0) return a.labels.every((l) => b.labels.includes(l))
    if (b.args.length === 0) return true
    return a.args.length > 0 && a.args.every((n, i) => n <= (b.args[i] ?? n))
  }
  if (
    characters.test(a.base) &&
    (unboundedText.test(b.base) || (characters.test(b.base) && b.args.length === 0))
  )
    return true
  const ra = integerRank(a.base)
  const rb = integerRank(b.base)
  if (ra !== undefined && rb !== undefined) return ra <= rb
  if (integers.includes(a.base) && /^(NUMERIC|DECIMAL)$/.test(b.base) && b.args.length === 0) return true
  return floats.includes(a.base) && /^(DOUBLE|DOUBLE PRECISION|FLOAT8)$/.test(b.base)
}

const compatibleTypes = (a: Column, b: Column) =>
  parseType(a.type).base === parseType(b.type).base || isWidening(a.type, b.type)

/** How alike two tables are: shared column names over the larger column count. */
function similarity(a: Table, b: Table): number {
  const names = new Set(a.columns.map((c) => c.name.toLowerCase()))
  const shared = b.columns.filter((c) => names.has(c.name.toLowerCase())).length
  return shared / Math.max(a.columns.length, b.columns.length, 1)
}

const sortedTypes = (t: Table) =>
  t.columns
    .map((c) => parseType(c.type).base)
    .sort()
    .join(",")

/** Labels of a `CREATE TYPE ... AS ENUM (...)` definition. */
function enumLabels(definition: string): ReadonlyArray<string> {
  const open = definition.indexOf("(")
  return open === -1 ? [] : parseType(`ENUM${definition.slice(open)}`).labels
}

/**
 * What in a change a catalog diff cannot decide alone (possible renames, lossy type changes, removed enum
 * values).
 */
export function findAmbiguities(changes: ReadonlyArray<Change>): Ambiguity[] {
  const found: Ambiguity[] = []
  const dropped = changes.flatMap((c) => (c.kind === "drop-table" ? [c.table] : []))
  const created = changes.flatMap((c) => (c.kind === "create-table" ? [c.table] : []))
  for (const old of dropped) {
    const twin = created.find((t) => similarity(old, t) >= 0.5 || sortedTypes(old) === sortedTypes(t))
    if (twin)
      found.push({ kind: "renamed-table", detail: `table ${old.name} may have been renamed to ${twin.name}` })
  }
  // A column dropped beside one added to the same table may be the same column, renamed.
  const added = changes.flatMap((c) => (c.kind === "add-column" ? [c] : []))
  for (const change of changes) {
    if (change.kind === "drop-column") {
      const twin = added.find((a) => a.table === change.table && compatibleTypes(change.column, a.column))
      if (twin)
        found.push({
          kind: "renamed-column",
          detail: `${change.table}.${change.column.name} may have been renamed to ${twin.column.name}`,
        })
    }
    if (
      (change.kind === "alter-column" || change.kind === "rename-column") &&
      change.aspects.includes("type")
    ) {
      const { before, after, table } = change
      const a = parseType(before.type)
      const b = parseType(after.type)
      const removed = a.labels.filter((l) => !b.labels.includes(l))
      if (a.base === b.base && removed.length > 0) {
        found.push({
          kind: "enum-value-removed",
          detail: `${table}.${after.name} loses the value(s) ${removed.map((l) => `'${l}'`).join(", ")}`,
        })
      } else if (!isWidening(before.type, after.type)) {
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
