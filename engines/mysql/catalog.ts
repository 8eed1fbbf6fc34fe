/**
 * catalog: a MySQL or MariaDB database's catalog in the normalized model. `readCatalog` runs the
 * queries (information_schema, https://dev.mysql.com/doc/refman/8.0/en/information-schema.html and
 * https://mariadb.com/kb/en/information-schema-tables/, plus SHOW CREATE TABLE/VIEW/PROCEDURE/
 * FUNCTION/EVENT) and returns plain rows; `normalizeCatalog` is pure, so what MySQL prints that
 * MariaDB does not (and back) is unit-tested on captured rows. Folded away: AUTO_INCREMENT=n,
 * DEFINER, default ALGORITHM/SQL SECURITY, creation-time STARTS of events, default constraint names,
 * the two spellings of literal and CURRENT_TIMESTAMP defaults, MariaDB's JSON-as-LONGTEXT check.
 * Holds no resources: the caller passes a query function bound to one connection.
 */
import type {
  CheckConstraint,
  Column,
  ForeignKey,
  ReferentialAction,
  Schema,
  SchemaObject,
  Table,
} from "../../model.ts"
import type { Flavor } from "./flavor.ts"
import {
  backtickedNames,
  keyParts,
  matchingParen,
  normalizeExpression,
  quoteName,
  quoteString,
  splitTopLevel,
  stripOuterParens,
  tidy,
  unquotePlainNames,
  upperOutsideQuotes,
} from "./lexer.ts"
import { asWrittenTable, type DatabaseDefaults, layoutView } from "./as-written.ts"

export interface TableRow {
  readonly name: string
  readonly collation: string | null
  readonly createTable: string
}
export interface ColumnRow {
  readonly table: string
  readonly name: string
  readonly position: number
  readonly columnType: string
  readonly dataType: string
  readonly nullable: boolean
  readonly default: string | null
  readonly extra: string
  readonly charset: string | null
  readonly collation: string | null
  readonly generation: string | null
  readonly comment: string
}
export interface CheckRow {
  readonly table: string
  readonly name: string
  readonly clause: string
  /** MariaDB only: a CHECK written on a column (`a INT CHECK (a > 0)`) is "Column". */
  readonly level?: "Column" | "Table" | undefined
}
export interface ForeignKeyRow {
  readonly table: string
  readonly name: string
  readonly column: string
  readonly position: number
  readonly referencedTable: string
  readonly referencedColumn: string
  readonly onUpdate: string
  readonly onDelete: string
}
export interface TriggerRow {
  readonly name: string
  readonly table: string
  readonly timing: string
  readonly event: string
  readonly order: number
  readonly statement: string
}
export interface RoutineRow {
  readonly name: string
  readonly kind: "PROCEDURE" | "FUNCTION"
  readonly create: string
}
export interface EventRow {
  readonly name: string
  readonly create: string
  readonly starts: string | null
  readonly created: string | null
}
export interface ViewRow {
  readonly name: string
  readonly create: string
}

/** Everything the normalizer needs, as the server returned it. */
export interface CatalogRows {
  readonly version: string
  readonly database: string
  /** The database's default charset, collation and storage engine (absent in rows captured before they were read). */
  readonly defaults?: DatabaseDefaults | undefined
  readonly tables: ReadonlyArray<TableRow>
  readonly columns: ReadonlyArray<ColumnRow>
  readonly checks: ReadonlyArray<CheckRow>
  readonly foreignKeys: ReadonlyArray<ForeignKeyRow>
  readonly views: ReadonlyArray<ViewRow>
  readonly triggers: ReadonlyArray<TriggerRow>
  readonly routines: ReadonlyArray<RoutineRow>
  readonly events: ReadonlyArray<EventRow>
}

export type Query = (sql: string, params?: ReadonlyArray<unknown>) => Promise<Array<Record<string, unknown>>>

const text = (v: unknown): string =>
  v === null || v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("utf8") : String(v)
const maybe = (v: unknown): string | null => (v === null || v === undefined ? null : text(v))

/**
 * Reads the catalog of the connection's current database. The queries do not depend on each other,
 * so each group is asked for at once: mysql2 queues them on the one connection (engine.ts's) and
 * sends each as soon as the previous answer is in, and a `query` over several connections would
 * run them side by side (a pool measured ~3 ms faster on a small schema: not worth a session's
 * settings differing between connections). Conditions name the schema in the column each
 * information_schema table is looked up by, so MariaDB opens only this database's tables
 * ("Scanned 1 database" in EXPLAIN, https://mariadb.com/kb/en/information-schema-optimization/),
 * not every database on a server others may share.
 */
