/**
 * plan-tables: the statements that create one table and that alter one table into another, per the
 * ALTER TABLE reference (https://www.postgresql.org/docs/current/sql-altertable.html). Foreign keys
 * are left to the planner, which adds them once every table exists. Constraints that are dropped
 * are named by their real name: the model leaves default names out, so they are derived here the
 * way PostgreSQL derives them (names.ts).
 */
import { PlanFailed } from "../engine.ts"
import type { CheckConstraint, Column, ForeignKey, Schema, Table, TableConstraint } from "../../model.ts"
import { defaultNames, quoteIdent, quoteLiteral, quoteName, splitName } from "./names.ts"
import {
  checkSql,
  columnList,
  columnSql,
  foreignKeySql,
  isConstraintOption,
  nextval,
  primaryKeySql,
  serialOf,
  uniqueSql,
} from "./render.ts"
import { mustRestart, sequenceOptions } from "./plan-types.ts"
import { firstGroup, mentionedNames, splitTopLevel, stripParens } from "./sql-text.ts"
import { afterParents, arrivingColumns, inheritedColumns, physicalColumns } from "./plan-inheritance.ts"
import { inheritsFrom, parentsOf, partitionOf } from "./table-options.ts"

/** One table's column and option changes, with the table before (renames made) and after. */
export interface AlterTable {
  readonly before: Table
  readonly after: Table
  readonly addedColumns: ReadonlyArray<Column>
  readonly droppedColumns: ReadonlyArray<Column>
  readonly changedColumns: ReadonlyArray<{ readonly before: Column; readonly after: Column }>
}

/** What the planner knows beyond the table: user types, and sequences that exist on their own. */
export interface TableContext {
  /** Quoted names of enums, domains and composite types of the source schema. */
  readonly userTypes: ReadonlySet<string>
  /** Sequences that are objects of their own in the source (a column may adopt one as its serial). */
  readonly sequencesBefore: ReadonlySet<string>
  /** Sequences that are objects of their own in the target (a serial column may release its own). */
  readonly sequencesAfter: ReadonlySet<string>
  /** The two schemas, for what tables inherit from their parents. */
  readonly from: Schema
  readonly to: Schema
}

const bare = (table: string) => splitName(table).name

export const checkName = (table: Table, check: CheckConstraint) =>
  check.name ??
  defaultNames.check(
    bare(table.name),
    mentionedNames(
      check.expression,
      table.columns.map((c) => c.name),
    ),
  )

export const foreignKeyName = (table: string, fk: ForeignKey) =>
  fk.name ?? defaultNames.foreignKey(bare(table), fk.columns)

/** The name of a constraint kept whole in the table's options (EXCLUDE, UNIQUE NULLS NOT DISTINCT...). */
export function optionConstraintName(table: string, option: string): string {
  const named = /^CONSTRAINT ("(?:[^"]|"")+"|\S+) /.exec(option)
  if (named?.[1]) return named[1].startsWith('"') ? named[1].slice(1, -1).replaceAll('""', '"') : named[1]
  const list = firstGroup(option) ?? ""
  const columns = splitTopLevel(list).map((e) => {
    const first = /^("(?:[^"]|"")+"|[A-Za-z_][\w$]*)(\s|$)/.exec(e)?.[1]
    return first === undefined ? "expr" : first.startsWith('"') ? first.slice(1, -1) : first
  })
  if (option.includes("EXCLUDE")) return defaultNames.exclusion(bare(table), columns)
  if (option.startsWith("PRIMARY KEY")) return defaultNames.primaryKey(bare(table))
  return defaultNames.unique(bare(table), columns)
}

const alter = (table: string, action: string) => `ALTER TABLE ${quoteName(table)} ${action}`
const alterColumn = (table: string, column: string, action: string) =>
  alter(table, `ALTER COLUMN ${quoteIdent(column)} ${action}`)

/** Base type without modifiers and array brackets: `character varying(20)[]` -> `character varying`. */
const baseType = (type: string) =>
  type
    .replace(/\[\]/g, "")
    .replace(/\(.*\)/, "")
    .trim()
const stringTypes = new Set(["text", "character varying", "character", '"char"', "name", "citext"])
const numericTypes = new Set([
  "smallint",
  "integer",
  "bigint",
  "numeric",
  "real",
  "double precision",
  "money",
])
const timeTypes = new Set([
  "date",
  "timestamp without time zone",
  "timestamp with time zone",
  "time without time zone",
  "time with time zone",
  "interval",
])

