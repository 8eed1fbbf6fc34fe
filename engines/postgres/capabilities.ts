/**
 * capabilities: what code outside engines/ must know of PostgreSQL (engines/engine.ts has the
 * defaults, which are PostgreSQL's reading of standard SQL: its types chapter's sizes, transactional
 * DDL). Kept apart from engine.ts so the formats and the registry read it without the drivers.
 */
import { capabilities } from "../engine.ts"
import { postgresDml } from "./dml.ts"
import { postgresDialect } from "./lexer.ts"

export const postgresCapabilities = capabilities({
  dml: postgresDml,
  sqitchEngine: "pg",
  identifiers: { dialect: postgresDialect, unquoted: "lower", defaultSchema: "public" },
})
