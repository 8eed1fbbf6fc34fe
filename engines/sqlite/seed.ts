/**
 * seed: how SQLite takes the synthesized rows of engines/seed.ts's loop. Values follow each column's type
 * affinity (https://www.sqlite.org/datatype3.html#determination_of_column_affinity), foreign keys
 * point at rows seeded in the parent, and a CHECK that rejects the first guess is answered with the
 * literals the check itself names. A table no guess satisfies is reported, not failed.
 */
import type { Database as BunDatabase, SQLQueryBindings } from "bun:sqlite"
import type { Column, Schema, Table } from "../../model.ts"
import { foldCase } from "../../model/names.ts"
import type { SeedConditions, SeedReport } from "../engine.ts"
import { type Candidate as Of, DEFAULT, type RowWriter, seedRows as seedInto } from "../seed.ts"
import { quoteName, significant, tokenize, unquote } from "./lexer.ts"

/** SQL text placed as is (a literal a hazard names). */
interface Raw {
  readonly sql: string
}
type Value = string | number | bigint | Uint8Array | null | Raw
type Candidate = Of<Value>

const isRaw = (v: Value): v is Raw => v !== null && typeof v === "object" && !(v instanceof Uint8Array)

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

/** How SQLite takes synthesized rows: values bound as parameters, DEFAULT VALUES for an empty row. */
function writer(db: BunDatabase): RowWriter<Value> {
  return {
    parentRows: async (_table, fk) => {
      const cols = fk.referencedColumns.map((c) => quoteName(c)).join(", ")
      return db
        .query<Record<string, Value>, []>(`SELECT ${cols} FROM ${quoteName(fk.table)}`)
        .values() as Value[][]
    },
    fillsItself: (c) => c.generated !== undefined,
    guess: (_table, column, row) => guess(column, row),
    alternatives: (table, column, row) => candidates(table, column, row).slice(1),
    selfReference: "copy",
    nullValue: null,
    raw: (sql) => ({ sql }),
    insert: async (table, used) => {
      const sql =
        used.length === 0
          ? `INSERT INTO ${quoteName(table.name)} DEFAULT VALUES`
          : `INSERT INTO ${quoteName(table.name)} (${used.map(([k]) => quoteName(k)).join(", ")}) VALUES (${used.map(([, v]) => (isRaw(v) ? v.sql : "?")).join(", ")})`
      db.query(sql).run(...(used.flatMap(([, v]) => (isRaw(v) ? [] : [v])) as SQLQueryBindings[]))
    },
    count: async (sql) => Number(db.query(sql).values()[0]?.[0] ?? 0),
    ...transactionOn(db),
  }
}

/** BEGIN, COMMIT and ROLLBACK on a connection (a ROLLBACK with no transaction open does nothing). */
export const transactionOn = (db: BunDatabase) => ({
  begin: async () => {
    db.run("BEGIN")
  },
  commit: async () => {
    db.run("COMMIT")
  },
  rollback: async () => {
    if (db.inTransaction) db.run("ROLLBACK")
  },
})

export const seedRows = (db: BunDatabase, schema: Schema, conditions?: SeedConditions): Promise<SeedReport> =>
  seedInto(schema, writer(db), foldCase, conditions)