/**
 * Whether ALTER COLUMN TYPE needs `USING`: without it PostgreSQL converts with the assignment cast
 * (https://www.postgresql.org/docs/current/sql-altertable.html, SET DATA TYPE), which exists to every
 * string type and between the numeric kinds, the date/time kinds and modifiers of one type.
 */
export function needsUsing(from: string, to: string): boolean {
  const a = baseType(from)
  const b = baseType(to)
  if (from.endsWith("[]") !== to.endsWith("[]")) return true
  if (a === b) return false
  if (stringTypes.has(b)) return false
  if (numericTypes.has(a) && numericTypes.has(b)) return a === "money" || b === "money"
  if (timeTypes.has(a) && timeTypes.has(b)) return false
  return true
}

/** The type of the sequence behind a serial column of type `columnType`. */
const serialSequenceType = (columnType: string) =>
  columnType === "bigint" ? "bigint" : columnType === "smallint" ? "smallint" : "integer"

/** CREATE SEQUENCE for a serial column's sequence that `serial` alone cannot make. */
function createSerialSequence(serial: { sequence: string; clauses: string }, columnType: string): string {
  const type = serialSequenceType(columnType)
  const as = type === "bigint" ? "" : ` AS ${type}`
  return `CREATE SEQUENCE ${quoteName(serial.sequence)}${as}${serial.clauses ? ` ${serial.clauses}` : ""}`
}

/** Statements before and after a CREATE TABLE that give a serial column a sequence `serial` cannot name. */
function serialSequences(table: Table): { before: string[]; after: string[] } {
  const before: string[] = []
  const after: string[] = []
  for (const column of table.columns) {
    const serial = serialOf(table.name, column)
    if (!serial || serial.shorthand) continue
    before.push(createSerialSequence(serial, column.type))
    after.push(
      `ALTER SEQUENCE ${quoteName(serial.sequence)} OWNED BY ${quoteName(table.name)}.${quoteIdent(column.name)}`,
    )
  }
  return { before, after }
}

/**
 * COMMENT statements for a table and its columns; `held`, for a child, is every column it holds: a
 * comment on an inherited column it no longer lists is removed.
 */
function commentStatements(table: Table, before?: Table, held?: ReadonlyMap<string, Column>): string[] {
  const out: string[] = []
  const comment = (t: Table | undefined) => t?.options.find((o) => o.startsWith("COMMENT "))
  if (comment(table) !== comment(before))
    out.push(`COMMENT ON TABLE ${quoteName(table.name)} IS ${comment(table)?.slice(8) ?? "NULL"}`)
  for (const column of table.columns) {
    const old = before?.columns.find((c) => c.name === column.name)
    const text = column.extra?.comment
    if (text !== old?.extra?.comment)
      out.push(
        `COMMENT ON COLUMN ${quoteName(table.name)}.${quoteIdent(column.name)} IS ${text === undefined ? "NULL" : quoteLiteral(text)}`,
      )
  }
  for (const column of before?.columns ?? [])
    if (
      column.extra?.comment !== undefined &&
      held?.has(column.name) &&
      !table.columns.some((c) => c.name === column.name)
    )
      out.push(`COMMENT ON COLUMN ${quoteName(table.name)}.${quoteIdent(column.name)} IS NULL`)
  return out
}

function securityStatements(table: Table, before?: Table): string[] {
  const has = (t: Table | undefined, o: string) => t?.options.includes(o) ?? false
  const out: string[] = []
  if (has(table, "ROW LEVEL SECURITY") !== has(before, "ROW LEVEL SECURITY"))
    out.push(
      alter(table.name, `${has(table, "ROW LEVEL SECURITY") ? "ENABLE" : "DISABLE"} ROW LEVEL SECURITY`),
    )
  if (has(table, "FORCE ROW LEVEL SECURITY") !== has(before, "FORCE ROW LEVEL SECURITY"))
    out.push(
      alter(table.name, `${has(table, "FORCE ROW LEVEL SECURITY") ? "" : "NO "}FORCE ROW LEVEL SECURITY`),
    )
  return out
}

