/**
 * seed: synthesized rows for every table of a schema, so verification can prove that a migration
 * keeps data and not merely that it reaches the right shape. Values follow each column's type
 * affinity (https://www.sqlite.org/datatype3.html#determination_of_column_affinity), foreign keys
 * point at rows seeded in the parent, and a CHECK that rejects the first guess is answered with the
 * literals the check itself names. A table no guess satisfies is reported, not failed.
 */
import type { Database as BunDatabase, SQLQueryBindings } from "bun:sqlite"
import type { Column, Schema, Table } from "../../model.ts"
import type { SeedReport } from "../engine.ts"
import { quoteName, significant, tokenize, unquote } from "./lexer.ts"
import { parentsFirst } from "./planner.ts"

const ROWS = 3
type Value = string | number | bigint | Uint8Array | null
/** Omit the column from the INSERT so its DEFAULT applies. */
const DEFAULT = Symbol("default")
type Candidate = Value | typeof DEFAULT

function guess(column: Column, row: number): Value {
  const type = column.type.toUpperCase()
  const n = row + 1
  if (type.includes("INT")) return n
  if (type.includes("BOOL")) return row % 2
  if (/\bDATE\b/.test(type) && !type.includes("TIME")) return `2024-01-0${n}`
  if (type.includes("DATE") || type.includes("TIME")) return `2024-01-0${n} 12:00:0${n}`
  if (type.includes("JSON")) return `{"n":${n}}`
  if (type.includes("CHAR") || type.includes("CLOB") || type.includes("TEXT")) {
    const size = /\(\s*(\d+)/.exec(type)
    const text = `${column.name} ${n}`
    const limit = size ? Number(size[1]) : text.length
    return limit >= text.length ? text : String(n).slice(0, Math.max(1, limit))
  }
  if (type.includes("BLOB")) return new Uint8Array([n])
  if (type.includes("REAL") || type.includes("FLOA") || type.includes("DOUB")) return n + 0.5
  if (type === "" || type === "ANY") return n
  return n + 0.25
}

/** String and number literals of the CHECKs that mention the column: likely the values it accepts. */
function checkLiterals(table: Table, column: Column): Value[] {
  const values: Value[] = []
  for (const check of table.checks) {
    const tokens = significant(tokenize(check.expression))
    if (
      !tokens.some(
        (t) =>
          (t.kind === "word" || t.kind === "quoted") &&
          unquote(t.text).toLowerCase() === column.name.toLowerCase(),
      )
    )
      continue
    for (const t of tokens) {
      if (t.kind === "string") values.push(t.text.slice(1, -1).replaceAll("''", "'"))
      if (t.kind === "number") values.push(Number(t.text))
    }
  }
  return values
}

function candidates(table: Table, column: Column, row: number): Candidate[] {
  const list: Candidate[] = [guess(column, row), ...checkLiterals(table, column), DEFAULT]
  if (!column.notNull) list.push(null)
  list.push(row, `${row}`, "")
  return list
}

interface Reference {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<Value>>
}

export function seedRows(db: BunDatabase, schema: Schema): SeedReport {
  const seeded: Array<{ table: string; rows: number }> = []
  const skipped: Array<{ table: string; reason: string }> = []
  for (const table of parentsFirst(schema.tables)) {
    const references: Reference[] = table.foreignKeys
      .filter((fk) => fk.table.toLowerCase() !== table.name.toLowerCase() && fk.referencedColumns.length > 0)
      .map((fk) => {
        const cols = fk.referencedColumns.map((c) => quoteName(c)).join(", ")
        const rows = db
          .query<Record<string, Value>, []>(`SELECT ${cols} FROM ${quoteName(fk.table)}`)
          .values() as Value[][]
        return { columns: fk.columns, rows }
      })
    const selfRefs = table.foreignKeys.filter((fk) => fk.table.toLowerCase() === table.name.toLowerCase())
    const columns = table.columns.filter((c) => !c.generated)
    let inserted = 0
    let lastError = ""
    for (let row = 0; row < ROWS; row++) {
      const base = new Map<string, Candidate>()
      for (const c of columns) base.set(c.name, guess(c, row))
      for (const ref of references) {
        const parentRow = ref.rows[row % Math.max(1, ref.rows.length)]
        ref.columns.forEach((name, i) => base.set(name, parentRow ? (parentRow[i] ?? null) : null))
      }
      // A row that points at itself satisfies a self-reference without needing an earlier row.
      for (const fk of selfRefs)
        fk.columns.forEach((name, i) => base.set(name, base.get(fk.referencedColumns[i] ?? "") ?? null))
      const tryInsert = (values: Map<string, Candidate>): boolean => {
        const used = [...values].filter(([, v]) => v !== DEFAULT) as Array<[string, Value]>
        const sql =
          used.length === 0
            ? `INSERT INTO ${quoteName(table.name)} DEFAULT VALUES`
            : `INSERT INTO ${quoteName(table.name)} (${used.map(([k]) => quoteName(k)).join(", ")}) VALUES (${used.map(() => "?").join(", ")})`
        try {
          db.query(sql).run(...(used.map(([, v]) => v) as SQLQueryBindings[]))
          return true
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error)
          return false
        }
      }
      let ok = tryInsert(base)
      // Change one column at a time, keeping each change that the database accepted a step further.
      for (const column of columns) {
        if (ok) break
        if (references.some((r) => r.columns.includes(column.name))) continue
        for (const alternative of candidates(table, column, row).slice(1)) {
          const attempt = new Map(base).set(column.name, alternative)
          if (tryInsert(attempt)) {
            ok = true
            break
          }
        }
      }
      if (ok) inserted++
    }
    if (inserted > 0) seeded.push({ table: table.name, rows: inserted })
    else skipped.push({ table: table.name, reason: lastError || "no row could be synthesized" })
  }
  return { seeded, skipped }
}
