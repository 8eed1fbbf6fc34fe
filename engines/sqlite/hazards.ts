/**
 * hazards: how SQLite writes the conditions of model/hazards.ts, and what a column's type change
 * does to its values here. SQLite enforces no declared length and converts values by the affinity
 * of the column they are copied into (https://www.sqlite.org/datatype3.html#type_affinity): text
 * that reads as a number becomes one under INTEGER, NUMERIC or REAL affinity, an integral REAL
 * becomes an INTEGER under INTEGER or NUMERIC, an integer becomes a REAL under REAL, and numbers
 * become text under TEXT. A rebuild copies every row into the new table, so those rows come out
 * with other values; nothing is refused (outside STRICT tables). Pure.
 */
import type { Column } from "../../model.ts"
import { standardHazardRules, type HazardRules, type ValueHazard } from "../../model/hazards.ts"
import { quoteName, sqliteDialect } from "./lexer.ts"

type Affinity = "INTEGER" | "TEXT" | "BLOB" | "REAL" | "NUMERIC"

/** A declared type's affinity, by the five rules of the datatype page, in their order. */
export function affinity(type: string): Affinity {
  const t = type.toUpperCase()
  if (t.includes("INT")) return "INTEGER"
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "TEXT"
  if (t.includes("BLOB") || t.trim() === "") return "BLOB"
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "REAL"
  return "NUMERIC"
}

const declaredLength = (type: string) => {
  const m = /\(\s*(\d+)\s*\)/.exec(type)
  return m ? Number(m[1]) : undefined
}

/** The rows whose values a copy into the new type changes, and declared lengths SQLite only records. */
function typeChange(before: Column, after: Column, column: string): ValueHazard[] {
  const from = affinity(before.type)
  const to = affinity(after.type)
  if (from === to) {
    const limit = declaredLength(after.type)
    const old = declaredLength(before.type)
    if (to !== "TEXT" || limit === undefined || (old !== undefined && old <= limit)) return []
    return [
      {
        condition: `length(${column}) > ${limit}`,
        enforced: false,
        breaking: [`'${"x".repeat(limit + 1)}'`],
        fitting: [1, 2, 3].map((n) => `'${String(n).slice(0, Math.max(1, limit))}'`),
      },
    ]
  }
  const numericText = `(typeof(${column}) = 'text' AND CAST(${column} AS NUMERIC) = ${column})`
  const integralReal = `(typeof(${column}) = 'real' AND ${column} = CAST(${column} AS INTEGER))`
  const parts: Array<{ condition: string; breaking: string }> = []
  if (to === "INTEGER" || to === "NUMERIC") {
    if (from === "TEXT" || from === "BLOB") parts.push({ condition: numericText, breaking: "'12'" })
    if (from === "REAL" || from === "BLOB") parts.push({ condition: integralReal, breaking: "2.0" })
  } else if (to === "REAL") {
    if (from === "TEXT" || from === "BLOB") parts.push({ condition: numericText, breaking: "'12'" })
    parts.push({ condition: `typeof(${column}) = 'integer'`, breaking: "12" })
  } else if (to === "TEXT") {
    parts.push({ condition: `typeof(${column}) IN ('integer', 'real')`, breaking: "12" })
  }
  if (parts.length === 0) return []
  return [
    {
      condition:
        parts.length === 1
          ? (parts[0] as { condition: string }).condition
          : parts.map((p) => p.condition).join(" OR "),
      enforced: false,
      breaking: parts.map((p) => p.breaking),
      fitting: [],
    },
  ]
}

export const sqliteHazardRules: HazardRules = {
  ...standardHazardRules,
  lexer: sqliteDialect,
  quoteTable: (name) => quoteName(name),
  quoteColumn: (name) => quoteName(name),
  charLength: (expr) => `length(${expr})`,
  byteLength: (expr) => `length(CAST(${expr} AS BLOB))`,
  distinct: (a, b) => `${a} IS NOT ${b}`,
  asText: (expr) => `CAST(${expr} AS TEXT)`,
  typeChange,
}