/** CREATE TABLE without foreign keys, with the statements its serial sequences and comments need. */
export function createTable(table: Table, schema?: Schema): string[] {
  // A column the table inherits comes with its parent; what the child changes of it is set after.
  const inherited = schema ? inheritedColumns(schema, table) : new Map()
  const own = table.columns.filter((c) => !inherited.has(c.name))
  const lines = own.map((c) => columnSql(table.name, c))
  const changed = table.columns.flatMap((c) => {
    const held =
      schema && inherited.has(c.name)
        ? physicalColumns(schema, { ...table, columns: [] }).get(c.name)
        : undefined
    if (!held) return []
    const out: string[] = []
    if (held.default !== c.default)
      out.push(
        alterColumn(
          table.name,
          c.name,
          c.default === undefined ? "DROP DEFAULT" : `SET DEFAULT ${c.default}`,
        ),
      )
    if (held.notNull !== c.notNull)
      out.push(alterColumn(table.name, c.name, c.notNull ? "SET NOT NULL" : "DROP NOT NULL"))
    return out
  })
  if (table.primaryKey) lines.push(primaryKeySql(table.primaryKey))
  for (const u of table.uniques) lines.push(uniqueSql(u))
  // CREATE TABLE has no NOT VALID: such a check is added once the table exists.
  for (const c of table.checks) if (c.valid !== false) lines.push(checkSql(c))
  const notValid = table.checks
    .filter((c) => c.valid === false)
    .map((c) => alter(table.name, `ADD ${checkSql(c)} NOT VALID`))
  for (const o of table.options) if (isConstraintOption(o)) lines.push(o)
  const unlogged = table.options.includes("UNLOGGED") ? "UNLOGGED " : ""
  const body = lines.length > 0 ? ` (\n${lines.map((l) => `  ${l}`).join(",\n")}\n)` : ""
  const partition = partitionOf(table)
  let create: string
  if (partition !== undefined)
    create = `CREATE ${unlogged}TABLE ${quoteName(table.name)} PARTITION OF ${quoteName(partition.parent)}${body} ${partition.bound}`
  else create = `CREATE ${unlogged}TABLE ${quoteName(table.name)}${body || " ()"}`
  for (const o of table.options)
    if (o.startsWith("INHERITS ") || o.startsWith("PARTITION BY ") || o.startsWith("WITH ("))
      create += ` ${o}`
  const sequences = serialSequences({ ...table, columns: own })
  return [
    ...sequences.before,
    create,
    ...changed,
    ...notValid,
    ...sequences.after,
    ...commentStatements(table),
    ...securityStatements(table),
  ]
}

/**
 * How many levels of INHERITS / PARTITION OF stand above `table` in `schema`: the planner changes a
 * parent's columns before its children's, which may then declare their own.
 */
