/**
 * seed: synthesized rows for every table of a MySQL/MariaDB schema, so verification proves that a
 * migration keeps data and not merely that it reaches the right shape. Values follow each column's
 * type (https://dev.mysql.com/doc/refman/8.0/en/data-types.html: ENUM/SET members, JSON, temporal,
 * DECIMAL scale, BIT width, binary strings, spatial), foreign keys point at rows seeded in the
 * parent, each row differs from the others (unique keys), and a CHECK that rejects the first guess
 * is answered with the literals the check itself names. A table no guess satisfies is reported,
 * not failed. Holds no resources: it runs on the caller's connection.
 */
import type { Column, Schema, Table } from "../../model.ts"
import type { SeedReport } from "../engine.ts"
import { parentsFirst } from "./planner.ts"
import { quoteName, quoteString, skipQuoted, splitTopLevel } from "./lexer.ts"

const ROWS = 3

/** SQL text placed as is (spatial values have no parameter form). */
interface Raw {
  readonly sql: string
}
export type Value = string | number | Buffer | null | Raw
const DEFAULT = Symbol("default")
type Candidate = Value | typeof DEFAULT

export type Execute = (sql: string, params: ReadonlyArray<unknown>) => Promise<unknown>
export type Select = (sql: string) => Promise<ReadonlyArray<ReadonlyArray<unknown>>>

/** The members of `ENUM('a','b')` / `SET('x','y')`. */
export function members(type: string): string[] {
  const open = type.indexOf("(")
  return splitTopLevel(type.slice(open + 1, type.lastIndexOf(")"))).map((m) =>
    m.slice(1, -1).replaceAll("''", "'").replaceAll("\\\\", "\\"),
  )
}

const size = (type: string) => {
  const m = /\(\s*(\d+)(?:\s*,\s*(\d+))?\s*\)/.exec(type)
  return m ? { length: Number(m[1]), scale: m[2] === undefined ? 0 : Number(m[2]) } : undefined
}

