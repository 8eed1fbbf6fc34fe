/**
 * exercise (MySQL, MariaDB): find views that exist but fail when used. CREATE VIEW checks the
 * names it reads, but a later DROP TABLE or DROP COLUMN does not look at the views that read them,
 * and the view then fails ("View ... references invalid table(s) or column(s)"). Every view of the
 * database is read with `SELECT * FROM v LIMIT 0`. Stored routines and triggers are left alone:
 * the server resolves their bodies only when they run, and has no way to check them before.
 * Holds nothing.
 */
import type { BrokenObject } from "../engine.ts"
import { quoteName } from "./lexer.ts"

type Query = (sql: string) => Promise<Array<Record<string, unknown>>>

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Every view of the current database that fails when read, with the server's reason. */
export async function brokenObjects(query: Query): Promise<ReadonlyArray<BrokenObject>> {
  // https://dev.mysql.com/doc/refman/8.0/en/information-schema-views-table.html
  const views = await query(
    "SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
  )
  const broken: BrokenObject[] = []
  for (const { name } of views) {
    try {
      await query(`SELECT * FROM ${quoteName(String(name))} LIMIT 0`)
    } catch (error) {
      broken.push({ kind: "view", name: String(name), reason: message(error) })
    }
  }
  return broken
}
