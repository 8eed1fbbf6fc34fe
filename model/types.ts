/**
 * _types: what a column type can hold, per engine family, and whether changing one type into
 * another can lose values. Type names are read the way each engine's catalog spells them
 * (PostgreSQL's format_type: "character varying(20)", "timestamp(3) with time zone"; MySQL's
 * COLUMN_TYPE: "int unsigned", "enum('a','b')"; SQLite: the declared name) and the limits are
 * those the engines document: PostgreSQL's numeric types chapter, MySQL's data type storage
 * requirements, SQLite's datatype page (every integer affinity column stores up to 8 bytes, and
 * declared lengths are not enforced).
 */

export type Family = "sqlite" | "postgres" | "mysql"

export type TypeClass =
  | { readonly kind: "integer"; readonly bytes: number; readonly unsigned: boolean }
  /** precision undefined: unbounded (PostgreSQL's bare numeric). */
  | { readonly kind: "decimal"; readonly precision?: number | undefined; readonly scale: number }
  /** Significant decimal digits it keeps exactly: 6 for a 4-byte float, 15 for an 8-byte one. */
  | { readonly kind: "float"; readonly digits: number }
  /** length undefined: unbounded. MySQL lengths are in bytes (utf8mb4: 4 per character). */
  | { readonly kind: "string"; readonly length?: number | undefined }
  | { readonly kind: "binary"; readonly length?: number | undefined }
  | { readonly kind: "boolean" }
  | { readonly kind: "date" }
  | {
      readonly kind: "timestamp"
      readonly zone: boolean
      readonly precision: number
      /** MySQL TIMESTAMP stops in 2038; DATETIME does not. */
      readonly narrowRange: boolean
    }
  | { readonly kind: "time"; readonly precision: number }
  | { readonly kind: "enum"; readonly labels: ReadonlyArray<string> }
  | { readonly kind: "set"; readonly labels: ReadonlyArray<string> }
  | { readonly kind: "json" }
  | { readonly kind: "uuid" }
  | { readonly kind: "array"; readonly element: TypeClass }
  /** SQLite's column without a type: it keeps any value as given. */
  | { readonly kind: "any" }
  | { readonly kind: "other"; readonly name: string }

export function familyOf(engine: string): Family {
  const e = engine.toLowerCase()
  if (e.startsWith("postgres") || e.startsWith("pg")) return "postgres"
  if (e.startsWith("mysql") || e.startsWith("mariadb")) return "mysql"
  return "sqlite"
}

/** The quoted labels of ENUM('a','b') / SET('a','b') or a CREATE TYPE ... AS ENUM (...) text. */
export function enumLabels(text: string): string[] {
  const open = text.indexOf("(")
  if (open === -1) return []
  const labels: string[] = []
  const re = /'((?:[^'\\]|''|\\.)*)'/g
  for (const m of text.slice(open).matchAll(re)) labels.push((m[1] ?? "").replaceAll("''", "'"))
  return labels
}

const intBytes: Record<string, number> = {
  TINYINT: 1,
  INT1: 1,
  SMALLINT: 2,
  INT2: 2,
  SMALLSERIAL: 2,
  MEDIUMINT: 3,
  INT3: 3,
  INT: 4,
  INTEGER: 4,
  INT4: 4,
  SERIAL: 4,
  BIGINT: 8,
  INT8: 8,
  BIGSERIAL: 8,
}

const mysqlTextBytes: Record<string, number> = {
  TINYTEXT: 255,
  TEXT: 65535,
  MEDIUMTEXT: 16777215,
  LONGTEXT: 4294967295,
  TINYBLOB: 255,
  BLOB: 65535,
  MEDIUMBLOB: 16777215,
  LONGBLOB: 4294967295,
}

