/**
 * seed: how PostgreSQL takes the synthesized rows of engines/seed.ts's loop. Values are literals cast to
 * the column's own type (so domains, enums and arrays take them), foreign keys take values read back
 * from the parent's rows, a CHECK that rejects the first guess is answered with the literals it names,
 * and identity, serial and generated columns are left to their defaults. Each INSERT runs on its own
 * (no surrounding transaction), so a rejected guess costs nothing. A table no guess satisfies is
 * reported, not failed. `readRows` gives the image of a table that the survival check compares.
 */
import type { Column, Schema, Table } from "../../model.ts"
import type { SeedConditions, SeedReport } from "../engine.ts"
import { DEFAULT, ROWS, type RowWriter, seedRows as seedInto } from "../seed.ts"
import { significant, tokenize } from "./lexer.ts"
import { quoteIdent, quoteLiteral, quoteName } from "./names.ts"
import { enumLabels, parseDomain } from "./plan-types.ts"
import type { PgSession } from "./session.ts"
import { mentionedNames } from "./sql-text.ts"

/** A SQL expression for one value. */
type Value = string

const cast = (text: string, type: string) => `${quoteLiteral(text)}::${type}`

interface Types {
  readonly enums: ReadonlyMap<string, string[]>
  readonly domains: ReadonlyMap<string, { base: string; checks: string[] }>
}

