/**
 * plan-types: changes to enums, domains, composite types and sequences that keep the columns using
 * them. Enums gain values with ALTER TYPE ... ADD VALUE (https://www.postgresql.org/docs/current/sql-altertype.html);
 * an enum that loses or reorders values is swapped for a new type that every using column is cast
 * to through text. Domains change with ALTER DOMAIN, composite types attribute by attribute,
 * sequences with ALTER SEQUENCE. The definitions parsed here are the ones catalog-objects.ts writes.
 */
import type { Schema, SchemaObject } from "../../model.ts"
import { needsUsing } from "./plan-tables.ts"
import { significant, tokenize } from "./lexer.ts"
import { makeObjectName, quoteIdent, quoteLiteral, quoteName, readName, splitName } from "./names.ts"
import { splitTopLevel, stripParens, topLevelKeywords } from "./sql-text.ts"

export function enumLabels(definition: string): string[] {
  return significant(tokenize(definition))
    .filter((t) => t.kind === "string")
    .map((t) => t.text.slice(1, -1).replaceAll("''", "'"))
}

/** Columns of `schema` whose type is `type` or an array of it. */
export function columnsOfType(schema: Schema, type: string) {
  const q = quoteName(type)
  return schema.tables.flatMap((table) =>
    table.columns
      .filter((c) => c.type === q || c.type === `${q}[]`)
      .map((column) => ({ table: table.name, column, array: column.type.endsWith("[]") })),
  )
}

/** True when `older` appears in `newer` in the same order: new values can be added around it. */
const isSubsequence = (older: ReadonlyArray<string>, newer: ReadonlyArray<string>) => {
  let i = 0
  for (const label of newer) if (label === older[i]) i++
  return i === older.length
}

/**
 * Labels `after` adds to `before` that `to` already uses beyond the type itself (a default, a check,
 * a view, an index predicate, a SQL function: each spells the label cast to the type). PostgreSQL
 * refuses to use a value ALTER TYPE ... ADD VALUE added until the transaction that added it commits
 * ("unsafe use of new value"), while the values of a type created in the same transaction are
 * usable at once.
 */
export function usedNewLabels(before: SchemaObject, after: SchemaObject, to: Schema): string[] {
  const old = new Set(enumLabels(before.definition))
  const added = enumLabels(after.definition).filter((l) => !old.has(l))
  if (added.length === 0) return []
  const texts = [
    ...to.objects.filter((o) => o !== after).map((o) => o.definition),
    ...to.tables.flatMap((t) => [
      ...t.columns.flatMap((c) => [c.default ?? "", c.generated?.expression ?? ""]),
      ...t.checks.map((c) => c.expression),
      ...t.options,
    ]),
  ]
  const type = quoteName(after.name)
  return added.filter((label) => texts.some((text) => text.includes(`${quoteLiteral(label)}::${type}`)))
}

export function alterEnum(
  before: SchemaObject,
  after: SchemaObject,
  from: Schema,
  to: Schema,
  notes: string[] = [],
): string[] {
  const old = enumLabels(before.definition)
  const labels = enumLabels(after.definition)
  const q = quoteName(after.name)
  const used = usedNewLabels(before, after, to)
  if (used.length > 0)
    notes.push(
      `Enum ${after.name} gains ${used.map(quoteLiteral).join(", ")}, which this migration also uses: PostgreSQL refuses to use a value ALTER TYPE ... ADD VALUE added before its transaction commits, so the type is made anew with all its values (a new type's values are usable at once) and its columns are cast to it through text.`,
    )
  if (isSubsequence(old, labels) && used.length === 0) {
    const out: string[] = []
    const present = new Set(old)
    labels.forEach((label, i) => {
      if (present.has(label)) return
      const next = labels.slice(i + 1).find((l) => present.has(l))
      const position = next !== undefined ? ` BEFORE ${quoteLiteral(next)}` : ""
      out.push(`ALTER TYPE ${q} ADD VALUE ${quoteLiteral(label)}${position}`)
      present.add(label)
    })
    return out
  }
  // Values cannot be removed or reordered in place: build the new type, move every column to it, swap names.
  const { schema, name } = splitName(after.name)
  const tempBare = makeObjectName(name, undefined, "aim_new")
  const temp = schema === "public" ? tempBare : `${schema}.${tempBare}`
  const t = quoteName(temp)
  return [
    `CREATE TYPE ${t} AS ENUM (${labels.map(quoteLiteral).join(", ")})`,
    ...moveColumns(
      from,
      to,
      before.name,
      t,
      (c, array) => (array ? `${c}::text[]::${t}[]` : `${c}::text::${t}`),
      [`DROP TYPE ${q}`, `ALTER TYPE ${t} RENAME TO ${quoteIdent(name)}`],
    ),
  ]
}