export async function readCatalog(query: Query, flavor: Flavor): Promise<CatalogRows> {
  const [meta] = await query(
    "SELECT VERSION() AS version, DATABASE() AS db, @@character_set_database AS charset, @@collation_database AS collation, @@default_storage_engine AS engine",
  )
  const database = text(meta?.db)
  const version = text(meta?.version)
  const defaults = {
    charset: text(meta?.charset),
    collation: text(meta?.collation),
    engine: text(meta?.engine),
  }
  const [tableList, columnRows, checkRows, foreignKeyRows, viewList, triggerRows, routineList, eventList] =
    await Promise.all([
      query(
        "SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        [database],
      ),
      // https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html
      query(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, ORDINAL_POSITION AS position, COLUMN_TYPE AS columnType,
                DATA_TYPE AS dataType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra,
                CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, GENERATION_EXPRESSION AS generation,
                COLUMN_COMMENT AS comment
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
        [database],
      ),
      // MariaDB: https://mariadb.com/kb/en/information-schema-check_constraints-table/ (TABLE_NAME, LEVEL);
      // MySQL: https://dev.mysql.com/doc/refman/8.0/en/information-schema-check-constraints-table.html
      flavor.checksHaveTable
        ? query(
            "SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause, LEVEL AS level FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
            [database],
          )
        : query(
            `SELECT tc.TABLE_NAME AS t, cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS clause, NULL AS level
               FROM information_schema.CHECK_CONSTRAINTS cc
               JOIN information_schema.TABLE_CONSTRAINTS tc
                 ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME
                AND tc.CONSTRAINT_TYPE = 'CHECK'
              WHERE cc.CONSTRAINT_SCHEMA = ?`,
            [database],
          ),
      // https://dev.mysql.com/doc/refman/8.0/en/information-schema-referential-constraints-table.html;
      // the derived table keeps MariaDB from reading REFERENTIAL_CONSTRAINTS of every database.
      query(
        `SELECT k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.ORDINAL_POSITION AS position,
                k.REFERENCED_TABLE_NAME AS refTable, k.REFERENCED_COLUMN_NAME AS refCol,
                r.UPDATE_RULE AS onUpdate, r.DELETE_RULE AS onDelete
           FROM information_schema.KEY_COLUMN_USAGE k
           JOIN (SELECT CONSTRAINT_NAME, TABLE_NAME, UPDATE_RULE, DELETE_RULE
                   FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?) r
             ON r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
          WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
          ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
        [database, database],
      ),
      query(
        "SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        [database],
      ),
      // https://dev.mysql.com/doc/refman/8.0/en/information-schema-triggers-table.html; a trigger lives in
      // its table's schema, which is the column MariaDB looks triggers up by.
      query(
        `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS t, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
                ACTION_ORDER AS ord, ACTION_STATEMENT AS stmt
           FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND TRIGGER_SCHEMA = ?
          ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER`,
        [database, database],
      ),
      // https://dev.mysql.com/doc/refman/8.0/en/information-schema-routines-table.html
      query(
        "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS kind FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
        [database],
      ),
      // https://dev.mysql.com/doc/refman/8.0/en/information-schema-events-table.html
      query(
        "SELECT EVENT_NAME AS name, STARTS AS starts, CREATED AS created FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME",
        [database],
      ),
    ])
  const columns = columnRows.map(
    (r): ColumnRow => ({
      table: text(r.t),
      name: text(r.name),
      position: Number(r.position),
      columnType: text(r.columnType),
      dataType: text(r.dataType),
      nullable: text(r.nullable) === "YES",
      default: maybe(r.dflt),
      extra: text(r.extra),
      charset: maybe(r.charset),
      collation: maybe(r.collation),
      generation: maybe(r.generation),
      comment: text(r.comment),
    }),
  )
  const checks = checkRows.map(
    (r): CheckRow => ({
      table: text(r.t),
      name: text(r.name),
      clause: text(r.clause),
      level: r.level === "Column" ? "Column" : r.level === "Table" ? "Table" : undefined,
    }),
  )
  const foreignKeys = foreignKeyRows.map(
    (r): ForeignKeyRow => ({
      table: text(r.t),
      name: text(r.name),
      column: text(r.col),
      position: Number(r.position),
      referencedTable: text(r.refTable),
      referencedColumn: text(r.refCol),
      onUpdate: text(r.onUpdate),
      onDelete: text(r.onDelete),
    }),
  )
  const triggers = triggerRows.map(
    (r): TriggerRow => ({
      name: text(r.name),
      table: text(r.t),
      timing: text(r.timing),
      event: text(r.event),
      order: Number(r.ord),
      statement: text(r.stmt),
    }),
  )
  // SHOW CREATE for each object, all sent at once; Promise.all keeps the lists' order.
  const [tables, views, routines, events] = await Promise.all([
    Promise.all(
      tableList.map(async (t): Promise<TableRow> => {
        const [row] = await query(`SHOW CREATE TABLE ${quoteName(text(t.name))}`)
        return { name: text(t.name), collation: maybe(t.collation), createTable: text(row?.["Create Table"]) }
      }),
    ),
    Promise.all(
      viewList.map(async (v): Promise<ViewRow> => {
        const [row] = await query(`SHOW CREATE VIEW ${quoteName(text(v.name))}`)
        return { name: text(v.name), create: text(row?.["Create View"]) }
      }),
    ),
    Promise.all(
      routineList.map(async (r): Promise<RoutineRow> => {
        const kind = text(r.kind) === "FUNCTION" ? "FUNCTION" : "PROCEDURE"
        const [row] = await query(`SHOW CREATE ${kind} ${quoteName(text(r.name))}`)
        return {
          name: text(r.name),
          kind,
          create: text(row?.[kind === "FUNCTION" ? "Create Function" : "Create Procedure"]),
        }
      }),
    ),
    Promise.all(
      eventList.map(async (e): Promise<EventRow> => {
        const [row] = await query(`SHOW CREATE EVENT ${quoteName(text(e.name))}`)
        return {
          name: text(e.name),
          create: text(row?.["Create Event"]),
          starts: maybe(e.starts),
          created: maybe(e.created),
        }
      }),
    ),
  ])
  return {
    version,
    database,
    defaults,
    tables,
    columns,
    checks,
    foreignKeys,
    views,
    triggers,
    routines,
    events,
  }
}

// ---------------------------------------------------------------------------------------------
// Normalization (pure)

const NUMERIC = new Set([
  "tinyint",
  "smallint",
  "mediumint",
  "int",
  "integer",
  "bigint",
  "decimal",
  "numeric",
  "float",
  "double",
  "real",
  "year",
  "bit",
])

/** `current_timestamp()`, `now()`, `CURRENT_TIMESTAMP(3)` -> `CURRENT_TIMESTAMP` / `CURRENT_TIMESTAMP(3)`. */
export function normalizeNow(expression: string): string {
  return expression.replace(
    /\b(current_timestamp|now|localtimestamp|localtime)\b(\s*\(\s*(\d*)\s*\))?/gi,
    (_m, _f, _p, precision: string | undefined) =>
      precision ? `CURRENT_TIMESTAMP(${precision})` : "CURRENT_TIMESTAMP",
  )
}

/** Drop integer display widths the way MySQL 8.0.19+ itself reports types (not TINYINT(1), not ZEROFILL). */
export function normalizeType(columnType: string, flavor: Flavor): string {
  let type = columnType.trim()
  if (flavor.dropsDisplayWidths && !/zerofill/i.test(type))
    type = type.replace(
      /^(tinyint|smallint|mediumint|int|integer|bigint)\((\d+)\)/i,
      (m, name: string, width: string) => (name.toLowerCase() === "tinyint" && width === "1" ? m : name),
    )
  return upperOutsideQuotes(tidy(type)).replace(/,/g, ",")
}

/**
 * A column default as one spelling: string literals quoted, numbers bare, NOW() and friends as
 * CURRENT_TIMESTAMP, expressions folded. MariaDB already quotes literals; MySQL does not, and marks
 * expressions with DEFAULT_GENERATED.
 */
export function normalizeDefault(row: ColumnRow, flavor: Flavor): string | undefined {
  const raw = row.default
  if (raw === null) return undefined
  if (flavor.quotedDefaults) {
    if (raw === "NULL") return undefined
    if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw
    return normalizeNow(normalizeExpression(raw))
  }
  const generated = /DEFAULT_GENERATED/i.test(row.extra)
  if (generated) return normalizeNow(normalizeExpression(raw))
  if (/^b'[01]*'$/i.test(raw)) return raw.toLowerCase()
  if (NUMERIC.has(row.dataType.toLowerCase()) && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw))
    return raw
  return quoteString(raw)
}

/** `on update current_timestamp()` (MariaDB) / `on update CURRENT_TIMESTAMP` (MySQL) -> the expression. */
export function onUpdateOf(extra: string): string | undefined {
  const m = /on update (\S+?(?:\(\d*\))?)(?:\s|$)/i.exec(extra)
  return m ? normalizeNow(m[1] as string) : undefined
}

const ACTIONS = new Set(["NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"])
const action = (rule: string): ReferentialAction => {
  const r = rule.toUpperCase()
  // InnoDB treats NO ACTION as RESTRICT (https://dev.mysql.com/doc/refman/8.0/en/create-table-foreign-keys.html).
  if (r === "NO ACTION") return "RESTRICT"
  return (ACTIONS.has(r) ? r : "RESTRICT") as ReferentialAction
}

interface TableParts {
  readonly columnLines: Map<string, string>
  readonly keyLines: string[]
  readonly options: string
  readonly partition: string | undefined
}

/** The pieces of SHOW CREATE TABLE: column lines by name, key lines, the option tail. */
export function splitCreateTable(createTable: string): TableParts {
  const open = createTable.indexOf("(")
  const close = matchingParen(createTable, open)
  const body = createTable.slice(open + 1, close)
  const columnLines = new Map<string, string>()
  const keyLines: string[] = []
  for (const item of splitTopLevel(body)) {
    if (item.startsWith("`")) {
      const name = backtickedNames(item)[0] ?? ""
      columnLines.set(name, item)
    } else keyLines.push(item)
  }
  let tail = createTable.slice(close + 1)
  let partition: string | undefined
  const p = /(\/\*!\d+\s*)?PARTITION BY/i.exec(tail)
  if (p) {
    let clause = tail.slice(p.index)
    tail = tail.slice(0, p.index)
    if (p[1]) clause = clause.slice(p[1].length).replace(/\s*\*\/\s*$/, "")
    partition = tidy(unquotePlainNames(clause))
  }
  return { columnLines, keyLines, options: tail.trim(), partition }
}

/** `ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COMMENT='x'` -> sorted options without AUTO_INCREMENT. */
export function tableOptions(tail: string): string[] {
  const options: string[] = []
  const re = /(DEFAULT CHARSET|DEFAULT COLLATE|[A-Z_]+)\s*=\s*('(?:[^'\\]|\\.|'')*'|\S+)/gi
  for (const m of tail.matchAll(re)) {
    const key = (m[1] as string).toUpperCase()
    if (key === "AUTO_INCREMENT") continue
    options.push(`${key}=${m[2]}`)
  }
  return options.sort()
}