export function inheritanceDepth(
  table: Table,
  schema: Schema,
  seen: ReadonlySet<string> = new Set(),
): number {
  let depth = 0
  for (const name of parentsOf(table)) {
    const parent = schema.tables.find((t) => t.name === name)
    if (parent && !seen.has(name))
      depth = Math.max(depth, 1 + inheritanceDepth(parent, schema, new Set([...seen, table.name])))
  }
  return depth
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Sets the sequence behind a column past the values the column already holds. */
const resync = (table: string, column: string) =>
  `SELECT setval(pg_get_serial_sequence(${quoteLiteral(quoteName(table))}, ${quoteLiteral(column)}), coalesce(max(${quoteIdent(column)}), 0) + 1, false) FROM ${quoteName(table)}`

/** `BY DEFAULT (START WITH 10)` -> [`BY DEFAULT`, `START WITH 10`]. */
function identityParts(identity: string): [string, string] {
  const open = identity.indexOf(" (")
  return open === -1 ? [identity, ""] : [identity.slice(0, open), identity.slice(open + 2, -1)]
}

function identityClause(identity: string): string {
  const open = identity.indexOf(" (")
  return open === -1
    ? `${identity} AS IDENTITY`
    : `${identity.slice(0, open)} AS IDENTITY${identity.slice(open)}`
}

/** The statements that change one column, given the table after the change. */
function changeColumn(
  table: Table,
  before: Column,
  after: Column,
  notes: string[],
  context: TableContext,
): string[] {
  const t = table.name
  const c = after.name
  const out: string[] = []
  const genBefore = before.generated
  const genAfter = after.generated
  if (genAfter && !sameJson(genBefore, genAfter)) {
    // A generation expression cannot be changed in place before PostgreSQL 17: recompute the column.
    out.push(alter(t, `DROP COLUMN ${quoteIdent(c)}`), alter(t, `ADD COLUMN ${columnSql(t, after)}`))
    notes.push(`Column ${t}.${c} is dropped and added again to change how it is generated.`)
    return out
  }
  if (genBefore && !genAfter) out.push(alterColumn(t, c, "DROP EXPRESSION"))
  const serialBefore = serialOf(t, before)
  const serialAfter = serialOf(t, after)
  // A serial sequence that only changes its name (its table or column was renamed, and PostgreSQL
  // leaves the sequence's name as it was) is renamed, keeping its position; the default follows it.
  const sequenceRenamed =
    serialBefore !== undefined &&
    serialAfter !== undefined &&
    serialBefore.sequence !== serialAfter.sequence &&
    serialBefore.clauses === serialAfter.clauses &&
    splitName(serialBefore.sequence).schema === splitName(serialAfter.sequence).schema &&
    !context.sequencesAfter.has(serialBefore.sequence) &&
    !context.sequencesBefore.has(serialAfter.sequence)
  if (sequenceRenamed)
    out.push(
      `ALTER SEQUENCE ${quoteName(serialBefore.sequence)} RENAME TO ${quoteIdent(splitName(serialAfter.sequence).name)}`,
    )
  const serialChanged = before.extra?.serial !== after.extra?.serial && !sequenceRenamed
  const identityBefore = before.extra?.identity
  const identityAfter = after.extra?.identity
  // An identity that stays one changes in place: its kind with SET GENERATED, its sequence's options
  // with SET; its counter goes on from where it was.
  const identityStays = identityBefore !== undefined && identityAfter !== undefined
  if (identityBefore !== undefined && identityBefore !== identityAfter && !identityStays)
    out.push(alterColumn(t, c, "DROP IDENTITY"))
  // A serial whose sequence stays and only changes options keeps it, and its counter.
  const sameSequence = serialBefore !== undefined && serialBefore.sequence === serialAfter?.sequence
  const serialMoves = serialChanged && !sameSequence
  const typeChanged = before.type !== after.type || before.collation !== after.collation
  const defaultBefore = serialBefore && !sequenceRenamed ? nextval(serialBefore.sequence) : before.default
  const defaultAfter = serialAfter ? nextval(serialAfter.sequence) : after.default
  const defaultChanged = (defaultBefore !== defaultAfter && !sequenceRenamed) || serialMoves
  if (defaultBefore !== undefined && (defaultChanged || typeChanged))
    out.push(alterColumn(t, c, "DROP DEFAULT"))
  if (serialChanged && sameSequence && serialAfter)
    out.push(
      `ALTER SEQUENCE ${quoteName(serialAfter.sequence)} ${sequenceOptions(serialAfter.clauses, serialSequenceType(after.type))}`,
    )
  if (serialBefore && serialMoves) {
    // The sequence stays when the target keeps it as an object of its own; the planner then aligns its options.
    if (context.sequencesAfter.has(serialBefore.sequence))
      out.push(`ALTER SEQUENCE ${quoteName(serialBefore.sequence)} OWNED BY NONE`)
    else out.push(`DROP SEQUENCE ${quoteName(serialBefore.sequence)}`)
  }
  if (typeChanged) {
    const collate = after.collation !== undefined ? ` COLLATE ${after.collation}` : ""
    // A user type (enum, domain) has no cast to another: text is the bridge every type has.
    const viaText = context.userTypes.has(before.type.replace(/\[\]$/, ""))
      ? `::text${before.type.endsWith("[]") ? "[]" : ""}`
      : ""
    const using = needsUsing(before.type, after.type)
      ? ` USING ${quoteIdent(c)}${viaText}::${after.type}`
      : ""
    out.push(alterColumn(t, c, `TYPE ${after.type}${collate}${using}`))
  }
  if (serialAfter && serialMoves) {
    const owner = `OWNED BY ${quoteName(t)}.${quoteIdent(c)}`
    if (context.sequencesBefore.has(serialAfter.sequence))
      out.push(
        `ALTER SEQUENCE ${quoteName(serialAfter.sequence)} ${sequenceOptions(serialAfter.clauses, serialSequenceType(after.type))} ${owner}`,
      )
    else out.push(`${createSerialSequence(serialAfter, after.type)} ${owner}`)
  }
  if (defaultAfter !== undefined && (defaultChanged || typeChanged) && identityAfter === undefined)
    out.push(alterColumn(t, c, `SET DEFAULT ${defaultAfter}`))
  if (serialAfter && serialMoves) out.push(resync(t, c))
  if (after.notNull && !before.notNull) {
    // Rows that hold NULL take the default first, so SET NOT NULL does not fail on them.
    if (after.default !== undefined && !genAfter)
      out.push(`UPDATE ${quoteName(t)} SET ${quoteIdent(c)} = DEFAULT WHERE ${quoteIdent(c)} IS NULL`)
    out.push(alterColumn(t, c, "SET NOT NULL"))
  } else if (!after.notNull && before.notNull) out.push(alterColumn(t, c, "DROP NOT NULL"))
  if (identityStays && identityAfter !== identityBefore) {
    const [kindBefore] = identityParts(identityBefore)
    const [kind, options] = identityParts(identityAfter)
    if (kind !== kindBefore) out.push(alterColumn(t, c, `SET GENERATED ${kind}`))
    const optionsBefore = identityParts(identityBefore)[1]
    const type = serialSequenceType(after.type)
    if (options !== optionsBefore)
      out.push(
        alterColumn(
          t,
          c,
          // An identity's sequence has its column's type: no AS here. Bounds that close in or a
          // turn of direction start it again (where it stood may be outside them).
          `${sequenceOptions(options, type)
            .replace(/^AS \S+ /, "")
            .replace(
              /(^| )(INCREMENT BY|MINVALUE|MAXVALUE|START WITH|CACHE|NO CYCLE|CYCLE)\b/g,
              "$1SET $2",
            )}${mustRestart(optionsBefore, options, type) ? " RESTART" : ""}`,
        ),
      )
  } else if (identityAfter !== undefined && identityAfter !== identityBefore) {
    out.push(alterColumn(t, c, `ADD GENERATED ${identityClause(identityAfter)}`))
    // Only a default sequence is moved past existing values; explicit options are the user's to keep.
    if (!identityAfter.includes("(")) out.push(resync(t, c))
  }
  return out
}

/** A constraint of `table` as ADD writes it, and the name DROP needs (derived where the model leaves it out). */
export function constraintSql(table: Table, c: TableConstraint): { name: string; sql: string } {
  const b = bare(table.name)
  const notValid = c.valid ? "" : " NOT VALID"
  if ("clause" in c) return { name: optionConstraintName(table.name, c.clause), sql: c.clause }
  switch (c.type) {
    case "primary-key":
      return { name: c.primaryKey.name ?? defaultNames.primaryKey(b), sql: primaryKeySql(c.primaryKey) }
    case "unique":
      return { name: c.unique.name ?? defaultNames.unique(b, c.unique.columns), sql: uniqueSql(c.unique) }
    case "check":
      return { name: checkName(table, c.check), sql: `${checkSql(c.check)}${notValid}` }
    case "foreign-key":
      return {
        name: foreignKeyName(table.name, c.foreignKey),
        sql: `${foreignKeySql(c.foreignKey)}${notValid}`,
      }
  }
}

/**
 * The name PostgreSQL would give constraint `c` of `table` (unnamed in the model: its default) once
 * the table is called `newTable` and its columns renamed by `rename`; undefined for a named one.
 */
export function defaultNameAfterRename(
  table: Table,
  c: TableConstraint,
  newTable: string,
  rename: (column: string) => string,
): string | undefined {
  if (c.name !== undefined || "clause" in c) return undefined
  const b = bare(newTable)
  switch (c.type) {
    case "primary-key":
      return defaultNames.primaryKey(b)
    case "unique":
      return defaultNames.unique(b, c.unique.columns.map(rename))
    case "foreign-key":
      return defaultNames.foreignKey(b, c.foreignKey.columns.map(rename))
    case "check":
      return defaultNames.check(
        b,
        mentionedNames(
          c.check.expression,
          table.columns.map((x) => x.name),
        ).map(rename),
      )
  }
}

/**
 * The statements that turn constraint `before` of `table` into `after` where ALTER TABLE can do it
 * in place (https://www.postgresql.org/docs/current/sql-altertable.html): VALIDATE CONSTRAINT for
 * one that becomes valid, ALTER CONSTRAINT for a foreign key's deferral. Undefined when it must be
 * dropped and added again.
 */
export function alterConstraintInPlace(
  table: Table,
  before: TableConstraint,
  after: TableConstraint,
  aspects: ReadonlyArray<string>,
): string[] | undefined {
  const { name } = constraintSql(table, after)
  const out: string[] = []
  for (const aspect of aspects) {
    if (aspect === "validity" && !before.valid && after.valid)
      out.push(alter(table.name, `VALIDATE CONSTRAINT ${quoteIdent(name)}`))
    else if (aspect === "deferrable" && "foreignKey" in after) {
      const fk = after.foreignKey
      const mode = fk.deferrable
        ? `DEFERRABLE INITIALLY ${fk.initiallyDeferred ? "DEFERRED" : "IMMEDIATE"}`
        : "NOT DEFERRABLE"
      out.push(alter(table.name, `ALTER CONSTRAINT ${quoteIdent(name)} ${mode}`))
    } else return undefined
  }
  return out
}

const optionValue = (t: Table, prefix: string) => t.options.find((o) => o.startsWith(prefix))

function optionStatements(before: Table, after: Table): string[] {
  const out: string[] = []
  const t = after.name
  if (before.options.includes("UNLOGGED") !== after.options.includes("UNLOGGED"))
    out.push(alter(t, after.options.includes("UNLOGGED") ? "SET UNLOGGED" : "SET LOGGED"))
  const params = (o: string | undefined) => (o === undefined ? [] : splitTopLevel(stripParens(o.slice(5))))
  const withBefore = params(optionValue(before, "WITH ("))
  const withAfter = params(optionValue(after, "WITH ("))
  const reset = withBefore
    .map((p) => p.split("=")[0] as string)
    .filter((k) => !withAfter.some((p) => p.startsWith(`${k}=`)))
  if (reset.length > 0) out.push(alter(t, `RESET (${reset.join(", ")})`))
  const set = withAfter.filter((p) => !withBefore.includes(p))
  if (set.length > 0) out.push(alter(t, `SET (${set.join(", ")})`))
  if (optionValue(before, "PARTITION BY ") !== optionValue(after, "PARTITION BY "))
    throw new PlanFailed({
      reason: `table ${t} changes how it is partitioned (PARTITION BY), which ALTER TABLE cannot do`,
    })
  return out
}

/**
 * The statements that take a table away from its old parents (before its columns change) and give
 * it to its new ones (after): NO INHERIT / INHERIT, DETACH / ATTACH PARTITION, both for a partition
 * whose bound changes.
 */
function parentStatements(before: Table, after: Table): { leave: string[]; join: string[] } {
  const t = after.name
  const leave: string[] = []
  const join: string[] = []
  for (const p of inheritsFrom(before))
    if (!inheritsFrom(after).includes(p)) leave.push(alter(t, `NO INHERIT ${quoteName(p)}`))
  for (const p of inheritsFrom(after))
    if (!inheritsFrom(before).includes(p)) join.push(alter(t, `INHERIT ${quoteName(p)}`))
  const pb = partitionOf(before)
  const pa = partitionOf(after)
  if (pb?.parent !== pa?.parent || pb?.bound !== pa?.bound) {
    if (pb) leave.push(alter(pb.parent, `DETACH PARTITION ${quoteName(t)}`))
    if (pa) join.push(alter(pa.parent, `ATTACH PARTITION ${quoteName(t)} ${pa.bound}`))
  }
  return { leave, join }
}

function dropColumn(table: Table, c: Column, how: { ifExists?: boolean; only?: boolean } = {}): string[] {
  const serial = serialOf(table.name, c)
  const target = `${how.only ? "ONLY " : ""}${quoteName(table.name)}`
  return [
    `ALTER TABLE ${target} DROP COLUMN ${how.ifExists ? "IF EXISTS " : ""}${quoteIdent(c.name)}`,
    ...(serial && !serial.shorthand ? [`DROP SEQUENCE IF EXISTS ${quoteName(serial.sequence)}`] : []),
  ]
}

function addColumn(table: Table, c: Column): string[] {
  const t = table.name
  const serial = serialOf(t, c)
  if (!serial || serial.shorthand) return [alter(t, `ADD COLUMN ${columnSql(t, c)}`)]
  return [
    createSerialSequence(serial, c.type),
    alter(t, `ADD COLUMN ${columnSql(t, c)}`),
    `ALTER SEQUENCE ${quoteName(serial.sequence)} OWNED BY ${quoteName(t)}.${quoteIdent(c.name)}`,
  ]
}

/**
 * Whether a child of `table` (before and after) keeps its column `name` that `table` drops: then the
 * drop is ONLY the parent's, which leaves the column to the children as their own, rows and all,
 * and each child that does not keep it drops it itself.
 */
function keptByChild(context: TableContext, table: Table, name: string): boolean {
  return context.to.tables.some(
    (child) =>
      parentsOf(child).includes(table.name) &&
      context.from.tables.some((c) => c.name === child.name && parentsOf(c).includes(table.name)) &&
      physicalColumns(context.to, child).has(name),
  )
}

/**
 * The column statements of a table that inherits columns on either side. Its columns are those it
 * really holds (plan-inheritance.ts): one it inherits is never added or dropped here while its
 * parent brings it, only set to what the child changes; one it holds before joining a parent is
 * made to match the parent's first (ATTACH PARTITION and INHERIT need that); one it keeps after
 * leaving a parent becomes its own.
 */
function childColumns(change: AlterTable, notes: string[], context: TableContext): string[] {
  const { before, after } = change
  const { from, to } = context
  const has = physicalColumns(to, after)
  const inheritedBefore = inheritedColumns(from, before)
  // What the child holds once its old parents' statements ran: what they add reaches it too.
  const had = physicalColumns(from, before)
  for (const [name, column] of arrivingColumns(from, to, before))
    if (!had.has(name)) {
      had.set(name, column)
      inheritedBefore.set(name, { column, parent: "" })
    }
  const inheritedAfter = inheritedColumns(to, after)
  const stays = (parent: string) => parentsOf(after).includes(parent) && parentsOf(before).includes(parent)
  const out: string[] = []
  for (const [name, c] of had) {
    if (has.has(name)) continue
    // A parent's DROP COLUMN takes an inherited column with it, unless the child declared it too.
    out.push(
      ...dropColumn(after, c, {
        ifExists: inheritedBefore.has(name),
        only: keptByChild(context, before, name),
      }),
    )
  }
  for (const [name, c] of has) {
    if (had.has(name)) continue
    // What a parent the table keeps adds comes by itself; then only what the child changes is set.
    const source = inheritedAfter.get(name)
    if (source && stays(source.parent)) {
      const parentsOwn = physicalColumns(to, { ...after, columns: [] }).get(name) as Column
      out.push(...changeColumn(after, parentsOwn, c, notes, context))
    } else out.push(...addColumn(after, c))
  }
  for (const [name, now] of has) {
    const was = had.get(name)
    if (!was) continue
    const start = inheritedBefore.has(name) ? afterParents(from, to, before, was) : was
    // While a parent brings the column, its type is the parent's: only defaults and NOT NULL differ.
    const inheritedBoth = inheritedBefore.has(name) && inheritedAfter.has(name)
    const base = inheritedBoth
      ? { ...start, type: now.type, collation: now.collation, generated: now.generated }
      : start
    out.push(...changeColumn(after, base, now, notes, context))
  }
  return out
}

/**
 * ALTER TABLE statements for one changed table's columns (dropped, added, changed) and options;
 * its constraints are steps of their own, dropped before and added after. `join` (ATTACH PARTITION,
 * INHERIT) is kept apart: the planner runs it after every table left its old parent, so a bound
 * that moves between two partitions never overlaps the other's old one.
 */
export function alterTable(
  change: AlterTable,
  notes: string[],
  context: TableContext,
): { statements: string[]; join: string[] } {
  const { before, after } = change
  const parents = parentStatements(before, after)
  const out: string[] = [...parents.leave]
  const inherits =
    inheritedColumns(context.from, before).size > 0 || inheritedColumns(context.to, after).size > 0
  if (inherits) out.push(...childColumns(change, notes, context))
  else {
    for (const c of change.droppedColumns)
      out.push(...dropColumn(before, c, { only: keptByChild(context, before, c.name) }))
    for (const c of change.addedColumns) out.push(...addColumn(after, c))
    for (const { before: b, after: a } of change.changedColumns)
      out.push(...changeColumn(after, b, a, notes, context))
  }
  out.push(...optionStatements(before, after))
  out.push(...commentStatements(after, before, inherits ? physicalColumns(context.to, after) : undefined))
  out.push(...securityStatements(after, before))
  return { statements: out, join: parents.join }
}