/**
 * Every column of type `type` (or an array of it) that `to` keeps, moved to the new type `temp`
 * with `cast` (defaults taken off first: they are of the old type), then `swap` (the old type
 * dropped and the new one renamed), then the defaults put back. Tables that go are dropped before
 * (engines/order.ts).
 */
function moveColumns(
  from: Schema,
  to: Schema,
  type: string,
  temp: string,
  cast: (column: string, array: boolean) => string,
  swap: ReadonlyArray<string>,
): string[] {
  const users = columnsOfType(from, type).filter((u) => to.tables.some((t) => t.name === u.table))
  const out: string[] = []
  for (const { table, column, array } of users) {
    const qt = quoteName(table)
    const qc = quoteIdent(column.name)
    if (column.default !== undefined) out.push(`ALTER TABLE ${qt} ALTER COLUMN ${qc} DROP DEFAULT`)
    out.push(`ALTER TABLE ${qt} ALTER COLUMN ${qc} TYPE ${temp}${array ? "[]" : ""} USING ${cast(qc, array)}`)
  }
  out.push(...swap)
  for (const { table, column } of users) {
    const target = to.tables.find((t) => t.name === table)?.columns.find((c) => c.name === column.name)
    if (column.default !== undefined && target?.default !== undefined)
      out.push(
        `ALTER TABLE ${quoteName(table)} ALTER COLUMN ${quoteIdent(column.name)} SET DEFAULT ${target.default}`,
      )
  }
  return out
}

interface Domain {
  readonly base: string
  readonly collation?: string | undefined
  readonly default?: string | undefined
  readonly notNull: boolean
  readonly checks: ReadonlyArray<{ readonly name: string; readonly sql: string }>
}

export function parseDomain(definition: string, name: string): Domain {
  const asAt = topLevelKeywords(definition, ["AS"])[0]?.start ?? 0
  const rest = definition.slice(asAt + 2)
  const marks = topLevelKeywords(rest, ["COLLATE", "DEFAULT", "NOT NULL", "CONSTRAINT", "CHECK"])
  const piece = (i: number) =>
    rest.slice(marks[i]?.start ?? rest.length, marks[i + 1]?.start ?? rest.length).trim()
  const domain = { base: rest.slice(0, marks[0]?.start ?? rest.length).trim(), notNull: false } as {
    base: string
    collation?: string
    default?: string
    notNull: boolean
    checks: Array<{ name: string; sql: string }>
  }
  domain.checks = []
  let pendingName: string | undefined
  marks.forEach((m, i) => {
    const text = piece(i)
    if (m.word === "COLLATE") domain.collation = text.slice(8)
    else if (m.word === "DEFAULT") domain.default = text.slice(8)
    else if (m.word === "NOT NULL") domain.notNull = true
    else if (m.word === "CONSTRAINT") pendingName = text.slice(11)
    else {
      const own = pendingName?.startsWith('"') ? pendingName.slice(1, -1).replaceAll('""', '"') : pendingName
      domain.checks.push({
        name: own ?? makeObjectName(splitName(name).name, undefined, "check"),
        sql: `${pendingName !== undefined ? `CONSTRAINT ${pendingName} ` : ""}${text}`,
      })
      pendingName = undefined
    }
  })
  return domain
}

/**
 * True when ALTER DOMAIN cannot make the change: the base type or collation changes, or a check or
 * NOT NULL does while an array of the domain is in use ("cannot alter type because column uses it").
 */
export function domainNeedsSwap(before: SchemaObject, after: SchemaObject, from: Schema): boolean {
  const a = parseDomain(before.definition, before.name)
  const b = parseDomain(after.definition, after.name)
  if (a.base !== b.base || a.collation !== b.collation) return true
  const constrained = a.notNull !== b.notNull || JSON.stringify(a.checks) !== JSON.stringify(b.checks)
  return constrained && columnsOfType(from, before.name).some((u) => u.array)
}