const defaultForeignKeyName = (table: string, name: string) =>
  name.startsWith(`${table}_ibfk_`) && /_ibfk_\d+$/.test(name)

function readTable(
  row: TableRow,
  rows: CatalogRows,
  flavor: Flavor,
): { table: Table; indexes: SchemaObject[] } {
  const parts = splitCreateTable(row.createTable)
  const options = tableOptions(parts.options)
  if (parts.partition) options.push(parts.partition)
  const tableCharset = /DEFAULT CHARSET=(\S+)/i.exec(parts.options)?.[1]
  const tableCollation = row.collation ?? undefined
  const checkRows = rows.checks.filter((c) => c.table === row.name)
  const columnChecks = new Map(checkRows.filter((c) => c.level === "Column").map((c) => [c.name, c]))

  const columns: Column[] = rows.columns
    .filter((c) => c.table === row.name)
    .sort((a, b) => a.position - b.position)
    .map((c) => {
      const extra: Record<string, string> = {}
      let type = normalizeType(c.columnType, flavor)
      let collation = c.collation ?? undefined
      let charset = c.charset ?? undefined
      const own = columnChecks.get(c.name)
      const jsonCheck = own && normalizeExpression(own.clause) === `json_valid(${c.name})`
      if (flavor.jsonIsLongtext && jsonCheck && c.dataType.toLowerCase() === "longtext") {
        // MariaDB's JSON: LONGTEXT, utf8mb4_bin, CHECK (json_valid(col)); read as MySQL's JSON.
        type = "JSON"
        collation = undefined
        charset = undefined
      } else if (own) extra.check = normalizeExpression(own.clause)
      if (/auto_increment/i.test(c.extra)) extra.auto_increment = "true"
      const onUpdate = onUpdateOf(c.extra)
      if (onUpdate) extra.on_update = onUpdate
      if (/\bINVISIBLE\b/i.test(c.extra)) extra.invisible = "true"
      if (c.comment !== "") extra.comment = c.comment
      if (charset && tableCharset && charset !== tableCharset) extra.charset = charset
      const generated =
        c.generation !== null && c.generation !== ""
          ? { expression: normalizeExpression(c.generation), stored: /STORED/i.test(c.extra) }
          : undefined
      const sorted = Object.fromEntries(Object.entries(extra).sort(([a], [b]) => a.localeCompare(b)))
      return {
        name: c.name,
        type,
        notNull: !c.nullable,
        default: generated ? undefined : normalizeDefault(c, flavor),
        collation: collation !== undefined && collation !== tableCollation ? collation : undefined,
        generated,
        extra: Object.keys(sorted).length > 0 ? sorted : undefined,
        definition: parts.columnLines.get(c.name),
      }
    })

  let primaryKey: Table["primaryKey"]
  const indexes: SchemaObject[] = []
  for (const line of parts.keyLines) {
    if (/^PRIMARY KEY/i.test(line)) {
      const open = line.indexOf("(")
      primaryKey = {
        columns: keyParts(line.slice(open, matchingParen(line, open) + 1)),
        autoincrement: false,
      }
      continue
    }
    const m =
      /^(UNIQUE KEY|UNIQUE INDEX|KEY|INDEX|FULLTEXT KEY|FULLTEXT INDEX|SPATIAL KEY|SPATIAL INDEX)\s+(`(?:[^`]|``)*`)\s*/i.exec(
        line,
      )
    if (!m) continue
    const kind = (m[1] as string).split(/\s+/)[0]?.toUpperCase() ?? "KEY"
    const name = backtickedNames(m[2] as string)[0] ?? ""
    const rest = line.slice(m[0].length)
    const word = kind === "KEY" || kind === "INDEX" ? "" : `${kind} `
    const definition = `CREATE ${word}INDEX ${quoteName(name)} ON ${quoteName(row.name)} ${rest}`
    indexes.push({
      kind: "index",
      name: `${row.name}.${name}`,
      table: row.name,
      definition,
      key: tidy(unquotePlainNames(`${word}INDEX ${name} ON ${row.name} ${rest}`)),
      dependsOn: [row.name],
    })
  }

  const checks: CheckConstraint[] = checkRows
    .filter((c) => c.level !== "Column")
    .map((c) => ({
      name: flavor.defaultCheckName(row.name, c.name) ? undefined : c.name,
      expression: normalizeExpression(c.clause),
    }))
    .sort((a, b) => `${a.name ?? ""}|${a.expression}`.localeCompare(`${b.name ?? ""}|${b.expression}`))

  const fkNames = [...new Set(rows.foreignKeys.filter((f) => f.table === row.name).map((f) => f.name))]
  const foreignKeys: ForeignKey[] = fkNames
    .map((name) => {
      const fkRows = rows.foreignKeys
        .filter((f) => f.table === row.name && f.name === name)
        .sort((a, b) => a.position - b.position)
      const first = fkRows[0] as ForeignKeyRow
      return {
        name: defaultForeignKeyName(row.name, name) ? undefined : name,
        columns: fkRows.map((f) => f.column),
        table: first.referencedTable,
        referencedColumns: fkRows.map((f) => f.referencedColumn),
        onDelete: action(first.onDelete),
        onUpdate: action(first.onUpdate),
        deferrable: false,
        initiallyDeferred: false,
      }
    })
    .sort((a, b) =>
      JSON.stringify([a.name ?? "", a.columns, a.table]).localeCompare(
        JSON.stringify([b.name ?? "", b.columns, b.table]),
      ),
    )

  const table: Table = {
    name: row.name,
    columns,
    primaryKey,
    uniques: [],
    checks,
    foreignKeys,
    options: options.sort(),
    definition: row.createTable.replace(/\s+AUTO_INCREMENT=\d+/i, ""),
  }
  return { table: asWrittenTable(table, flavor.jsonIsLongtext, rows.defaults), indexes }
}

/** Remove `DEFINER=user@host` from a stored program's CREATE text. */
export const dropDefiner = (create: string) =>
  create.replace(/\s+DEFINER\s*=\s*(`(?:[^`]|``)*`|'[^']*'|[^\s@]+)@(`(?:[^`]|``)*`|'[^']*'|\S+)/i, "")

/** CREATE VIEW without DEFINER, and without ALGORITHM / SQL SECURITY where they are the defaults. */
export function normalizeView(create: string, database: string): string {
  const m =
    /^CREATE\s+(?:ALGORITHM\s*=\s*(\w+)\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+(\w+)\s+)?VIEW\s+/i.exec(
      create,
    )
  if (!m) return create
  const algorithm = m[1] && m[1].toUpperCase() !== "UNDEFINED" ? `ALGORITHM=${m[1].toUpperCase()} ` : ""
  const security = m[2] && m[2].toUpperCase() !== "DEFINER" ? `SQL SECURITY ${m[2].toUpperCase()} ` : ""
  const rest = create.slice(m[0].length).replaceAll(`${quoteName(database)}.`, "")
  return `CREATE ${algorithm}${security}VIEW ${rest}`
}

/** SHOW CREATE EVENT without DEFINER and without the STARTS the server filled in at creation. */
export function normalizeEvent(row: EventRow): string {
  let create = dropDefiner(row.create)
  if (row.starts && row.created) {
    const starts = Date.parse(row.starts.replace(" ", "T"))
    const created = Date.parse(row.created.replace(" ", "T"))
    if (Math.abs(starts - created) <= 2000) create = create.replace(/\s+STARTS\s+'[^']*'/i, "")
  }
  return create
}

/** The tables, views and routines (names in `known`) that a body mentions. */
function mentioned(body: string, known: ReadonlySet<string>, self: string): string[] {
  const words = new Set<string>(backtickedNames(body))
  for (const w of body.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []) words.add(w)
  return [...words].filter((w) => known.has(w) && w !== self).sort()
}

export function normalizeCatalog(rows: CatalogRows, flavor: Flavor): Schema {
  const tables: Table[] = []
  const objects: SchemaObject[] = []
  for (const row of rows.tables) {
    const { table, indexes } = readTable(row, rows, flavor)
    tables.push(table)
    objects.push(...indexes)
  }
  const known = new Set([
    ...rows.tables.map((t) => t.name),
    ...rows.views.map((v) => v.name),
    ...rows.routines.map((r) => r.name),
  ])
  for (const v of rows.views) {
    const definition = normalizeView(v.create, rows.database)
    objects.push({
      kind: "view",
      name: v.name,
      definition: layoutView(definition),
      key: tidy(unquotePlainNames(definition)),
      dependsOn: mentioned(definition.slice(definition.search(/\bAS\b/i)), known, v.name),
    })
  }
  for (const t of rows.triggers) {
    const definition = `CREATE TRIGGER ${quoteName(t.name)} ${t.timing.toUpperCase()} ${t.event.toUpperCase()} ON ${quoteName(t.table)} FOR EACH ROW ${t.statement.trim()}`
    objects.push({
      kind: "trigger",
      name: t.name,
      table: t.table,
      definition,
      key: `${t.order}:${tidy(unquotePlainNames(definition))}`,
      dependsOn: mentioned(t.statement, known, t.name)
        .concat(t.table)
        .filter((n, i, a) => a.indexOf(n) === i),
    })
  }
  for (const r of rows.routines) {
    const definition = dropDefiner(r.create)
    objects.push({
      kind: r.kind === "FUNCTION" ? "function" : "procedure",
      name: r.name,
      definition,
      key: tidy(unquotePlainNames(definition)),
      dependsOn: mentioned(definition, known, r.name),
    })
  }
  for (const e of rows.events) {
    const definition = normalizeEvent(e)
    objects.push({
      kind: "event",
      name: e.name,
      definition,
      key: tidy(unquotePlainNames(definition)),
      dependsOn: mentioned(definition, known, e.name),
    })
  }
  return {
    engine: flavor.name,
    version: rows.version,
    tables: tables.sort((a, b) => a.name.localeCompare(b.name)),
    objects: objects.sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`)),
  }
}

/** A check or column-level CHECK's expression with its outer parentheses, for re-use in DDL. */
export const checkClause = (expression: string) => `CHECK (${stripOuterParens(expression)})`