/** A value of `type` for row `n` (1-based) as text, before the cast; undefined when aim has no guess. */
function textFor(type: string, n: number, name: string, types: Types): string | undefined {
  const base = type.replace(/\(.*\)/, "").trim()
  const size = Number(/\((\d+)/.exec(type)?.[1] ?? "0")
  if (["smallint", "integer", "bigint", "oid"].includes(base)) return String(n)
  if (base === "numeric") {
    const scale = Number(/,\s*(\d+)/.exec(type)?.[1] ?? "0")
    return size > 0 && size - scale < 1 ? `0.${n}` : String(n)
  }
  if (base === "real" || base === "double precision") return `${n}.5`
  if (base === "money") return String(n)
  if (
    base === "text" ||
    base === "character varying" ||
    base === "character" ||
    base === "citext" ||
    base === "name"
  ) {
    // Key-like columns hold bare numbers, so text keys of different tables coincide the way integer
    // keys do and a foreign key added later finds its parent rows.
    const text = /(^|_)id$/i.test(name) ? String(n) : `${name} ${n}`
    return size > 0 && size < text.length ? String(n).slice(0, size) : text
  }
  if (base === "boolean") return n % 2 === 1 ? "true" : "false"
  if (base === "date") return `2024-01-0${n}`
  if (base.startsWith("timestamp"))
    return `2024-01-0${n} 12:00:0${n}${base.includes("with time zone") ? "+00" : ""}`
  if (base.startsWith("time")) return `12:00:0${n}`
  if (base === "interval") return `${n} days`
  if (base === "uuid") return `00000000-0000-0000-0000-00000000000${n}`
  if (base === "json" || base === "jsonb") return `{"n": ${n}}`
  if (base === "bytea") return `\\x0${n}`
  if (base === "inet") return `10.0.0.${n}`
  if (base === "cidr") return `10.0.${n}.0/24`
  if (base === "macaddr") return `08:00:2b:01:02:0${n}`
  if (base === "xml") return `<n>${n}</n>`
  if (base === "point") return `(${n},${n})`
  if (base === "tsvector") return `word${n}`
  if (base === "int4range" || base === "int8range" || base === "numrange") return `[${n},${n + 10})`
  if (base === "bit" || base === "bit varying") return "1".repeat(Math.max(1, size))
  const enumLabelsOf = types.enums.get(type)
  if (enumLabelsOf) return enumLabelsOf[0]
  const domain = types.domains.get(type)
  if (domain) return textFor(domain.base, n, name, types)
  return undefined
}

function guess(column: Column, n: number, types: Types): Value | undefined {
  if (column.type.endsWith("[]")) {
    const element = textFor(column.type.slice(0, -2), n, column.name, types)
    return element === undefined ? undefined : cast(`{"${element.replaceAll('"', '\\"')}"}`, column.type)
  }
  const text = textFor(column.type, n, column.name, types)
  return text === undefined ? undefined : cast(text, column.type)
}

/** Literals in the CHECKs that mention the column, and in its domain's checks: likely accepted values. */
function checkLiterals(table: Table, column: Column, types: Types): Value[] {
  const expressions = [
    ...table.checks
      .filter((c) => mentionedNames(c.expression, [column.name]).length > 0)
      .map((c) => c.expression),
    ...(types.domains.get(column.type)?.checks ?? []),
  ]
  const values: Value[] = []
  for (const expression of expressions)
    for (const t of significant(tokenize(expression))) {
      if (t.kind === "string") values.push(cast(t.text.slice(1, -1).replaceAll("''", "'"), column.type))
      if (t.kind === "number")
        values.push(cast(t.text, column.type), cast(String(Number(t.text) + 1), column.type))
    }
  return values
}

/** Columns the database fills itself. */
const selfFilled = (c: Column) =>
  c.generated !== undefined || c.extra?.identity !== undefined || c.extra?.serial !== undefined

function typesOf(schema: Schema): Types {
  const enums = new Map<string, string[]>()
  const domains = new Map<string, { base: string; checks: string[] }>()
  for (const o of schema.objects) {
    if (o.kind === "enum") enums.set(quoteName(o.name), enumLabels(o.definition))
    if (o.kind === "domain") {
      const d = parseDomain(o.definition, o.name)
      domains.set(quoteName(o.name), { base: d.base, checks: d.checks.map((c) => c.sql) })
    }
  }
  return { enums, domains }
}

/** How PostgreSQL takes synthesized rows: literals cast to each column's own type, in SQL text. */
function writer(session: PgSession, types: Types): RowWriter<Value> {
  return {
    parentRows: async (table, fk) => {
      const typeOf = new Map(table.columns.map((c) => [c.name, c.type]))
      const list = fk.referencedColumns.map((c, i) => `${quoteIdent(c)}::text AS c${i}`).join(", ")
      const rows = await session.query<Record<string, string | null>>(
        `SELECT ${list} FROM ${quoteName(fk.table)} WHERE ${fk.referencedColumns.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(" AND ")} LIMIT ${ROWS}`,
      )
      // The parent's values, cast to the referencing columns' types.
      return rows.map((r) =>
        fk.columns.map((name, i) => {
          const text = r[`c${i}`]
          return text === undefined || text === null ? "NULL" : cast(text, typeOf.get(name) ?? "text")
        }),
      )
    },
    fillsItself: selfFilled,
    guess: (_table, c, row) =>
      guess(c, row + 1, types) ?? (c.notNull ? cast(String(row + 1), c.type) : "NULL"),
    alternatives: (table, column, row) => [
      ...checkLiterals(table, column, types),
      ...(types.enums.get(column.type) ?? []).slice(1).map((label) => cast(label, column.type)),
      DEFAULT,
      ...(column.notNull ? [] : ["NULL"]),
      cast(String(row + 1 + ROWS * 10), column.type),
    ],
    selfReference: "null-where-nullable",
    nullValue: "NULL",
    raw: (sql) => sql,
    count: async (sql) => Number((await session.query<{ n: unknown }>(`SELECT (${sql}) AS n`))[0]?.n ?? 0),
    begin: () => session.exec("BEGIN"),
    commit: () => session.exec("COMMIT"),
    rollback: () => session.exec("ROLLBACK"),
    // A partition takes its rows through its parent.
    skip: (table) => table.options.some((o) => o.startsWith("PARTITION OF ")),
    insert: async (table, used) => {
      await session.exec(
        used.length === 0
          ? `INSERT INTO ${quoteName(table.name)} DEFAULT VALUES`
          : `INSERT INTO ${quoteName(table.name)} (${used.map(([k]) => quoteIdent(k)).join(", ")}) VALUES (${used.map(([, v]) => v).join(", ")})`,
      )
    },
  }
}

export const seedRows = (
  session: PgSession,
  schema: Schema,
  conditions?: SeedConditions,
): Promise<SeedReport> => seedInto(schema, writer(session, typesOf(schema)), undefined, conditions)

/**
 * One canonical string per row, sorted: every column cast to text (the type's own output function,
 * the same on every backend) and the row written as a JSON array, so NULL and 'NULL' differ.
 */
export async function readRows(
  session: PgSession,
  table: string,
  columns: ReadonlyArray<string>,
  alongside: ReadonlyArray<string> = [],
): Promise<ReadonlyArray<string>> {
  const list =
    columns.length === 0 ? "1 AS c0" : columns.map((c, i) => `${quoteIdent(c)}::text AS c${i}`).join(", ")
  // A table's own rows, and those of its partitions that no table read alongside accounts for: a
  // child table, or a partition that stays one, is read as itself, so a table that leaves its
  // parent (NO INHERIT, DETACH) or joins one takes its rows along without the parent losing or
  // gaining any; a table that becomes partitioned (or stops being so) keeps its rows through
  // partitions that exist on one side only.
  const others = alongside.filter((t) => t !== table).map((t) => `${quoteLiteral(quoteName(t))}::regclass`)
  const rows = await session.query<Record<string, string | null>>(
    `SELECT ${list} FROM ${quoteName(table)} x WHERE x.tableoid = ${quoteLiteral(quoteName(table))}::regclass${others.length > 0 ? ` OR x.tableoid NOT IN (${others.join(", ")})` : " OR true"}`,
  )
  const width = Math.max(1, columns.length)
  return rows
    .map((r) =>
      JSON.stringify(
        Array.from({ length: width }, (_, i) => (columns.length === 0 ? null : (r[`c${i}`] ?? null))),
      ),
    )
    .sort()
}
