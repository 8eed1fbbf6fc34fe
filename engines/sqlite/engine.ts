/**
 * SQLite engine: throwaway databases are in-memory `bun:sqlite` connections (database.ts); SQLite
 * runs in the process, so there are no backends to choose. Resources: one connection per
 * `ephemeral`, closed when the caller's scope closes (success, failure or interruption). Nothing is
 * written to disk.
 */
import { Database as BunDatabase } from "bun:sqlite"
import { Effect, Layer } from "effect"
import { Engine, planWith, splitWith } from "../engine.ts"
import { sqliteCapabilities } from "./capabilities.ts"
import { imageFromBytes, lease } from "./database.ts"
import { planSqlite } from "./planner.ts"
import { renderTable } from "./render.ts"
import { splitStatements } from "./split.ts"

/** https://www.sqlite.org/lang_altertable.html: what ALTER TABLE does, and the documented rebuild for the rest. */
const promptRules = [
  "ALTER TABLE can only RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN; any other change to a table (type, NOT NULL, default, constraint, foreign key) needs a rebuild: CREATE TABLE new_x with the new definition, INSERT INTO new_x SELECT ... FROM x, DROP TABLE x, ALTER TABLE new_x RENAME TO x, then recreate x's indexes and triggers.",
  "PRAGMA foreign_keys cannot change inside the transaction and stays ON: dropping a table that others reference with ON DELETE CASCADE deletes their rows, so keep those rows (copy them aside and back) when rebuilding a referenced table.",
  "Drop the views that read a table before rebuilding or renaming it, and create them again afterwards.",
  "ADD COLUMN cannot add a PRIMARY KEY or UNIQUE column, nor a NOT NULL column without a non-NULL default.",
]

function sqliteVersion(): string {
  const db = new BunDatabase(":memory:")
  try {
    return db.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()?.v ?? "unknown"
  } finally {
    db.close()
  }
}

export const make = Effect.sync(() =>
  Engine.of({
    id: "sqlite",
    dialect: "SQLite",
    description: `SQLite ${sqliteVersion()} (in-process bun:sqlite, in-memory throwaway databases)`,
    capabilities: sqliteCapabilities,
    split: splitWith(splitStatements),
    ephemeral: lease(),
    imageFromBytes,
    plan: planWith(planSqlite),
    renderTable,
    promptRules,
  }),
)

/**
 * The SQLite engine as a layer: in-process bun:sqlite, each throwaway database in memory; needs no server.
 */
export const layer = Layer.effect(Engine, make)
