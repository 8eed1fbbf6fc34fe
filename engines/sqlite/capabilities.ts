/**
 * capabilities: what code outside engines/ must know of SQLite (engines/engine.ts has the defaults).
 * Types: every integer affinity column stores up to 8 bytes and every float is 8-byte, a column
 * without a type keeps any value, and declared lengths and precisions are documentation only
 * (https://www.sqlite.org/datatype3.html), which hazards.ts reads into what a type change does to values. Kept apart from engine.ts so the formats and the registry
 * can read it without opening a database.
 */
import { capabilities } from "../engine.ts"
import { sqliteDml } from "./dml.ts"
import { sqliteDialect } from "./lexer.ts"
import { sqliteHazardRules } from "./hazards.ts"

export const sqliteCapabilities = capabilities({
  types: {
    untypedKeepsAnything: true,
    integerBytes: 8,
    realDigits: 15,
    floatPrecisionCounts: false,
    enforcesDeclaredSizes: false,
  },
  dml: sqliteDml,
  sqitchEngine: "sqlite",
  identifiers: { dialect: sqliteDialect, unquoted: "as-written", defaultSchema: undefined },
  hazards: sqliteHazardRules,
})
