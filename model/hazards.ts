/**
 * hazards: which rows would break a change, as SQL. For each data-dependent change of a change list
 * (`dataConditions`, changes.ts) it gives a condition over the table as it is before the change that
 * holds for exactly the rows the change refuses or alters: NULLs where NOT NULL comes, duplicates
 * where a key comes, orphans where a foreign key comes, rows outside a new CHECK, values a type
 * narrowing or conversion cannot keep, rows holding a removed ENUM label, every row where a NOT NULL
 * column without a default comes. With it go the one `SELECT count(*)` a user runs on production to
 * count those rows, and the values sample rows take to fit both versions (engines/seed.ts) or to
 * break the change on purpose (steps/probe.ts). What differs between dialects (quoting, a string's
 * length, regular expressions, SQLite's type affinities) is data, `HazardRules`, which each engine
 * states in its capabilities. Pure.
 */
import type { Change, Column, RenameHints, Schema } from "../model.ts"
import { type LexDialect, standardDialect, tokenize } from "../sql/lexer.ts"
import { columnTwins } from "./ambiguity.ts"
import { type DataCondition, dataConditions, describeChange } from "./changes.ts"
import { type NameKey, nameKey } from "./names.ts"
import { classify, enumLabels, narrowing, type TypeClass, type TypeRules } from "./types.ts"

/**
 * What a type change does to some rows: the condition that finds them, whether the schema after
 * refuses them (else the change alters or keeps them), and values (SQL literals) for sample rows.
 */
export interface ValueHazard {
  readonly condition: string
  readonly enforced: boolean
  /** Values that meet the condition, for a probe row; they fit the type before. */
  readonly breaking: ReadonlyArray<string>
  /** Values that do not, for sample rows (each row tries them from its own place in the list on). */
  readonly fitting: ReadonlyArray<string>
}

/** How a dialect writes the SQL of a hazard: names, literals, the few functions the conditions use. */
export interface HazardRules {
  /** How the engine's own tokenizer reads SQL text (to find the names a check or an index uses). */
  readonly lexer: LexDialect
  /** A table's name (qualified where the model qualifies it) as SQL. */
  readonly quoteTable: (name: string) => string
  readonly quoteColumn: (name: string) => string
  /** A string literal. */
  readonly literal: (text: string) => string
  /** The length of a string value in characters, and in bytes. */
  readonly charLength: (expr: string) => string
  readonly byteLength: (expr: string) => string
  /**
   * `expr` matches the POSIX extended regular expression `pattern` (a SQL literal already); undefined
   * where the dialect has no such operator (SQLite without an extension).
   */
  readonly matches: ((expr: string, pattern: string) => string) | undefined
  /** `a` and `b` differ, NULL counting as a value. */
  readonly distinct: (a: string, b: string) => string
  /** A value as text, to compare with labels. */
  readonly asText: (expr: string) => string
  /**
   * A NOT NULL column added without a default fills the existing rows with its type's implicit
   * value instead of failing (MySQL, MariaDB): the rows are not refused.
   */
  readonly implicitNotNullValues: boolean
  /** A CHECK's boolean expression, from its text as the model keeps it (PostgreSQL: `(a > 0) NO INHERIT`). */
  readonly checkExpression?: ((text: string) => string) | undefined
  /** A SET value holds `label` (a SQL literal): MySQL's FIND_IN_SET. */
  readonly setMember?: ((expr: string, label: string) => string) | undefined
  /** The first `length` characters of `expr`: what a key prefix (MySQL `name(10)`) compares. */
  readonly keyPrefix?: ((expr: string, length: number) => string) | undefined
  /**
   * The engine's own reading of a column's type change, replacing the shared one: SQLite converts
   * values by type affinity and enforces no declared size (engines/sqlite/hazards.ts).
   */
  readonly typeChange?: ((before: Column, after: Column, column: string) => ValueHazard[]) | undefined
  /** What a column that starts numbering itself does to the values it held (MySQL AUTO_INCREMENT: zeros). */
  readonly numbering?:
    | ((before: Column, after: Column, column: string) => ValueHazard | undefined)
    | undefined
}

