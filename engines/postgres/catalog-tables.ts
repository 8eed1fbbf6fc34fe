/**
 * catalog-tables: PostgreSQL tables read from the catalog into the normalized model: pg_class,
 * pg_attribute, pg_attrdef, pg_constraint, pg_sequence, pg_inherits, pg_partitioned_table and
 * pg_description (https://www.postgresql.org/docs/current/catalogs.html), with the text forms of
 * format_type, pg_get_expr, pg_get_constraintdef and pg_get_partkeydef
 * (https://www.postgresql.org/docs/current/functions-info.html). Spellings that mean the same table
 * read the same: default constraint names are dropped, a serial column and its hand-written
 * equivalent (sequence, nextval default, OWNED BY) both become `extra.serial`.
 */
import type {
  CheckConstraint,
  Column,
  ForeignKey,
  ReferentialAction,
  Table,
  UniqueConstraint,
} from "../../model.ts"
import { notExtensionMember, parseJson, userNamespace } from "./catalog-filter.ts"
import { stripParens } from "./sql-text.ts"
import { defaultNames, modelName, quoteIdent, quoteLiteral, quoteName } from "./names.ts"
import { renderTable } from "./render.ts"
import { type SequenceRow, sequenceClauses } from "./sequence-options.ts"
import { inheritsOption, partitionOption } from "./table-options.ts"
import type { PgSession } from "./session.ts"

interface TableRow {
  oid: string
  schema: string
  name: string
  kind: string
  persistence: string
  partkey: string | null
  bound: string | null
  parents: string
  reloptions: string | null
  comment: string | null
  rls: boolean
  forcerls: boolean
  /** pg_class.relreplident: d (default), n (nothing), f (full), i (index). */
  replident: string
  replindex: string | null
}

interface ColumnRow extends Partial<SequenceRow> {
  rel: string
  name: string
  type: string
  notnull: boolean
  default: string | null
  identity: string
  generated: string
  collation: string | null
  comment: string | null
  /** The column comes from a parent (INHERITS or PARTITION OF), whether or not it is declared here too. */
  inherited: boolean
  /** The sequence owned by this column (serial or identity), when there is one. */
  seq_name: string | null
  /** True when the default is exactly `nextval('<owned sequence>'::regclass)`. */
  serial_default: boolean
  seq_oid: string | null
}

interface ConstraintRow {
  rel: string
  name: string
  type: string
  def: string
  columns: string
  ref_schema: string | null
  ref_table: string | null
  ref_columns: string
  on_update: string
  on_delete: string
  match: string
  deferrable: boolean
  deferred: boolean
  validated: boolean
}

const userTable = (c: string, n: string) =>
  `${c}.relkind IN ('r', 'p') AND ${userNamespace(n)} AND ${notExtensionMember("pg_class", `${c}.oid`)}`

// pg_class, pg_inherits, pg_partitioned_table (via pg_get_partkeydef), pg_description (obj_description).
const tablesQuery = `
SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
  c.relpersistence::text AS persistence,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
  array_to_json(ARRAY(
    SELECT json_build_array(pn.nspname, p.relname) FROM pg_inherits i
    JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE i.inhrelid = c.oid ORDER BY i.inhseqno))::text AS parents,
  array_to_json(c.reloptions)::text AS reloptions,
  obj_description(c.oid, 'pg_class') AS comment,
  c.relrowsecurity AS rls, c.relforcerowsecurity AS forcerls, c.relreplident::text AS replident,
  (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident) AS replindex
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${userTable("c", "n")}`

