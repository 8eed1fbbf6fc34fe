/**
 * foreign-keys (SQLite): verification of a database that holds a foreign key SQLite cannot enforce
 * (model/foreign-keys.ts: its parent key is not unique, or its parent table is missing). While
 * foreign keys are on, SQLite fails every write to such a key's child and parent ("foreign key
 * mismatch - child referencing parent"), PRAGMA foreign_key_check fails with the same words, and a
 * table rebuild cannot copy its rows; a user who has such a key necessarily runs with foreign keys
 * off. So a throwaway database that meets one turns enforcement off for the rest of its life, as
 * that user's database runs, and checks every other foreign key itself after each script, so
 * those are still proven. Holds nothing.
 */
import type { Database as BunDatabase } from "bun:sqlite"
import { unenforceableForeignKeys } from "../../model/foreign-keys.ts"
import { readSchema } from "./catalog.ts"
import { quoteName } from "./lexer.ts"

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The error SQLite gives while enforcing a key it cannot enforce. */
export const isForeignKeyMismatch = (error: unknown) => /foreign key mismatch/i.test(message(error))

/** Whether the database holds a key SQLite cannot enforce (read from the catalog; no rows are read). */
export const holdsUnenforceableKey = (db: BunDatabase) => unenforceableForeignKeys(readSchema(db)).length > 0

/** Foreign key enforcement off, for this connection's remaining life. Outside a transaction only. */
export function stopEnforcing(db: BunDatabase): void {
  db.run("PRAGMA foreign_keys = OFF")
}

/**
 * Rows that break a foreign key SQLite can enforce, as "table (N rows) -> parent", checked with a
 * query per key because PRAGMA foreign_key_check stops at the first key it cannot enforce.
 */
export function violationsOfEnforceableKeys(db: BunDatabase): string[] {
  const schema = readSchema(db)
  const unenforceable = new Set(unenforceableForeignKeys(schema).map((u) => u.foreignKey))
  const violations: string[] = []
  for (const table of schema.tables) {
    for (const fk of table.foreignKeys) {
      if (unenforceable.has(fk)) continue
      const present = fk.columns.map((c) => `c.${quoteName(c)} IS NOT NULL`).join(" AND ")
      const match = fk.columns
        .map((c, i) => `p.${quoteName(fk.referencedColumns[i] ?? c)} = c.${quoteName(c)}`)
        .join(" AND ")
      const row = db
        .query<{ n: number | bigint }, []>(
          `SELECT count(*) AS n FROM ${quoteName(table.name)} AS c WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${quoteName(fk.table)} AS p WHERE ${match})`,
        )
        .get()
      const n = Number(row?.n ?? 0)
      if (n > 0) violations.push(`${table.name} (${n} row${n === 1 ? "" : "s"}) -> ${fk.table}`)
    }
  }
  return violations
}

/** PRAGMA foreign_key_check's rows as "table (rowid N) -> parent", or the per-key check when it cannot run. */
export function foreignKeyViolations(db: BunDatabase): string[] {
  try {
    return db
      .query<{ table: string; parent: string; rowid: number | null }, []>("PRAGMA foreign_key_check")
      .all()
      .map((v) => `${v.table} (rowid ${v.rowid}) -> ${v.parent}`)
  } catch (error) {
    // A key SQLite cannot enforce, or one whose parent table is missing, stops the pragma.
    if (!isForeignKeyMismatch(error) && !/^no such table/i.test(message(error))) throw error
    return violationsOfEnforceableKeys(db)
  }
}
