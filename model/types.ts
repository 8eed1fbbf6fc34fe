/**
 * types: what a column type can hold, and whether changing one type into another can lose values:
 * one classification, which the rules (narrowing-type-change, remove-enum-value) and ambiguity
 * detection both use, so they cannot disagree. Type names are read the way catalogs spell them
 * (PostgreSQL's format_type: "character varying(20)", "timestamp(3) with time zone"; MySQL's
 * COLUMN_TYPE: "int unsigned", "enum('a','b')"; SQLite: the declared name). What differs between
 * dialects is data, `TypeRules`, which each engine states in its capabilities (engines/engine.ts)
 * from the limits its documentation gives: PostgreSQL's numeric types chapter, MySQL's data type
 * storage requirements, SQLite's datatype page (every integer affinity column stores up to 8
 * bytes, and declared lengths are not enforced). Pure.
 */

/** How a dialect's types differ from standard SQL as PostgreSQL reads it. */
export interface TypeRules {
  /** A column without a type keeps any value as given (SQLite). */
  readonly untypedKeepsAnything: boolean
  /** Bytes an integer of the named type stores; undefined: the type's own size (SQLite: 8 for all). */
  readonly integerBytes: number | undefined
  /** TINYINT(1) is a boolean (MySQL). */
  readonly tinyint1IsBoolean: boolean
  /** Precision of a bare DECIMAL/NUMERIC: MySQL's decimal(10,0); undefined: unbounded (PostgreSQL). */
  readonly bareDecimalPrecision: number | undefined
  /** Significant digits a REAL or FLOAT4 keeps: 6 when single precision (PostgreSQL), 15 when double. */
  readonly realDigits: number
  /** A bare FLOAT is single precision (MySQL); else double (PostgreSQL). */
  readonly bareFloatIsSingle: boolean
  /** FLOAT(p) with p <= 24 is single precision (PostgreSQL, MySQL; SQLite keeps every float in 8 bytes). */
  readonly floatPrecisionCounts: boolean
  /** Longest value, in bytes, of TINYTEXT..LONGTEXT and the BLOBs (MySQL); without: unbounded. */
  readonly textBytes: Readonly<Record<string, number>> | undefined
  /** Bytes a declared character may take (MySQL utf8mb4: 4); 1 where lengths count characters. */
  readonly bytesPerCharacter: number
  /** Fractional-second digits of TIME/TIMESTAMP/DATETIME without a precision: 6, or MySQL's 0. */
  readonly defaultTimePrecision: number
  /** TIMESTAMP only holds 1970 to 2038 (MySQL). */
  readonly timestampIsNarrow: boolean
  /** Declared lengths and precisions are enforced (not in SQLite, where they are documentation). */
  readonly enforcesDeclaredSizes: boolean
}

/** Standard SQL as PostgreSQL reads it: what every dialect is unless it says otherwise. */
export const standardTypeRules: TypeRules = {
  untypedKeepsAnything: false,
  integerBytes: undefined,
  tinyint1IsBoolean: false,
  bareDecimalPrecision: undefined,
  realDigits: 6,
  bareFloatIsSingle: false,
  floatPrecisionCounts: true,
  textBytes: undefined,
  bytesPerCharacter: 1,
  defaultTimePrecision: 6,
  timestampIsNarrow: false,
  enforcesDeclaredSizes: true,
}

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

/** The type as the engine's catalog reports it, read into what it can hold under `rules`. */
export function classify(type: string, rules: TypeRules = standardTypeRules): TypeClass {
  const t = type.trim().replace(/\s+/g, " ").toUpperCase()
  if (t.endsWith("[]")) return { kind: "array", element: classify(t.slice(0, -2), rules) }
  if (t === "") return rules.untypedKeepsAnything ? { kind: "any" } : { kind: "other", name: t }
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
    if (rules.tinyint1IsBoolean && word === "TINYINT" && p === 1 && !unsigned) return { kind: "boolean" }
    return { kind: "integer", bytes: rules.integerBytes ?? intBytes[word] ?? 4, unsigned }
  }
  if (["BOOLEAN", "BOOL"].includes(word)) return { kind: "boolean" }
  if (["NUMERIC", "DECIMAL", "DEC", "FIXED", "NUMBER"].includes(word)) {
    if (p === undefined)
      return rules.bareDecimalPrecision === undefined
        ? { kind: "decimal", scale: 0 }
        : { kind: "decimal", precision: rules.bareDecimalPrecision, scale: 0 }
    return { kind: "decimal", precision: p, scale: s ?? 0 }
  }
  if (word === "MONEY") return { kind: "decimal", precision: 19, scale: 2 }
  if (["REAL", "FLOAT4"].includes(word)) return { kind: "float", digits: rules.realDigits }
  if (word === "FLOAT") {
    // FLOAT(p): p <= 24 is single precision; a bare FLOAT is the dialect's.
    const single = p !== undefined ? p <= 24 : rules.bareFloatIsSingle
    return { kind: "float", digits: single && rules.floatPrecisionCounts ? 6 : 15 }
  }
  if (["DOUBLE", "FLOAT8"].includes(word)) return { kind: "float", digits: 15 }
  if (word === "TEXT" || word === "CLOB" || word === "CITEXT" || /^(TINY|MEDIUM|LONG)TEXT$/.test(word)) {
    return { kind: "string", length: rules.textBytes?.[word] }
  }
  if (/^(TINY|MEDIUM|LONG)?BLOB$/.test(word) || word === "BYTEA") {
    return { kind: "binary", length: rules.textBytes?.[word] }
  }
  if (/^(VAR)?BINARY$/.test(word) || (word === "BIT" && /VARYING/.test(base)))
    return { kind: "binary", length: p ?? 1 }
  if (/^(CHARACTER|CHAR|VARCHAR|NCHAR|NVARCHAR|BPCHAR|VARYING|NATIONAL|STRING|NAME)$/.test(word)) {
    const varying = /VARYING|VARCHAR/.test(base)
    // PostgreSQL: bare varchar is unbounded, bare char is char(1); name is 63 bytes.
    const chars = word === "NAME" ? 63 : (p ?? (varying || word === "STRING" ? undefined : 1))
    return { kind: "string", length: chars === undefined ? undefined : chars * rules.bytesPerCharacter }
  }
  if (word === "DATE") return { kind: "date" }
  if (word === "DATETIME" || word === "TIMESTAMP" || word === "TIMESTAMPTZ" || word === "SMALLDATETIME") {
    return {
      kind: "timestamp",
      zone: withZone,
      precision: p ?? rules.defaultTimePrecision,
      narrowRange: rules.timestampIsNarrow && word === "TIMESTAMP",
    }
  }
  if (word === "TIME" || word === "TIMETZ")
    return { kind: "time", precision: p ?? rules.defaultTimePrecision }
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

/**
 * Whether every value of `from` fits `to` unchanged: no narrowing, no lost enum label, and for types
 * aim does not model, the same type. What ambiguity detection asks before letting the planner write
 * a type change alone.
 */
export function isWidening(from: string, to: string, rules: TypeRules = standardTypeRules): boolean {
  const a = classify(from, rules)
  const b = classify(to, rules)
  if ((a.kind === "enum" || a.kind === "set") && a.kind === b.kind)
    return a.labels.every((l) => (b as typeof a).labels.includes(l))
  if (a.kind === "other" || b.kind === "other")
    return a.kind === "other" && b.kind === "other" && a.name === b.name
  return narrowing(a, b) === undefined
}