/** The type as the engine's catalog reports it, read into what it can hold. */
export function classify(type: string, family: Family): TypeClass {
  const t = type.trim().replace(/\s+/g, " ").toUpperCase()
  if (t.endsWith("[]")) return { kind: "array", element: classify(t.slice(0, -2), family) }
  if (t === "") return family === "sqlite" ? { kind: "any" } : { kind: "other", name: t }
  if (/^(ENUM|SET)\s*\(/.test(t)) {
    const labels = enumLabels(type)
    return t.startsWith("ENUM") ? { kind: "enum", labels } : { kind: "set", labels }
  }
  const params = /\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)/.exec(t)
  const p = params?.[1] === undefined ? undefined : Number(params[1])
  const s = params?.[2] === undefined ? undefined : Number(params[2])
  const words = t
    .replace(/\(.*?\)/, " ")
    .trim()
    .split(/\s+/)
  const base = words.join(" ")
  const unsigned = /\bUNSIGNED\b/.test(base)
  const word = words[0] as string
  const withZone = /WITH TIME ZONE|^TIMESTAMPTZ|^TIMETZ/.test(base)

  if (word in intBytes || /^(TINY|SMALL|MEDIUM|BIG)?INT(EGER)?$/.test(word)) {
    if (family === "mysql" && word === "TINYINT" && p === 1 && !unsigned) return { kind: "boolean" }
    // SQLite stores every INTEGER-affinity value in up to 8 bytes, whatever the declared name.
    const bytes = family === "sqlite" ? 8 : (intBytes[word] ?? 4)
    return { kind: "integer", bytes, unsigned }
  }
  if (["BOOLEAN", "BOOL"].includes(word)) return { kind: "boolean" }
  if (["NUMERIC", "DECIMAL", "DEC", "FIXED", "NUMBER"].includes(word)) {
    if (p === undefined)
      return family === "mysql" ? { kind: "decimal", precision: 10, scale: 0 } : { kind: "decimal", scale: 0 }
    return { kind: "decimal", precision: p, scale: s ?? 0 }
  }
  if (word === "MONEY") return { kind: "decimal", precision: 19, scale: 2 }
  if (["REAL", "FLOAT4"].includes(word)) return { kind: "float", digits: family === "postgres" ? 6 : 15 }
  if (word === "FLOAT") {
    // FLOAT(p): p <= 24 is single precision in both PostgreSQL and MySQL; bare FLOAT is double in
    // PostgreSQL, single in MySQL.
    const single = p !== undefined ? p <= 24 : family === "mysql"
    return { kind: "float", digits: single && family !== "sqlite" ? 6 : 15 }
  }
  if (["DOUBLE", "FLOAT8"].includes(word)) return { kind: "float", digits: 15 }
  if (word === "TEXT" || word === "CLOB" || word === "CITEXT" || /^(TINY|MEDIUM|LONG)TEXT$/.test(word)) {
    return { kind: "string", length: family === "mysql" ? mysqlTextBytes[word] : undefined }
  }
  if (/^(TINY|MEDIUM|LONG)?BLOB$/.test(word) || word === "BYTEA") {
    return { kind: "binary", length: family === "mysql" ? mysqlTextBytes[word] : undefined }
  }
  if (/^(VAR)?BINARY$/.test(word) || (word === "BIT" && /VARYING/.test(base)))
    return { kind: "binary", length: p ?? 1 }
  if (/^(CHARACTER|CHAR|VARCHAR|NCHAR|NVARCHAR|BPCHAR|VARYING|NATIONAL|STRING|NAME)$/.test(word)) {
    const varying = /VARYING|VARCHAR/.test(base)
    // PostgreSQL: bare varchar is unbounded, bare char is char(1); name is 63 bytes.
    const chars = word === "NAME" ? 63 : (p ?? (varying || word === "STRING" ? undefined : 1))
    const length = chars === undefined ? undefined : family === "mysql" ? chars * 4 : chars
    return { kind: "string", length }
  }
  if (word === "DATE") return { kind: "date" }
  if (word === "DATETIME" || word === "TIMESTAMP" || word === "TIMESTAMPTZ" || word === "SMALLDATETIME") {
    const precision = p ?? (family === "mysql" ? 0 : 6)
    return {
      kind: "timestamp",
      zone: withZone,
      precision,
      narrowRange: family === "mysql" && word === "TIMESTAMP",
    }
  }
  if (word === "TIME" || word === "TIMETZ")
    return { kind: "time", precision: p ?? (family === "mysql" ? 0 : 6) }
  if (word === "JSON" || word === "JSONB") return { kind: "json" }
  if (word === "UUID") return { kind: "uuid" }
  return { kind: "other", name: t }
}

/** Decimal digits needed to write every value of an integer type, and the digits always safe in it. */
function intDigits(c: { bytes: number; unsigned: boolean }): { all: number; safe: number } {
  const max = c.unsigned ? 2n ** BigInt(8 * c.bytes) - 1n : 2n ** BigInt(8 * c.bytes - 1) - 1n
  const all = max.toString().length
  return { all, safe: all - 1 }
}

/** The longest text form of a value of `c`, when it is bounded. */
function textLength(c: TypeClass): number | undefined {
  switch (c.kind) {
    case "integer":
      return intDigits(c).all + (c.unsigned ? 0 : 1)
    case "decimal":
      return c.precision === undefined ? undefined : c.precision + 2
    case "boolean":
      return 5
    case "date":
      return 10
    case "uuid":
      return 36
    case "enum":
      return Math.max(0, ...c.labels.map((l) => l.length))
    case "string":
      return c.length
    default:
      return undefined
  }
}

const describe = (c: TypeClass): string => c.kind

/**
 * Why changing a column from `before` to `after` can lose or reject values, or undefined when it
 * cannot (a widening, or a change of spelling). Enum and set labels are left to remove-enum-value.
 */