/** Standard SQL with names always double-quoted: what a dialect is unless it says otherwise. */
export const standardHazardRules: HazardRules = {
  lexer: standardDialect,
  quoteTable: (name) =>
    name
      .split(".")
      .map((part) => `"${part.replaceAll('"', '""')}"`)
      .join("."),
  quoteColumn: (name) => `"${name.replaceAll('"', '""')}"`,
  literal: (text) => `'${text.replaceAll("'", "''")}'`,
  charLength: (expr) => `char_length(${expr})`,
  byteLength: (expr) => `octet_length(${expr})`,
  matches: undefined,
  distinct: (a, b) => `${a} IS DISTINCT FROM ${b}`,
  asText: (expr) => `CAST(${expr} AS VARCHAR)`,
  implicitNotNullValues: false,
}

/** The parent a foreign key that comes needs: sample rows take its values. Names as before the change. */
export interface HazardParent {
  readonly table: string
  readonly columns: ReadonlyArray<string>
  readonly referencedColumns: ReadonlyArray<string>
}

/** Rows that one change refuses or alters, found by SQL on the table as it is before the change. */
export interface DataHazard {
  readonly kind: DataCondition
  /** The change, in a few words (`describeChange`). */
  readonly change: string
  /** The table and columns as they are named before the change (on the user's production database). */
  readonly table: string
  readonly columns: ReadonlyArray<string>
  /** An SQL condition, true for exactly the rows that break the change. */
  readonly condition: string
  /** One `SELECT count(*)` that counts those rows. */
  readonly check: string
  /** The schema after the change refuses such rows (sample rows must avoid them); else it alters or keeps them. */
  readonly enforced: boolean
  /** SQL literals by column that likely meet the condition: a probe row's values. */
  readonly breaking: Readonly<Record<string, ReadonlyArray<string>>>
  /** SQL literals by column that likely do not, for sample rows (row n tries them from the n-th on). */
  readonly fitting: Readonly<Record<string, ReadonlyArray<string>>>
  /** A probe needs two rows that share these columns' values (a key that comes). */
  readonly duplicate?: ReadonlyArray<string> | undefined
  /** A foreign key's parent, where it exists before the change. */
  readonly parent?: HazardParent | undefined
  /**
   * The change may be a rename the catalogs cannot see (a column of a compatible type leaves the
   * table as this one comes): rows may keep their values, depending on the migration.
   */
  readonly maybeRenamed?: boolean | undefined
}

const none = {}

/** Sample-row values 1, 2, 3 as `write` spells them. */
const counting = (write: (n: number) => string) => [1, 2, 3].map(write)

/** Integer limits of an integer class. */
function integerRange(c: { bytes: number; unsigned: boolean }): { min: bigint; max: bigint } {
  const bits = BigInt(8 * c.bytes)
  return c.unsigned
    ? { min: 0n, max: 2n ** bits - 1n }
    : { min: -(2n ** (bits - 1n)), max: 2n ** (bits - 1n) - 1n }
}

/** Whether `value` (a plain number as text) fits the type class: the probe's value must fit the type before. */
function fitsClass(value: bigint, c: TypeClass): boolean {
  if (c.kind === "integer") {
    const { min, max } = integerRange(c)
    return value >= min && value <= max
  }
  if (c.kind === "decimal") {
    if (c.precision === undefined) return true
    const digits = (value < 0n ? -value : value).toString().length
    return digits <= c.precision - c.scale
  }
  return c.kind === "float"
}

/** The declared number of characters of a string type (`varchar(10)` -> 10), when the type says one. */
const declaredLength = (type: string) => {
  const m = /\(\s*(\d+)\s*\)/.exec(type)
  return m ? Number(m[1]) : undefined
}

const INTEGER_TEXT = "^[[:space:]]*[-+]?[0-9]+[[:space:]]*$"
const DECIMAL_TEXT = "^[[:space:]]*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$"
const BOOLEAN_TEXT = "^[[:space:]]*(t|f|true|false|y|yes|n|no|on|off|1|0)[[:space:]]*$"

/**
 * The shared reading of a type change (what `narrowing` in types.ts calls lossy): lengths, integer
 * ranges, decimal digits, text that must parse as a number or a boolean, ENUM and SET labels.
 */