/**
 * A domain made anew on another base type or collation: created under a temporary name (its checks
 * named as they will be), every column of it cast to it through the new base type, the old domain
 * dropped and the new one renamed, the columns' defaults put back.
 */
function swapDomain(before: SchemaObject, after: SchemaObject, from: Schema, to: Schema): string[] {
  const b = parseDomain(after.definition, after.name)
  const { schema, name } = splitName(after.name)
  const tempBare = makeObjectName(name, undefined, "aim_new")
  const temp = quoteName(schema === "public" ? tempBare : `${schema}.${tempBare}`)
  const parts = [`CREATE DOMAIN ${temp} AS ${b.base}`]
  if (b.collation !== undefined) parts.push(`COLLATE ${b.collation}`)
  if (b.default !== undefined) parts.push(`DEFAULT ${b.default}`)
  if (b.notNull) parts.push("NOT NULL")
  for (const c of b.checks)
    parts.push(`CONSTRAINT ${quoteIdent(c.name)} ${c.sql.replace(/^CONSTRAINT ("(?:[^"]|"")+"|\S+) /, "")}`)
  const a = parseDomain(before.definition, before.name)
  const via = needsUsing(a.base, b.base) ? "::text" : ""
  return [
    parts.join(" "),
    ...moveColumns(
      from,
      to,
      before.name,
      temp,
      (c, array) => (array ? `${c}${via && `${via}[]`}::${b.base}[]` : `${c}${via}::${b.base}`),
      [`DROP DOMAIN ${quoteName(before.name)}`, `ALTER DOMAIN ${temp} RENAME TO ${quoteIdent(name)}`],
    ),
  ]
}

export function alterDomain(before: SchemaObject, after: SchemaObject, from: Schema, to: Schema): string[] {
  if (domainNeedsSwap(before, after, from)) return swapDomain(before, after, from, to)
  const a = parseDomain(before.definition, before.name)
  const b = parseDomain(after.definition, after.name)
  const q = quoteName(after.name)
  const out: string[] = []
  if (a.default !== b.default)
    out.push(`ALTER DOMAIN ${q} ${b.default === undefined ? "DROP DEFAULT" : `SET DEFAULT ${b.default}`}`)
  if (a.notNull !== b.notNull) out.push(`ALTER DOMAIN ${q} ${b.notNull ? "SET" : "DROP"} NOT NULL`)
  const newSql = new Set(b.checks.map((c) => c.sql))
  const oldSql = new Set(a.checks.map((c) => c.sql))
  for (const c of a.checks)
    if (!newSql.has(c.sql)) out.push(`ALTER DOMAIN ${q} DROP CONSTRAINT ${quoteIdent(c.name)}`)
  for (const c of b.checks) if (!oldSql.has(c.sql)) out.push(`ALTER DOMAIN ${q} ADD ${c.sql}`)
  return out
}

/** Attributes of `CREATE TYPE t AS (a integer, b text)` as [quoted name, type]. */
function attributes(definition: string): Array<[string, string]> {
  const open = definition.indexOf("(")
  return splitTopLevel(stripParens(definition.slice(open))).map((part) => {
    const tokens = significant(tokenize(part))
    const first = tokens[0]?.text ?? ""
    return [first, part.slice(first.length).trim()]
  })
}

export function alterComposite(before: SchemaObject, after: SchemaObject): string[] {
  const q = quoteName(after.name)
  const old = new Map(attributes(before.definition))
  const now = new Map(attributes(after.definition))
  const out: string[] = []
  for (const [name] of old) if (!now.has(name)) out.push(`ALTER TYPE ${q} DROP ATTRIBUTE ${name}`)
  for (const [name, type] of now) {
    const was = old.get(name)
    if (was === undefined) out.push(`ALTER TYPE ${q} ADD ATTRIBUTE ${name} ${type}`)
    else if (was !== type) out.push(`ALTER TYPE ${q} ALTER ATTRIBUTE ${name} TYPE ${type}`)
  }
  return out
}