export function guess(column: Column, row: number): Value {
  const type = column.type.toUpperCase()
  const n = row + 1
  const base = type.split(/[\s(]/)[0] ?? ""
  switch (base) {
    case "BOOL":
    case "BOOLEAN":
      return row % 2
    case "TINYINT":
      return /^TINYINT\(1\)/.test(type) ? row % 2 : n
    case "SMALLINT":
    case "MEDIUMINT":
    case "INT":
    case "INTEGER":
    case "BIGINT":
      return n
    case "BIT": {
      const width = size(type)?.length ?? 1
      return width >= 2 ? n : row % 2
    }
    case "DECIMAL":
    case "NUMERIC":
    case "DEC":
    case "FIXED": {
      const s = size(type)
      const scale = s?.scale ?? 0
      const whole = (s?.length ?? 10) - scale
      if (whole <= 0) return `0.${String(n).padStart(scale, "0")}`
      return scale > 0 ? `${n}.${"5".padEnd(scale, "0")}` : `${n}`
    }
    case "FLOAT":
    case "DOUBLE":
    case "REAL":
      return n + 0.5
    case "YEAR":
      return 2000 + n
    case "DATE":
      return `2024-01-0${n}`
    case "DATETIME":
    case "TIMESTAMP":
      return `2024-01-0${n} 12:00:0${n}`
    case "TIME":
      return `12:00:0${n}`
    case "JSON":
      return `{"n": ${n}}`
    case "ENUM":
    case "SET": {
      const list = members(column.type)
      return list[row % Math.max(1, list.length)] ?? ""
    }
    case "BINARY":
    case "VARBINARY":
    case "TINYBLOB":
    case "BLOB":
    case "MEDIUMBLOB":
    case "LONGBLOB":
      return Buffer.from([n])
    case "POINT":
    case "GEOMETRY":
      return { sql: `ST_GeomFromText('POINT(${n} ${n})')` }
    case "LINESTRING":
      return { sql: `ST_GeomFromText('LINESTRING(0 0,${n} ${n})')` }
    case "POLYGON":
      return { sql: `ST_GeomFromText('POLYGON((0 0,${n} 0,${n} ${n},0 0))')` }
    case "MULTIPOINT":
      return { sql: `ST_GeomFromText('MULTIPOINT(${n} ${n})')` }
    default: {
      const text = `${column.name} ${n}`
      const limit = size(type)?.length ?? text.length
      return limit >= text.length ? text : String(n).slice(0, Math.max(1, limit))
    }
  }
}

/** String and number literals of the CHECKs that mention the column: likely the values it accepts. */
export function checkLiterals(table: Table, column: Column): Value[] {
  const expressions = [...table.checks.map((c) => c.expression), column.extra?.check ?? ""]
  const values: Value[] = []
  const mentions = new RegExp(
    `(^|[^A-Za-z0-9_$])\`?${column.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\`?($|[^A-Za-z0-9_$])`,
    "i",
  )
  for (const e of expressions) {
    if (!mentions.test(e)) continue
    for (let i = 0; i < e.length; ) {
      const c = e[i]
      if (c === "'" || c === '"') {
        const end = skipQuoted(e, i)
        values.push(e.slice(i + 1, end - 1).replaceAll(`${c}${c}`, c))
        i = end
        continue
      }
      const num = /^-?\d+(\.\d+)?/.exec(e.slice(i))
      if (num && !/[A-Za-z0-9_$]/.test(e[i - 1] ?? "")) {
        values.push(num[0])
        const v = Number(num[0])
        values.push(String(v + 1))
        i += num[0].length
        continue
      }
      i++
    }
  }
  return values
}

function candidates(table: Table, column: Column, row: number): Candidate[] {
  const list: Candidate[] = [...checkLiterals(table, column), DEFAULT]
  if (!column.notNull) list.push(null)
  list.push(row + 10, `${row + 10}`, "")
  return list
}

const sqlOf = (v: Value) =>
  v !== null && typeof v === "object" && !Buffer.isBuffer(v) ? (v as Raw).sql : "?"

export async function seedRows(execute: Execute, select: Select, schema: Schema): Promise<SeedReport> {
  const seeded: Array<{ table: string; rows: number }> = []
  const skipped: Array<{ table: string; reason: string }> = []
  for (const table of parentsFirst(schema.tables)) {
    const references: Array<{ columns: ReadonlyArray<string>; rows: ReadonlyArray<ReadonlyArray<unknown>> }> =
      []
    for (const fk of table.foreignKeys) {
      if (fk.table === table.name) continue
      const rows = await select(
        `SELECT ${fk.referencedColumns.map(quoteName).join(", ")} FROM ${quoteName(fk.table)}`,
      )
      references.push({ columns: fk.columns, rows })
    }
    const selfRefs = table.foreignKeys.filter((fk) => fk.table === table.name)
    const columns = table.columns.filter((c) => !c.generated)
    let inserted = 0
    let lastError = ""
    const tryInsert = async (values: Map<string, Candidate>) => {
      const used = [...values].filter(([, v]) => v !== DEFAULT) as Array<[string, Value]>
      const sql =
        used.length === 0
          ? `INSERT INTO ${quoteName(table.name)} () VALUES ()`
          : `INSERT INTO ${quoteName(table.name)} (${used.map(([k]) => quoteName(k)).join(", ")}) VALUES (${used.map(([, v]) => sqlOf(v)).join(", ")})`
      const params = used.map(([, v]) => v).filter((v) => sqlOf(v) === "?")
      try {
        await execute(sql, params)
        return true
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error)
        return false
      }
    }
    for (let row = 0; row < ROWS; row++) {
      const base = new Map<string, Candidate>()
      for (const c of columns) base.set(c.name, guess(c, row))
      for (const ref of references) {
        const parentRow = ref.rows[row % Math.max(1, ref.rows.length)]
        ref.columns.forEach((name, i) => base.set(name, parentRow ? ((parentRow[i] as Value) ?? null) : null))
      }
      // A row that points at itself satisfies a self-reference without needing an earlier row.
      for (const fk of selfRefs)
        fk.columns.forEach((name, i) => base.set(name, base.get(fk.referencedColumns[i] ?? "") ?? null))
      let ok = await tryInsert(base)
      // Change one column at a time, keeping the first alternative the server accepts.
      for (const column of columns) {
        if (ok) break
        if (references.some((r) => r.columns.includes(column.name))) continue
        for (const alternative of candidates(table, column, row)) {
          const attempt = new Map(base).set(column.name, alternative)
          if (await tryInsert(attempt)) {
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

/** A value as text that tells types apart, so 1 and '1' do not compare equal. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "null"
  if (Buffer.isBuffer(value)) return `x'${value.toString("hex")}'`
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString("hex")}'`
  if (typeof value === "bigint" || typeof value === "number") return `${value}`
  if (typeof value === "string") return quoteString(value)
  return JSON.stringify(value)
}