export function typeHazards(
  before: Column,
  after: Column,
  ref: string,
  r: HazardRules,
  types: TypeRules,
  userEnums: (type: string, side: "before" | "after") => ReadonlyArray<string> | undefined = () => undefined,
): ValueHazard[] {
  if (r.typeChange) return r.typeChange(before, after, ref)
  // A type of the schema's own (PostgreSQL's CREATE TYPE ... AS ENUM) is read as the labels it holds.
  const read = (type: string, side: "before" | "after"): TypeClass => {
    const labels = userEnums(type, side)
    return labels ? { kind: "enum", labels } : classify(type, types)
  }
  const from = read(before.type, "before")
  const to = read(after.type, "after")
  const column = userEnums(before.type, "before") || userEnums(after.type, "after") ? r.asText(ref) : ref
  const labelled = (kind: "enum" | "set") => from.kind === kind && to.kind === kind
  if (labelled("enum") || labelled("set")) {
    const old = (from as { labels: ReadonlyArray<string> }).labels
    const now = (to as { labels: ReadonlyArray<string> }).labels
    const removed = old.filter((l) => !now.includes(l))
    if (removed.length === 0) return []
    const kept = now.filter((l) => old.includes(l))
    const holds =
      from.kind === "set" && r.setMember
        ? `(${removed.map((l) => (r.setMember as (e: string, l: string) => string)(column, r.literal(l))).join(" OR ")})`
        : `${column} IN (${removed.map(r.literal).join(", ")})`
    return [
      {
        condition: holds,
        enforced: true,
        breaking: removed.map(r.literal),
        fitting: kept.map(r.literal),
      },
    ]
  }
  if (narrowing(from, to) === undefined) return []
  if (from.kind === "string" && to.kind === "string" && to.length !== undefined) {
    const chars = declaredLength(after.type)
    const limit = chars ?? to.length
    const length = chars !== undefined || types.bytesPerCharacter === 1 ? r.charLength : r.byteLength
    return [
      {
        condition: `${length(column)} > ${limit}`,
        enforced: types.enforcesDeclaredSizes,
        breaking: [r.literal("x".repeat(limit + 1))],
        fitting: counting((n) => r.literal(String(n).slice(0, Math.max(1, limit)))),
      },
    ]
  }
  if (to.kind === "integer" && (from.kind === "integer" || from.kind === "decimal")) {
    const { min, max } = integerRange(to)
    const rounded = from.kind === "decimal" ? `round(${column})` : column
    // Only where the type before holds values outside the new range.
    const outside = [max + 1n, min - 1n].filter((v) => fitsClass(v, from)).map(String)
    const out: ValueHazard[] =
      outside.length === 0
        ? []
        : [
            {
              condition: `(${rounded} < ${min} OR ${rounded} > ${max})`,
              enforced: true,
              breaking: outside,
              fitting: counting(String),
            },
          ]
    if (from.kind === "decimal" && (from.scale > 0 || from.precision === undefined))
      out.push({
        condition: `${column} <> round(${column})`,
        enforced: false,
        breaking: ["1.5"],
        fitting: counting(String),
      })
    return out
  }
  if (from.kind === "decimal" && to.kind === "decimal" && to.precision !== undefined) {
    const room = to.precision - to.scale
    const bound = `1${"0".repeat(room)}`
    const fromRoom = from.precision === undefined ? Infinity : from.precision - from.scale
    const out: ValueHazard[] = []
    const overflow =
      fromRoom > room
        ? [bound]
        : from.scale > to.scale && room > 0
          ? [`${"9".repeat(room)}.${"9".repeat(to.scale + 1)}`]
          : []
    if (fromRoom > room || from.scale > to.scale)
      out.push({
        condition: `abs(round(${column}, ${to.scale})) >= ${bound}`,
        enforced: true,
        breaking: overflow,
        fitting: counting((n) => (room > 0 ? String(n) : `0.${n}`)),
      })
    if (from.scale > to.scale || from.precision === undefined)
      out.push({
        condition: `${column} <> round(${column}, ${to.scale})`,
        enforced: false,
        breaking: [`0.${"0".repeat(to.scale)}1`],
        fitting: counting(String),
      })
    return out
  }
  if (from.kind === "string" && to.kind === "enum") {
    return [
      {
        condition: `${column} NOT IN (${to.labels.map(r.literal).join(", ")})`,
        enforced: true,
        breaking: [r.literal(`${to.labels.join("")}x`)],
        fitting: to.labels.map(r.literal),
      },
    ]
  }
  if (from.kind === "string" && r.matches) {
    const pattern =
      to.kind === "integer"
        ? INTEGER_TEXT
        : to.kind === "decimal"
          ? DECIMAL_TEXT
          : to.kind === "boolean"
            ? BOOLEAN_TEXT
            : undefined
    if (pattern === undefined) return []
    const subject = to.kind === "boolean" ? `lower(${column})` : column
    return [
      {
        condition: `NOT (${r.matches(subject, r.literal(pattern))})`,
        enforced: true,
        breaking: [r.literal("x")],
        fitting:
          to.kind === "boolean"
            ? [r.literal("true"), r.literal("false")]
            : counting((n) => r.literal(String(n))),
      },
    ]
  }
  return []
}