/** The CREATE part and the OWNED BY part of a sequence definition. */
export function sequenceParts(definition: string): { create: string; owner?: string | undefined } {
  const cut = definition.indexOf(";\nALTER SEQUENCE ")
  if (cut === -1) return { create: definition }
  const rest = readName(definition.slice(cut + ";\nALTER SEQUENCE ".length))?.rest ?? ""
  return { create: definition.slice(0, cut), owner: rest.replace(/^ OWNED BY /, "") }
}

/**
 * Every option of a sequence as ALTER SEQUENCE sets it, from the clauses of its definition (those
 * left out take their defaults): so the options a sequence had before cannot linger.
 */
export function sequenceOptions(clauses: string, type = /\bAS (\w+)/.exec(clauses)?.[1] ?? "bigint"): string {
  const { increment, min, max, start } = sequenceBounds(clauses, type)
  const cache = /CACHE (\d+)/.exec(clauses)?.[1] ?? "1"
  return `AS ${type} INCREMENT BY ${increment} MINVALUE ${min} MAXVALUE ${max} START WITH ${start} CACHE ${cache} ${/\bCYCLE\b/.test(clauses) && !/\bNO CYCLE\b/.test(clauses) ? "CYCLE" : "NO CYCLE"}`
}

/** A sequence's increment, bounds and start from its clauses, defaults filled in for its type and direction. */
function sequenceBounds(clauses: string, type: string) {
  const increment = /INCREMENT BY (-?\d+)/.exec(clauses)?.[1] ?? "1"
  const ascending = !increment.startsWith("-")
  // The bounds are written out: NO MINVALUE / NO MAXVALUE in a statement that also turns the
  // direction around take the old direction's defaults.
  const range = typeRanges[type] ?? typeRanges.bigint
  const min = /MINVALUE (-?\d+)/.exec(clauses)?.[1] ?? (ascending ? "1" : range.min)
  const max = /MAXVALUE (-?\d+)/.exec(clauses)?.[1] ?? (ascending ? range.max : "-1")
  const start = /START WITH (-?\d+)/.exec(clauses)?.[1] ?? (ascending ? min : max)
  return { increment, ascending, min, max, start }
}

/**
 * Whether a sequence going from clauses `before` to `after` must start again: it turns around, or
 * its bounds close in (where it stood may be outside them, which ALTER SEQUENCE refuses).
 */
export function mustRestart(before: string, after: string, type: string): boolean {
  const a = sequenceBounds(before, type)
  const b = sequenceBounds(after, type)
  return a.ascending !== b.ascending || BigInt(b.min) > BigInt(a.min) || BigInt(b.max) < BigInt(a.max)
}

const typeRanges: Record<string, { min: string; max: string }> & { bigint: { min: string; max: string } } = {
  smallint: { min: "-32768", max: "32767" },
  integer: { min: "-2147483648", max: "2147483647" },
  bigint: { min: "-9223372036854775808", max: "9223372036854775807" },
}

/** ALTER SEQUENCE that resets every option to what the new definition says (defaults included). */
export function alterSequence(before: SchemaObject, after: SchemaObject): string[] {
  const q = quoteName(after.name)
  const a = sequenceParts(before.definition)
  const b = sequenceParts(after.definition)
  const out: string[] = []
  const clauses = (create: string) => readName(create.slice("CREATE SEQUENCE ".length))?.rest ?? ""
  const typeOf = (create: string) => /\bAS (\w+)/.exec(clauses(create))?.[1] ?? "bigint"
  if (a.create !== b.create) {
    // Compared under the new type: its bounds are what the old ones must fit in.
    const restart = mustRestart(clauses(a.create), clauses(b.create), typeOf(b.create)) ? " RESTART" : ""
    out.push(`ALTER SEQUENCE ${q} ${sequenceOptions(clauses(b.create))}${restart}`)
  }
  if (a.owner !== b.owner && b.owner === undefined) out.push(`ALTER SEQUENCE ${q} OWNED BY NONE`)
  return out
}

/** The parts of a policy definition as catalog-objects.ts writes it. */
function policyParts(definition: string) {
  const marks = topLevelKeywords(definition, ["AS RESTRICTIVE", "FOR", "TO", "USING", "WITH CHECK"])
  const part = (word: string) => {
    const i = marks.findIndex((m) => m.word === word)
    if (i === -1) return undefined
    const start = (marks[i]?.start ?? 0) + word.length
    return definition.slice(start, marks[i + 1]?.start ?? definition.length).trim()
  }
  return {
    restrictive: part("AS RESTRICTIVE") !== undefined,
    command: part("FOR") ?? "ALL",
    roles: part("TO") ?? "PUBLIC",
    using: part("USING"),
    check: part("WITH CHECK"),
  }
}