export function narrowing(before: TypeClass, after: TypeClass): string | undefined {
  if (after.kind === "any") return undefined
  if (after.kind === "string" && after.length === undefined) {
    return before.kind === "binary" ? "binary values become text" : undefined
  }
  if (after.kind === "string" && before.kind === "string")
    return before.length === undefined || before.length > (after.length as number)
      ? `a shorter maximum length (${before.length ?? "unbounded"} to ${after.length})`
      : undefined
  if (after.kind === "string") {
    const longest = textLength(before)
    return longest === undefined || longest > (after.length as number)
      ? `${describe(before)} values may not fit in ${after.length} characters`
      : undefined
  }
  if (before.kind === "string" || before.kind === "any") {
    if (after.kind === "binary")
      return after.length !== undefined &&
        (before.kind === "any" || (before.length ?? Infinity) > after.length)
        ? `a shorter maximum length (${before.kind === "string" ? (before.length ?? "unbounded") : "any"} to ${after.length})`
        : undefined
    return `text becomes ${describe(after)}: values must parse as ${after.kind === "enum" ? "one of its labels" : after.kind}`
  }
  switch (before.kind) {
    case "integer":
      if (after.kind === "integer") {
        if (after.bytes < before.bytes) return `a smaller integer (${before.bytes} to ${after.bytes} bytes)`
        if (before.unsigned !== after.unsigned && after.bytes === before.bytes)
          return after.unsigned
            ? "unsigned: negative values are rejected"
            : "signed: the upper half of the range is lost"
        if (!before.unsigned && after.unsigned) return "unsigned: negative values are rejected"
        return undefined
      }
      if (after.kind === "decimal") {
        const room = after.precision === undefined ? Infinity : after.precision - after.scale
        return room < intDigits(before).all
          ? `decimal(${after.precision},${after.scale}) has ${room} integer digits, the integer needs ${intDigits(before).all}`
          : undefined
      }
      if (after.kind === "float")
        return intDigits(before).all > after.digits
          ? `a float keeps ${after.digits} significant digits, the integer has up to ${intDigits(before).all}`
          : undefined
      return `integer becomes ${describe(after)}`
    case "decimal":
      if (after.kind === "decimal") {
        if (after.precision === undefined) return undefined
        if (before.precision === undefined)
          return `an unbounded numeric becomes numeric(${after.precision},${after.scale})`
        if (after.scale < before.scale) return `fewer decimal places (${before.scale} to ${after.scale})`
        if (after.precision - after.scale < before.precision - before.scale)
          return `fewer integer digits (${before.precision - before.scale} to ${after.precision - after.scale})`
        return undefined
      }
      if (after.kind === "integer") {
        if (before.scale > 0) return `decimal places are cut (scale ${before.scale} to an integer)`
        if (before.precision === undefined || before.precision > intDigits(after).safe)
          return `numeric(${before.precision ?? ""}) values may exceed the integer's range`
        return undefined
      }
      if (after.kind === "float")
        return before.scale > 0 || before.precision === undefined || before.precision > after.digits
          ? "exact decimals become approximate floats"
          : undefined
      return `decimal becomes ${describe(after)}`
    case "float":
      if (after.kind === "float")
        return after.digits < before.digits ? "double precision becomes single precision" : undefined
      return `float becomes ${describe(after)}`
    case "boolean":
      return after.kind === "integer" || after.kind === "decimal" || after.kind === "boolean"
        ? undefined
        : `boolean becomes ${describe(after)}`
    case "date":
      return after.kind === "timestamp" || after.kind === "date"
        ? undefined
        : `date becomes ${describe(after)}`
    case "timestamp":
      if (after.kind === "timestamp") {
        if (before.zone && !after.zone) return "the time zone is dropped (timestamptz to timestamp)"
        if (after.precision < before.precision)
          return `fewer fractional-second digits (${before.precision} to ${after.precision})`
        if (after.narrowRange && !before.narrowRange) return "TIMESTAMP only holds 1970 to 2038"
        return undefined
      }
      if (after.kind === "date") return "the time of day is dropped"
      return `timestamp becomes ${describe(after)}`
    case "time":
      if (after.kind === "time")
        return after.precision < before.precision
          ? `fewer fractional-second digits (${before.precision} to ${after.precision})`
          : undefined
      return `time becomes ${describe(after)}`
    case "enum":
    case "set":
      // Label changes are remove-enum-value's; a change of kind is not.
      return after.kind === before.kind ? undefined : `${before.kind} becomes ${describe(after)}`
    case "json":
      return after.kind === "json" ? undefined : `json becomes ${describe(after)}`
    case "uuid":
      return after.kind === "uuid" ? undefined : `uuid becomes ${describe(after)}`
    case "binary":
      if (after.kind === "binary")
        return after.length !== undefined && (before.length === undefined || before.length > after.length)
          ? `a shorter maximum length (${before.length ?? "unbounded"} to ${after.length})`
          : undefined
      return `binary becomes ${describe(after)}`
    case "array":
      if (after.kind === "array") return narrowing(before.element, after.element)
      return `array becomes ${describe(after)}`
    case "other":
      // Types aim does not model (domains, geometry, ranges...): only a change of kind is judged.
      return after.kind === "other" ? undefined : `${before.name.toLowerCase()} becomes ${describe(after)}`
  }
}