/** Word and quoted-name tokens of SQL text, unquoted: the names it may mention. */
function namesIn(sql: string, r: HazardRules): string[] {
  const names: string[] = []
  for (const t of tokenize(sql, { ...r.lexer, tolerant: true })) {
    if (t.kind === "word") names.push(t.text)
    else if (t.kind === "quoted") names.push(t.text.slice(1, -1))
  }
  return names
}

/** SQL text with renamed columns spelled as before the change. */
function withNames(sql: string, r: HazardRules, rename: (name: string) => string | undefined): string {
  return tokenize(sql, { ...r.lexer, tolerant: true })
    .map((t) => {
      if (t.kind !== "word" && t.kind !== "quoted") return t.text
      const old = rename(t.kind === "word" ? t.text : t.text.slice(1, -1))
      return old === undefined ? t.text : r.quoteColumn(old)
    })
    .join("")
}

/** String and number literals of an expression: values a CHECK names, likely on either side of it. */
function literalsIn(sql: string, r: HazardRules): { fitting: string[]; breaking: string[] } {
  const fitting: string[] = []
  const breaking: string[] = []
  for (const t of tokenize(sql, { ...r.lexer, tolerant: true })) {
    if (t.kind === "string") {
      fitting.push(t.text)
      breaking.push(t.text)
    }
    if (t.kind === "number" && /^\d+(\.\d+)?$/.test(t.text)) {
      const n = Number(t.text)
      fitting.push(t.text, String(n + 1))
      breaking.push(String(n - 1), t.text, String(n + 1))
    }
  }
  breaking.push("0", "-1", r.literal(""), r.literal("x"))
  return { fitting, breaking }
}

