/**
 * exercise (SQLite): find views and triggers that were created but fail when used. SQLite resolves
 * names only when a statement is compiled, so `CREATE VIEW v AS SELECT * FROM orderz` succeeds and
 * every later use of v fails. A view is checked by compiling `SELECT * FROM v LIMIT 0` (compiling
 * reads no rows); a trigger body by SQLite's own schema check, which ALTER TABLE ... RENAME runs on
 * every view and trigger (https://www.sqlite.org/lang_altertable.html, "error in trigger X: ..."):
 * a scratch table is renamed inside a savepoint that is rolled back, so the database is left as it
 * was. The check stops at the first failure, so a failing trigger is dropped (inside the savepoint)
 * and the check repeated. Holds nothing.
 */
import type { Database as BunDatabase } from "bun:sqlite"
import type { BrokenObject } from "../engine.ts"
import { quoteName } from "./lexer.ts"

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Views whose SELECT does not compile. */
function brokenViews(db: BunDatabase): BrokenObject[] {
  const views = db.query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'view'").all()
  return views.flatMap(({ name }) => {
    try {
      db.prepare(`SELECT * FROM ${quoteName(name)} LIMIT 0`).finalize()
      return []
    } catch (error) {
      return [{ kind: "view" as const, name, reason: message(error) }]
    }
  })
}

/**
 * Triggers whose body names a table or view that does not exist, found by renaming a scratch table
 * (SQLite then checks every trigger and view in the schema). `skip` are views already known to be
 * broken, dropped first so they do not stop the check.
 */
function brokenTriggers(db: BunDatabase, skip: ReadonlyArray<BrokenObject>): BrokenObject[] {
  const triggers = db
    .query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'trigger'")
    .get()
  if (!triggers || triggers.n === 0) return []
  const found: BrokenObject[] = []
  // With legacy_alter_table on, RENAME skips the check; the setting is the connection's, not the
  // savepoint's, so it is put back by hand.
  const legacy = db.query<{ legacy_alter_table: number }, []>("PRAGMA legacy_alter_table").get()
  if (legacy?.legacy_alter_table) db.run("PRAGMA legacy_alter_table = OFF")
  const scratch = `aim_exercise_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
  db.run("SAVEPOINT aim_exercise")
  try {
    try {
      for (const view of skip) db.run(`DROP VIEW ${quoteName(view.name)}`)
      db.run(`CREATE TABLE ${scratch} (x)`)
    } catch {
      // A connection that may not write (PRAGMA query_only) cannot run the check: nothing to report.
      return found
    }
    for (let round = 0; round <= triggers.n; round++) {
      try {
        db.run(`ALTER TABLE ${scratch} RENAME TO ${scratch}_renamed`)
        break
      } catch (error) {
        const failed = /^error in (trigger|view) (.+?): (.*)$/s.exec(message(error))
        // Anything else (query_only, a locked schema) is not about the objects: nothing to report.
        if (!failed) break
        const [, kind, name, reason] = failed as unknown as [string, "trigger" | "view", string, string]
        found.push({ kind, name, reason })
        db.run(`DROP ${kind.toUpperCase()} ${quoteName(name)}`)
      }
    }
  } finally {
    db.run("ROLLBACK TO aim_exercise")
    db.run("RELEASE aim_exercise")
    if (legacy?.legacy_alter_table) db.run("PRAGMA legacy_alter_table = ON")
  }
  return found
}

/** Every view and trigger of the main database that fails when used, with SQLite's reason. */
export function brokenObjects(db: BunDatabase): ReadonlyArray<BrokenObject> {
  const views = brokenViews(db)
  return [...views, ...brokenTriggers(db, views)]
}
