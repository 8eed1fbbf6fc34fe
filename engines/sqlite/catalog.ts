/**
 * catalog: read a SQLite database's catalog into the normalized model. Columns, keys, unique
 * constraints and FK actions come from the pragmas (https://www.sqlite.org/pragma.html: table_list,
 * table_xinfo, index_list, index_info, foreign_key_list); what they do not report comes from the
 * stored CREATE TABLE text (see create-table.ts). Temp objects and SQLite's own tables are left out.
 */
import type { Database as BunDatabase } from "bun:sqlite"
import { foldCase } from "../../model/names.ts"
import type { Column, ForeignKey, ReferentialAction, Schema, SchemaObject, Table } from "../../model.ts"
import { parseCreateTable } from "./create-table.ts"
import { normalizeSql, significant, tokenize, unquote } from "./lexer.ts"
import { stripOuterParens, tidySql } from "./tidy.ts"

interface TableListRow {
  name: string
  type: string
  wr: number | bigint
  strict: number | bigint
}
interface XinfoRow {
  name: string
  type: string
  notnull: number | bigint
  dflt_value: string | null
  pk: number | bigint
  hidden: number | bigint
}
interface IndexListRow {
  name: string
  origin: string
}
interface ForeignKeyRow {
  id: number | bigint
  seq: number | bigint
  table: string
  from: string
  to: string | null
  on_update: string
  on_delete: string
}
interface SchemaRow {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

/** SQLite matches names case-insensitively, folding ASCII letters only. */
const lower = foldCase

/** Names (lower case) that the given SQL mentions, out of `known`. */
export function mentionedNames(sql: string, known: ReadonlySet<string>): string[] {
  const found = new Set<string>()
  for (const token of significant(tokenize(sql))) {
    if (token.kind !== "word" && token.kind !== "quoted") continue
    const name = lower(unquote(token.text))
    if (known.has(name)) found.add(name)
  }
  return [...found].sort()
}

function normalizeDefault(value: string | null): string | undefined {
  if (value === null) return undefined
  return tidySql(stripOuterParens(value))
}

function readTable(db: BunDatabase, row: TableListRow, sql: string): Table {
  const parsed = parseCreateTable(sql)
  const parsedColumns = new Map(parsed.columns.map((c) => [lower(c.name), c]))
  const xinfo = db.query<XinfoRow, [string]>("SELECT * FROM pragma_table_xinfo(?1, 'main')").all(row.name)
  const columns: Column[] = xinfo
    .filter((c) => Number(c.hidden) !== 1)
    .map((c) => {
      const p = parsedColumns.get(lower(c.name))
      return {
        name: c.name,
        type: tidySql(c.type).toUpperCase(),
        notNull: Number(c.notnull) === 1,
        default: normalizeDefault(c.dflt_value),
        collation: p?.collation?.toUpperCase(),
        generated: p?.generated,
        definition: p?.definition,
      }
    })
  const pkColumns = xinfo
    .filter((c) => Number(c.pk) > 0)
    .sort((a, b) => Number(a.pk) - Number(b.pk))
    .map((c) => c.name)

  const uniques = db
    .query<IndexListRow, [string]>("SELECT * FROM pragma_index_list(?1, 'main')")
    .all(row.name)
    .filter((i) => i.origin === "u")
    .map((i) => ({
      columns: db
        .query<{ name: string | null }, [string]>("SELECT * FROM pragma_index_info(?1, 'main')")
        .all(i.name)
        .map((c) => c.name ?? ""),
    }))
    .sort((a, b) => a.columns.join().localeCompare(b.columns.join()))

  const fkRows = db
    .query<ForeignKeyRow, [string]>("SELECT * FROM pragma_foreign_key_list(?1, 'main')")
    .all(row.name)
  const byId = new Map<number, ForeignKeyRow[]>()
  for (const fk of fkRows) byId.set(Number(fk.id), [...(byId.get(Number(fk.id)) ?? []), fk])
  const foreignKeys: ForeignKey[] = [...byId.values()].map((rows) => {
    rows.sort((a, b) => Number(a.seq) - Number(b.seq))
    const first = rows[0] as ForeignKeyRow
    const columns = rows.map((r) => r.from)
    const declared = parsed.foreignKeys.find(
      (f) =>
        lower(f.table) === lower(first.table) && f.columns.map(lower).join() === columns.map(lower).join(),
    )
    return {
      columns,
      table: first.table,
      referencedColumns: rows.every((r) => r.to === null) ? [] : rows.map((r) => r.to ?? ""),
      onDelete: first.on_delete as ReferentialAction,
      onUpdate: first.on_update as ReferentialAction,
      deferrable: declared?.deferrable ?? false,
      initiallyDeferred: declared?.initiallyDeferred ?? false,
    }
  })

  const options: string[] = []
  if (Number(row.strict) === 1) options.push("STRICT")
  if (Number(row.wr) === 1) options.push("WITHOUT ROWID")
  return {
    name: row.name,
    columns,
    primaryKey:
      pkColumns.length > 0 ? { columns: pkColumns, autoincrement: parsed.autoincrement } : undefined,
    uniques,
    checks: [...parsed.checks].sort().map((expression) => ({ expression })),
    foreignKeys,
    options,
    definition: sql,
  }
}

/**
 * `REFERENCES parent` without columns means the parent's primary key; spell it out so both forms
 * compare equal. The parent's name and columns are reported as the REFERENCES clause wrote them
 * (`REFERENCES Users (ID)`), so they take the parent's own spelling, which every other name already has.
 */
function resolveReferences(tables: Table[]): Table[] {
  const byName = new Map(tables.map((t) => [lower(t.name), t]))
  return tables.map((table) => ({
    ...table,
    foreignKeys: table.foreignKeys
      .map((fk) => {
        const parent = byName.get(lower(fk.table))
        if (!parent) return fk
        const spelling = new Map(parent.columns.map((c) => [lower(c.name), c.name]))
        const referenced =
          fk.referencedColumns.length > 0 ? fk.referencedColumns : (parent.primaryKey?.columns ?? [])
        return {
          ...fk,
          table: parent.name,
          referencedColumns: referenced.map((c) => spelling.get(lower(c)) ?? c),
        }
      })
      .sort((a, b) => `${a.columns.join()}>${a.table}`.localeCompare(`${b.columns.join()}>${b.table}`)),
  }))
}

export function readSchema(db: BunDatabase): Schema {
  const version = db.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()?.v ?? "unknown"
  const stored = db
    .query<SchemaRow, []>(
      "SELECT type, name, tbl_name, sql FROM main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .all()
  const sqlOf = new Map(stored.map((r) => [`${r.type}:${r.name}`, r.sql ?? ""]))
  const listed = db
    .query<TableListRow, []>("PRAGMA main.table_list")
    .all()
    .filter((r) => r.type === "table" && !r.name.startsWith("sqlite_"))

  // table_list calls virtual tables "virtual" and their storage "shadow"; only the first are the user's.
  const virtualNames = new Set(
    stored
      .filter((r) => r.type === "table" && /^CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql ?? ""))
      .map((r) => r.name),
  )
  const objects: SchemaObject[] = []
  const tables: Table[] = listed.map((row) => readTable(db, row, sqlOf.get(`table:${row.name}`) ?? ""))
  const known = new Set([
    ...tables.map((t) => lower(t.name)),
    ...stored.filter((r) => r.type === "view").map((r) => lower(r.name)),
  ])
  for (const r of stored) {
    if (r.sql === null) continue
    const kind =
      r.type === "index"
        ? "index"
        : r.type === "view"
          ? "view"
          : r.type === "trigger"
            ? "trigger"
            : virtualNames.has(r.name)
              ? "virtual-table"
              : undefined
    if (kind === undefined) continue
    const dependsOn = mentionedNames(r.sql, known).filter((n) => n !== lower(r.name))
    objects.push({
      kind,
      name: r.name,
      table: kind === "index" || kind === "trigger" ? r.tbl_name : undefined,
      definition: r.sql,
      key: normalizeSql(r.sql),
      dependsOn,
    })
  }
  return {
    engine: "sqlite",
    version,
    caseInsensitiveNames: true,
    tables: resolveReferences(tables).sort((a, b) => a.name.localeCompare(b.name)),
    objects: objects.sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`)),
  }
}