/** The items of an index's column list, and its WHERE, from its definition; undefined when unreadable. */
function indexParts(
  definition: string,
  r: HazardRules,
): { items: string[]; where?: string | undefined } | undefined {
  const tokens = tokenize(definition, { ...r.lexer, tolerant: true })
  const on = tokens.findIndex((t) => t.kind === "word" && t.text.toUpperCase() === "ON")
  const open = tokens.findIndex((t, i) => i > on && t.text === "(")
  if (on === -1 || open === -1) return undefined
  let depth = 0
  const items: string[] = []
  let current = ""
  let close = -1
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as (typeof tokens)[number]
    if (t.text === "(") depth++
    if (t.text === ")") depth--
    if (depth === 0) {
      close = i
      break
    }
    if (i === open) continue
    if (depth === 1 && t.text === ",") {
      items.push(current)
      current = ""
    } else current += t.text
  }
  if (close === -1) return undefined
  items.push(current)
  const rest = tokens.slice(close + 1)
  const whereAt = rest.findIndex((t) => t.kind === "word" && t.text.toUpperCase() === "WHERE")
  const where =
    whereAt === -1
      ? undefined
      : rest
          .slice(whereAt + 1)
          .map((t) => t.text)
          .join("")
          .trim()
  const cleaned = items.map((item) =>
    item
      .trim()
      .replace(/\s+(ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?$/i, "")
      .replace(/\s+NULLS\s+(FIRST|LAST)$/i, "")
      .replace(/\s+[A-Za-z_][A-Za-z0-9_]*_ops$/i, "")
      .trim(),
  )
  // MySQL: `name`(10) compares the first 10 characters.
  const prefixed = cleaned.map((item) => {
    const m = /^((?:`(?:[^`]|``)+`)|[A-Za-z_][A-Za-z0-9_$]*)\s*\(\s*(\d+)\s*\)$/.exec(item)
    return m && r.keyPrefix ? r.keyPrefix(m[1] as string, Number(m[2])) : item
  })
  return { items: prefixed, where: where === "" ? undefined : where }
}

/** Rows sharing the values of `items` with another row (NULLs never equal, as a unique key reads them). */
function duplicatesCondition(
  table: string,
  outer: ReadonlyArray<string>,
  inner: ReadonlyArray<string>,
  where?: string,
) {
  const left = outer.length === 1 ? (outer[0] as string) : `(${outer.join(", ")})`
  const list = inner.join(", ")
  const filter = where === undefined ? "" : ` WHERE ${where}`
  return `${left} IN (SELECT ${list} FROM ${table}${filter} GROUP BY ${list} HAVING count(*) > 1)${where === undefined ? "" : ` AND (${where})`}`
}

/** A value of a column's type unlikely to be among a parent's sample rows, for an orphan. */
function orphanValues(column: Column | undefined, r: HazardRules, types: TypeRules): string[] {
  if (!column) return []
  const c = classify(column.type, types)
  if (c.kind === "integer") return [c.bytes === 1 ? "99" : "9999"]
  if (c.kind === "decimal" || c.kind === "float") return ["99"]
  if (c.kind === "string") return [r.literal((c.length ?? 9) >= 9 ? "orphan 9" : "9")]
  return []
}

/**
 * Every hazard of the change list from `from` to `to` (the UP direction), named as `from` names
 * things. Changes whose rows cannot be found by a query on the table before (a CHECK or key on a
 * column the change itself adds, an exclusion constraint) have none.
 */
export function findHazards(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
  r: HazardRules,
  types: TypeRules,
  renames?: RenameHints,
): DataHazard[] {
  const key: NameKey = nameKey(from, to)
  const tableBefore = (after: string) => renames?.tables?.find((t) => key(t.to) === key(after))?.from ?? after
  const findTable = (schema: Schema, name: string) => schema.tables.find((t) => key(t.name) === key(name))
  const renamedTwins = columnTwins(changes, types)
  // Enum types of the schemas' own, by the name a column's type spells them with.
  const enumsOf = (schema: Schema) =>
    new Map(
      schema.objects
        .filter((o) => o.kind === "enum")
        .map((o) => [key(r.quoteTable(o.name)), enumLabels(o.definition)] as const),
    )
  const enums = { before: enumsOf(from), after: enumsOf(to) }
  const userEnums = (type: string, side: "before" | "after") => enums[side].get(key(type))
  const out: DataHazard[] = []
  for (const change of changes) {
    const conditions = dataConditions(change)
    // A CHECK kept with its column (MySQL and MariaDB's column CHECK): an attribute of the column.
    const columnCheck =
      change.kind === "alter-column" &&
      change.after.extra?.check !== undefined &&
      change.after.extra.check !== change.before.extra?.check
    if (conditions.length === 0 && !columnCheck) continue
    if (change.kind === "replace-object") {
      out.push(...enumHazards(change, from, r, key))
      continue
    }
    if (!("table" in change) || typeof change.table !== "string") continue
    const before = findTable(from, tableBefore(change.table))
    const after = findTable(to, change.table)
    if (!before || !after) continue
    const T = r.quoteTable(before.name)
    // A column of the table after, as named before; undefined when the change list brings it.
    const columnBefore = (name: string) => {
      const renamed = renames?.columns?.find(
        (c) => key(c.table) === key(after.name) && key(c.to) === key(name),
      )?.from
      return before.columns.find((c) => key(c.name) === key(renamed ?? name))
    }
    const afterColumns = new Set(after.columns.map((c) => key(c.name)))
    const rename = (name: string) => {
      if (!afterColumns.has(key(name))) return undefined
      const old = columnBefore(name)
      return old && old.name !== name ? old.name : undefined
    }
    const mentioned = (sql: string) => [
      ...new Set(
        namesIn(sql, r)
          .filter((n) => afterColumns.has(key(n)))
          .map((n) => key(n)),
      ),
    ]
    const Q = (column: string) => `${T}.${r.quoteColumn(column)}`
    const addedColumn = (name: string) =>
      changes.flatMap((c) =>
        c.kind === "add-column" && key(c.table) === key(after.name) && key(c.column.name) === key(name)
          ? [c.column]
          : [],
      )[0]
    // Every existing row gets the same value in an added column: a constant default, or MySQL's
    // implicit one for NOT NULL. NULLs never make duplicates, nor do generated or numbered values.
    const oneValue = (c: Column | undefined) =>
      c !== undefined &&
      c.generated === undefined &&
      !Object.keys(c.extra ?? {}).some((k) => /identity|serial|auto_increment/.test(k)) &&
      (c.default === undefined
        ? c.notNull && r.implicitNotNullValues
        : /^\(?('([^']|'')*'|[-+]?[0-9.]+|true|false)\)?(::[a-z ]+)?$/i.test(c.default.trim()))
    const add = (h: Omit<DataHazard, "change" | "check" | "table">) =>
      out.push({
        ...h,
        change: describeChange(change),
        table: before.name,
        check: `SELECT count(*) FROM ${T}${h.condition === "1 = 1" ? "" : ` WHERE ${h.condition}`}`,
      })
    const checkHazard = (text: string) => {
      const expression = r.checkExpression?.(text) ?? text
      const names = mentioned(expression)
      const cols = names.map((n) => columnBefore(n))
      if (cols.some((c) => c === undefined) || cols.length === 0) return
      const { fitting, breaking } = literalsIn(expression, r)
      const columns = (cols as Column[]).map((c) => c.name)
      add({
        kind: "check",
        columns,
        condition: `NOT (${withNames(expression, r, rename)})`,
        enforced: true,
        breaking: Object.fromEntries(columns.map((c) => [c, breaking])),
        fitting: Object.fromEntries(columns.map((c) => [c, fitting])),
      })
    }
    switch (change.kind) {
      case "add-column": {
        // Beside a dropped column it may be, renamed, rows can keep their values (steps/verify.ts).
        const maybeRenamed = renamedTwins.some((t) => t.table === change.table && t.added === change.column)
        add({
          kind: "not-null",
          columns: [change.column.name],
          condition: "1 = 1",
          enforced: !r.implicitNotNullValues,
          maybeRenamed,
          breaking: {},
          fitting: none,
        })
        break
      }
      case "alter-column":
      case "rename-column": {
        const old = change.before
        if (!before.columns.some((c) => key(c.name) === key(old.name))) break
        const C = Q(old.name)
        if (conditions.includes("not-null"))
          add({
            kind: "not-null",
            columns: [old.name],
            condition: `${C} IS NULL`,
            enforced: true,
            breaking: { [old.name]: ["NULL"] },
            fitting: none,
          })
        const ofColumn = (kind: DataCondition, h: ValueHazard) =>
          add({
            kind,
            columns: [old.name],
            condition: h.condition,
            enforced: h.enforced,
            breaking: { [old.name]: h.breaking },
            fitting: { [old.name]: h.fitting },
          })
        if (conditions.includes("type"))
          for (const h of typeHazards(old, change.after, C, r, types, userEnums)) ofColumn("type", h)
        const generated = change.after.generated
        if (conditions.includes("generated") && generated) {
          const cols = mentioned(generated.expression).map((n) => columnBefore(n))
          if (cols.every((c) => c !== undefined))
            add({
              kind: "generated",
              columns: [old.name],
              condition: r.distinct(C, `(${withNames(generated.expression, r, rename)})`),
              enforced: false,
              breaking: {},
              fitting: none,
            })
        }
        const numbering = conditions.includes("identity") ? r.numbering?.(old, change.after, C) : undefined
        if (numbering) ofColumn("identity", numbering)
        if (change.kind === "alter-column" && columnCheck) checkHazard(change.after.extra?.check as string)
        break
      }
      case "add-constraint":
      case "alter-constraint": {
        const constraint = change.kind === "add-constraint" ? change.constraint : change.after
        if (!constraint.valid) break
        if (constraint.type === "check" && "check" in constraint) checkHazard(constraint.check.expression)
        if (
          (constraint.type === "unique" || constraint.type === "primary-key") &&
          !("clause" in constraint)
        ) {
          const names =
            constraint.type === "unique" ? constraint.unique.columns : constraint.primaryKey.columns
          // A column the change adds holds one value in every row (its default, or MySQL's implicit
          // one): the key then finds duplicates among the other columns alone.
          const added = names.filter((n) => !columnBefore(n))
          if (!added.every((n) => oneValue(addedColumn(n)))) break
          const columns = names.flatMap((n) => columnBefore(n)?.name ?? [])
          add({
            kind: "unique",
            columns,
            condition:
              columns.length === 0
                ? `(SELECT count(*) FROM ${T}) > 1`
                : duplicatesCondition(T, columns.map(Q), columns.map(r.quoteColumn)),
            enforced: true,
            breaking: {},
            fitting: none,
            duplicate: columns,
          })
        }
        if (constraint.type === "foreign-key" && "foreignKey" in constraint) {
          const fk = constraint.foreignKey
          const cols = fk.columns.map((n) => columnBefore(n))
          if (cols.some((c) => c === undefined)) break
          const columns = (cols as Column[]).map((c) => c.name)
          const parentBefore = findTable(from, tableBefore(fk.table))
          const parentAfter = findTable(to, fk.table)
          const parentKey = fk.referencedColumns.map((n) => {
            const renamed = renames?.columns?.find(
              (c) => parentAfter && key(c.table) === key(parentAfter.name) && key(c.to) === key(n),
            )?.from
            return parentBefore?.columns.find((c) => key(c.name) === key(renamed ?? n))?.name
          })
          const present = columns.map((c) => `${Q(c)} IS NOT NULL`).join(" AND ")
          const self = parentBefore !== undefined && key(parentBefore.name) === key(before.name)
          const alias = key(before.name.split(".").pop() ?? "") === key("parent") ? "parent_row" : "parent"
          const known = parentBefore !== undefined && parentKey.every((n) => n !== undefined)
          const orphan = known
            ? `${present} AND NOT EXISTS (SELECT 1 FROM ${r.quoteTable(parentBefore.name)} AS ${alias} WHERE ${parentKey
                .map((n, i) => `${alias}.${r.quoteColumn(n as string)} = ${Q(columns[i] as string)}`)
                .join(" AND ")})`
            : present
          const partial =
            fk.match === "FULL" && columns.length > 1
              ? ` OR ((${columns.map((c) => `${Q(c)} IS NULL`).join(" OR ")}) AND NOT (${columns.map((c) => `${Q(c)} IS NULL`).join(" AND ")}))`
              : ""
          add({
            kind: "foreign-key",
            columns,
            condition: partial === "" ? orphan : `(${orphan})${partial}`,
            enforced: true,
            breaking: Object.fromEntries(columns.map((c, i) => [c, orphanValues(cols[i], r, types)])),
            fitting: none,
            parent:
              known && !self
                ? { table: parentBefore.name, columns, referencedColumns: parentKey as string[] }
                : undefined,
          })
        }
        break
      }
      case "add-index":
      case "alter-index": {
        const index = change.kind === "add-index" ? change.index : change.after
        const parts = indexParts(index.definition, r)
        if (!parts) break
        const names = mentioned(parts.items.join(" "))
        const cols = names.map((n) => columnBefore(n))
        if (cols.some((c) => c === undefined) || cols.length === 0) break
        const columns = (cols as Column[]).map((c) => c.name)
        const items = parts.items.map((i) => withNames(i, r, rename))
        const where = parts.where === undefined ? undefined : withNames(parts.where, r, rename)
        if (parts.where !== undefined && mentioned(parts.where).some((n) => columnBefore(n) === undefined))
          break
        add({
          kind: "unique",
          columns,
          condition: duplicatesCondition(T, items, items, where),
          enforced: true,
          breaking: {},
          fitting: none,
          duplicate: columns,
        })
        break
      }
    }
  }
  return out
}

/** Rows holding a label an enum type loses, in every column of that type (PostgreSQL's CREATE TYPE ... AS ENUM). */
function enumHazards(
  change: Extract<Change, { kind: "replace-object" }>,
  from: Schema,
  r: HazardRules,
  key: NameKey,
): DataHazard[] {
  if (change.before.kind !== "enum" || change.after.kind !== "enum") return []
  const old = enumLabels(change.before.definition)
  const now = enumLabels(change.after.definition)
  const removed = old.filter((l) => !now.includes(l))
  if (removed.length === 0) return []
  const type = r.quoteTable(change.before.name)
  const out: DataHazard[] = []
  for (const table of from.tables)
    for (const column of table.columns) {
      if (key(column.type) !== key(type)) continue
      const T = r.quoteTable(table.name)
      const condition = `${r.asText(`${T}.${r.quoteColumn(column.name)}`)} IN (${removed.map(r.literal).join(", ")})`
      out.push({
        kind: "type",
        change: describeChange(change),
        table: table.name,
        columns: [column.name],
        condition,
        check: `SELECT count(*) FROM ${T} WHERE ${condition}`,
        enforced: true,
        breaking: { [column.name]: removed.map(r.literal) },
        fitting: { [column.name]: now.filter((l) => old.includes(l)).map(r.literal) },
      })
    }
  return out
}