/**
 * ALTER POLICY for a policy whose roles, USING or WITH CHECK change
 * (https://www.postgresql.org/docs/current/sql-alterpolicy.html); undefined when it must be
 * dropped and created: its command or PERMISSIVE / RESTRICTIVE changes, or a clause goes away.
 */
export function alterPolicy(before: SchemaObject, after: SchemaObject): string[] | undefined {
  const a = policyParts(before.definition)
  const b = policyParts(after.definition)
  if (a.restrictive !== b.restrictive || a.command !== b.command) return undefined
  if ((a.using !== undefined && b.using === undefined) || (a.check !== undefined && b.check === undefined))
    return undefined
  const head = /^CREATE POLICY (.*?) ON /s.exec(after.definition)?.[1] ?? ""
  const clauses: string[] = []
  if (a.roles !== b.roles) clauses.push(`TO ${b.roles}`)
  if (a.using !== b.using && b.using !== undefined) clauses.push(`USING ${b.using}`)
  if (a.check !== b.check && b.check !== undefined) clauses.push(`WITH CHECK ${b.check}`)
  return [`ALTER POLICY ${head} ON ${quoteName(after.table ?? "")} ${clauses.join(" ")}`]
}

/** The schema and version an extension's definition names (undefined: public, the default version). */
function extensionParts(definition: string): { schema: string; version: string | undefined } {
  const schema = / WITH SCHEMA ("(?:[^"]|"")+"|\S+)/.exec(definition)?.[1]
  const version = / VERSION '((?:[^']|'')*)'$/.exec(definition)?.[1]?.replaceAll("''", "'")
  return { schema: schema ?? "public", version }
}

/** -1, 0 or 1 as version `a` sorts before, with or after `b`, number by number (`1.10` after `1.9`). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/)
  const pb = b.split(/[.-]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0"
    const y = pb[i] ?? "0"
    const nx = Number(x)
    const ny = Number(y)
    const d = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/**
 * ALTER EXTENSION for an extension whose version or schema changes
 * (https://www.postgresql.org/docs/current/sql-alterextension.html): UPDATE TO a newer version,
 * SET SCHEMA for another schema. Extensions ship update scripts forwards only, so an older version
 * is had by dropping the extension and creating it at that version (the notes say so: it fails
 * while objects depend on it). Where one side is the server's default version, whose number the
 * catalog leaves out, the server's own update paths (pg_extension_update_paths) decide when it runs.
 */
export function alterExtension(before: SchemaObject, after: SchemaObject, notes: string[]): string[] {
  const a = extensionParts(before.definition)
  const b = extensionParts(after.definition)
  const q = quoteIdent(after.name)
  const out: string[] = []
  const recreate = [`DROP EXTENSION ${q}`, after.definition]
  if (a.version !== b.version) {
    if (b.version === undefined) out.push(`ALTER EXTENSION ${q} UPDATE`)
    else if (a.version !== undefined && compareVersions(b.version, a.version) > 0)
      out.push(`ALTER EXTENSION ${q} UPDATE TO ${quoteLiteral(b.version)}`)
    else {
      notes.push(
        `Extension ${after.name} may go back to version ${b.version}: extensions update forwards only, so where no update leads there it is dropped and created at that version, which fails while objects depend on it.`,
      )
      if (a.version !== undefined) return recreate
      const literal = quoteLiteral(after.name)
      out.push(
        `DO $aim$ BEGIN IF EXISTS (SELECT FROM pg_extension e, pg_extension_update_paths(e.extname) p WHERE e.extname = ${literal} AND p.source = e.extversion AND p.target = ${quoteLiteral(b.version)} AND p.path IS NOT NULL) THEN ALTER EXTENSION ${q} UPDATE TO ${quoteLiteral(b.version)}; ELSE ${recreate.join("; ")}; END IF; END $aim$`,
      )
    }
  }
  if (a.schema !== b.schema) out.push(`ALTER EXTENSION ${q} SET SCHEMA ${b.schema}`)
  return out
}