// pg_attribute, pg_attrdef, pg_collation, pg_depend (deptype 'a' = serial OWNED BY, 'i' = identity), pg_sequence.
const columnsQuery = `
SELECT a.attrelid::int8::text AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull AS notnull, pg_get_expr(ad.adbin, ad.adrelid) AS default,
  a.attidentity::text AS identity, a.attgenerated::text AS generated,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
    CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
  END AS collation,
  col_description(a.attrelid, a.attnum) AS comment, a.attinhcount > 0 AS inherited,
  sq.relname AS seq_name, sq.oid::int8::text AS seq_oid,
  (sq.oid IS NOT NULL AND pg_get_expr(ad.adbin, ad.adrelid) = 'nextval(' || quote_literal(sq.oid::regclass::text) || '::regclass)') AS serial_default,
  format_type(s.seqtypid, NULL) AS type_of_seq, s.seqstart::text AS start, s.seqincrement::text AS increment,
  s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN LATERAL (
  SELECT q.oid, q.relname FROM pg_depend d JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'
  WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
    AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  ORDER BY d.deptype DESC, q.oid LIMIT 1) sq ON true
LEFT JOIN pg_sequence s ON s.seqrelid = sq.oid
WHERE ${userTable("c", "n")} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

// pg_constraint; contype 'n' (NOT NULL, PostgreSQL 18) is read as Column.notNull, 't' as a trigger.
// Constraints cloned onto partitions (conparentid <> 0) or inherited are their parent's.
const constraintsQuery = `
SELECT co.conrelid::int8::text AS rel, co.conname AS name, co.contype::text AS type,
  pg_get_constraintdef(co.oid, true) AS def,
  array_to_json(ARRAY(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(num, ord)
    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num ORDER BY k.ord))::text AS columns,
  rn.nspname AS ref_schema, r.relname AS ref_table,
  array_to_json(ARRAY(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(num, ord)
    JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY k.ord))::text AS ref_columns,
  co.confupdtype::text AS on_update, co.confdeltype::text AS on_delete, co.confmatchtype::text AS match,
  co.condeferrable AS deferrable, co.condeferred AS deferred, co.convalidated AS validated
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class r ON r.oid = co.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE ${userTable("c", "n")} AND co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conparentid = 0 AND co.conislocal
ORDER BY co.conrelid, co.conname`

const actions: Record<string, ReferentialAction> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
}

/** The sequence rows of a column's owned sequence, when the query found one. */
const sequenceOf = (row: ColumnRow & { type_of_seq?: string | null }): SequenceRow | undefined =>
  row.start == null
    ? undefined
    : {
        type: row.type_of_seq ?? "bigint",
        start: row.start,
        increment: row.increment ?? "1",
        min: row.min ?? "1",
        max: row.max ?? "0",
        cache: row.cache ?? "1",
        cycle: row.cycle ?? false,
      }

function readColumn(row: ColumnRow & { type_of_seq?: string | null }, schema: string): Column {
  const extra: Record<string, string> = {}
  const sequence = sequenceOf(row)
  let value = row.default ?? undefined
  if (row.identity === "a" || row.identity === "d") {
    const clauses = sequence ? sequenceClauses(sequence, row.type) : []
    extra.identity = `${row.identity === "a" ? "ALWAYS" : "BY DEFAULT"}${clauses.length > 0 ? ` (${clauses.join(" ")})` : ""}`
  } else if (row.serial_default && row.seq_name !== null) {
    // serial and "integer DEFAULT nextval(...) + OWNED BY" are one column; the sequence is part of it.
    const clauses = sequence ? sequenceClauses(sequence, row.type, true) : []
    extra.serial = [quoteName(modelName(schema, row.seq_name)), ...clauses].join(" ")
    value = undefined
  }
  if (row.comment !== null) extra.comment = row.comment
  const generated = row.generated === "s" || row.generated === "v"
  return {
    name: row.name,
    type: row.type,
    notNull: row.notnull,
    default: generated ? undefined : value,
    collation: row.collation ?? undefined,
    generated: generated
      ? { expression: stripParens(row.default ?? ""), stored: row.generated === "s" }
      : undefined,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
  }
}

/** `CHECK (a > 0) NOT VALID` -> `a > 0`: validity is read on its own (pg_constraint.convalidated). */
export function checkExpression(def: string): string {
  // `CHECK (a > 0) NO INHERIT` keeps its parentheses, so render.ts can write the suffix after them.
  return stripParens(def.replace(/^CHECK\s*/, "").replace(/\s+NOT VALID$/, ""))
}

/**
 * Whether an inherited column is exactly its parent's: the same default, NOT NULL, collation and
 * generation, and no comment of its own. Declaring such a column in the child too (a merged column)
 * changes nothing a schema compares.
 */
const sameInheritedColumn = (child: ColumnRow, parent: ColumnRow) =>
  child.type === parent.type &&
  child.notnull === parent.notnull &&
  child.default === parent.default &&
  child.collation === parent.collation &&
  child.generated === parent.generated &&
  child.comment === null

const named = (name: string, fallback: string) => (name === fallback ? undefined : name)

export interface TableCatalog {
  readonly tables: Table[]
  /** Model name of every table by pg_class oid. */
  readonly names: Map<string, string>
  /** Sequences folded into serial columns: not objects of their own. */
  readonly serialSequences: Set<string>
}

export async function readTables(session: PgSession): Promise<TableCatalog> {
  const [tableRows, columnRows, constraintRows] = await Promise.all([
    session.query<TableRow>(tablesQuery),
    session.query<ColumnRow & { type_of_seq?: string | null }>(columnsQuery),
    session.query<ConstraintRow>(constraintsQuery),
  ])
  const names = new Map(tableRows.map((r) => [r.oid, modelName(r.schema, r.name)]))
  const serialSequences = new Set<string>()
  const oids = new Map([...names].map(([oid, name]) => [name, oid]))
  const rowsOf = new Map<string, ColumnRow[]>()
  for (const row of columnRows) rowsOf.set(row.rel, [...(rowsOf.get(row.rel) ?? []), row])
  const parentsOf = (row: TableRow) =>
    parseJson<Array<[string, string]>>(row.parents).map(([s, n]) => modelName(s, n))
  const columnsOf = new Map<string, Column[]>()
  for (const table of tableRows) {
    const parentRows = parentsOf(table).flatMap((p) => rowsOf.get(oids.get(p) ?? "") ?? [])
    const columns: Column[] = []
    for (const row of rowsOf.get(table.oid) ?? []) {
      // A column that comes from a parent is the parent's, unless this table changes it (a default
      // or NOT NULL of its own, a comment): then it is listed here, with what it changes.
      const parent = row.inherited ? parentRows.find((r) => r.name === row.name) : undefined
      if (parent && sameInheritedColumn(row, parent)) continue
      const column = readColumn(row, table.schema)
      if (column.extra?.serial !== undefined && row.seq_oid !== null) serialSequences.add(row.seq_oid)
      columns.push(column)
    }
    columnsOf.set(table.oid, columns)
  }
  const tables = tableRows.map((row): Table => {
    const own = constraintRows.filter((c) => c.rel === row.oid)
    const options: string[] = []
    let primaryKey: Table["primaryKey"]
    const uniques: UniqueConstraint[] = []
    const checks: CheckConstraint[] = []
    const foreignKeys: ForeignKey[] = []
    for (const c of own) {
      const columns = parseJson<string[]>(c.columns)
      const list = columns.map(quoteIdent).join(", ")
      if (c.type === "p") {
        primaryKey = {
          name: named(c.name, defaultNames.primaryKey(row.name)),
          columns,
          autoincrement: false,
        }
      } else if (c.type === "u") {
        const name = named(c.name, defaultNames.unique(row.name, columns))
        // NULLS NOT DISTINCT, INCLUDE, DEFERRABLE...: kept whole, since UniqueConstraint has no place for them.
        if (c.def === `UNIQUE (${list})`) uniques.push({ name, columns })
        else options.push(`${name ? `CONSTRAINT ${quoteIdent(name)} ` : ""}${c.def}`)
      } else if (c.type === "c") {
        checks.push({
          name: named(c.name, defaultNames.check(row.name, columns)),
          expression: checkExpression(c.def),
          valid: c.validated ? undefined : false,
        })
      } else if (c.type === "x") {
        const name = named(c.name, defaultNames.exclusion(row.name, columns))
        options.push(`${name ? `CONSTRAINT ${quoteIdent(name)} ` : ""}${c.def}`)
      } else if (c.type === "f") {
        foreignKeys.push({
          name: named(c.name, defaultNames.foreignKey(row.name, columns)),
          columns,
          table: modelName(c.ref_schema ?? "public", c.ref_table ?? ""),
          referencedColumns: parseJson<string[]>(c.ref_columns),
          onDelete: actions[c.on_delete] ?? "NO ACTION",
          onUpdate: actions[c.on_update] ?? "NO ACTION",
          deferrable: c.deferrable,
          initiallyDeferred: c.deferred,
          match: c.match === "f" ? "FULL" : undefined,
          valid: c.validated ? undefined : false,
        })
      }
    }
    if (row.persistence === "u") options.push("UNLOGGED")
    if (row.partkey !== null) options.push(`PARTITION BY ${row.partkey}`)
    const parents = parentsOf(row)
    const partitionOf = row.bound !== null ? parents[0] : undefined
    if (partitionOf !== undefined) options.push(partitionOption(partitionOf, row.bound ?? ""))
    else if (parents.length > 0) options.push(inheritsOption(parents))
    const reloptions = parseJson<string[] | null>(row.reloptions)
    if (reloptions && reloptions.length > 0) options.push(`WITH (${[...reloptions].sort().join(", ")})`)
    if (row.comment !== null) options.push(`COMMENT ${quoteLiteral(row.comment)}`)
    if (row.rls) options.push("ROW LEVEL SECURITY")
    if (row.forcerls) options.push("FORCE ROW LEVEL SECURITY")
    // REPLICA IDENTITY (https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY);
    // USING INDEX whose index is gone acts as NOTHING.
    if (row.replident === "f") options.push("REPLICA IDENTITY FULL")
    else if (row.replident === "n" || (row.replident === "i" && row.replindex === null))
      options.push("REPLICA IDENTITY NOTHING")
    else if (row.replident === "i" && row.replindex !== null)
      options.push(`REPLICA IDENTITY USING INDEX ${quoteIdent(row.replindex)}`)
    const table: Table = {
      name: modelName(row.schema, row.name),
      columns: columnsOf.get(row.oid) ?? [],
      primaryKey,
      uniques: uniques.sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
      checks: checks.sort((a, b) =>
        `${a.name ?? ""}:${a.expression}`.localeCompare(`${b.name ?? ""}:${b.expression}`),
      ),
      foreignKeys: foreignKeys.sort((a, b) =>
        `${a.columns.join()}>${a.table}`.localeCompare(`${b.columns.join()}>${b.table}`),
      ),
      options: options.sort(),
      definition: "",
    }
    return { ...table, definition: renderTable(table) }
  })
  return { tables: tables.sort((a, b) => a.name.localeCompare(b.name)), names, serialSequences }
}
