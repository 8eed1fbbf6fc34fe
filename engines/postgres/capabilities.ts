/**
 * capabilities: what code outside engines/ must know of PostgreSQL (engines/engine.ts has the
 * defaults, which are PostgreSQL's reading of standard SQL: its types chapter's sizes, transactional
 * DDL). The hazard conditions use its names as quote_ident writes them, `char_length`, POSIX
 * regular expressions (`~`, https://www.postgresql.org/docs/current/functions-matching.html) and
 * casts to text. Kept apart from engine.ts so the formats and the registry read it without the drivers.
 */
import { standardHazardRules } from "../../model/hazards.ts"
import { capabilities } from "../engine.ts"
import { postgresDml } from "./dml.ts"
import { postgresDialect } from "./lexer.ts"
import { quoteIdent, quoteLiteral, quoteName } from "./names.ts"

export const postgresCapabilities = capabilities({
  dml: postgresDml,
  sqitchEngine: "pg",
  identifiers: { dialect: postgresDialect, unquoted: "lower", defaultSchema: "public" },
  hazards: {
    ...standardHazardRules,
    lexer: postgresDialect,
    quoteTable: quoteName,
    quoteColumn: quoteIdent,
    literal: quoteLiteral,
    matches: (expr, pattern) => `${expr} ~ ${pattern}`,
    asText: (expr) => `${expr}::text`,
    // The catalog code keeps NO INHERIT after a check's parenthesized expression (catalog-tables.ts).
    checkExpression: (text) => text.replace(/^(\(.*\)) NO INHERIT$/s, "$1"),
  },
})
