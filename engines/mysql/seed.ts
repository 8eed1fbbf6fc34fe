/**
 * seed: how MySQL and MariaDB take the synthesized rows of engines/seed.ts's loop. Values follow each column's
 * type (https://dev.mysql.com/doc/refman/8.0/en/data-types.html: ENUM/SET members, JSON, temporal,
 * DECIMAL scale, BIT width, binary strings, spatial), foreign keys point at rows seeded in the
 * parent, each row differs from the others (unique keys), and a CHECK that rejects the first guess
 * is answered with the literals the check itself names. A table no guess satisfies is reported,
 * not failed. Holds no resources: it runs on the caller's connection.
 */
import type { Column, Schema, Table } from "../../model.ts"
import type { SeedConditions, SeedReport } from "../engine.ts"
import { type Candidate as Of, DEFAULT, type RowWriter, seedRows as seedInto } from "../seed.ts"
import { quoteName, quoteString, skipQuoted, splitTopLevel } from "./lexer.ts"

/** SQL text placed as is (spatial values have no parameter form). */
interface Raw {
  readonly sql: string
}
export type Value = string | number | Buffer | null | Raw
type Candidate = Of<Value>

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

/** How MySQL takes synthesized rows: values bound as parameters, raw SQL where a value is a function call. */
function writer(execute: Execute, select: Select): RowWriter<Value> {
  return {
    parentRows: (_table, fk) =>
      select(
        `SELECT ${fk.referencedColumns.map(quoteName).join(", ")} FROM ${quoteName(fk.table)}`,
      ) as Promise<ReadonlyArray<ReadonlyArray<Value>>>,
    fillsItself: (c) => c.generated !== undefined,
    guess: (_table, column, row) => guess(column, row),
    alternatives: (table, column, row) => candidates(table, column, row),
    selfReference: "copy",
    nullValue: null,
    raw: (sql) => ({ sql }),
    count: async (sql) => Number((await select(sql))[0]?.[0] ?? 0),
    begin: async () => {
      await execute("START TRANSACTION", [])
    },
    commit: async () => {
      await execute("COMMIT", [])
    },
    rollback: async () => {
      await execute("ROLLBACK", [])
    },
    insert: async (table, used) => {
      const sql =
        used.length === 0
          ? `INSERT INTO ${quoteName(table.name)} () VALUES ()`
          : `INSERT INTO ${quoteName(table.name)} (${used.map(([k]) => quoteName(k)).join(", ")}) VALUES (${used.map(([, v]) => sqlOf(v)).join(", ")})`
      await execute(
        sql,
        used.map(([, v]) => v).filter((v) => sqlOf(v) === "?"),
      )
    },
  }
}

export const seedRows = (
  execute: Execute,
  select: Select,
  schema: Schema,
  conditions?: SeedConditions,
): Promise<SeedReport> => seedInto(schema, writer(execute, select), undefined, conditions)

/** A value as text that tells types apart, so 1 and '1' do not compare equal. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "null"
  if (Buffer.isBuffer(value)) return `x'${value.toString("hex")}'`
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString("hex")}'`
  if (typeof value === "bigint" || typeof value === "number") return `${value}`
  if (typeof value === "string") return quoteString(value)
  return JSON.stringify(value)
}
