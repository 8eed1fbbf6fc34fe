/**
 * unenforceable-foreign-key: after the migration a foreign key references columns that are no key
 * of its parent (no PRIMARY KEY, UNIQUE constraint or unique index on exactly them), or a parent
 * table that does not exist. SQLite keeps such a key and cannot enforce it: it fails every write to
 * the child and the parent with "foreign key mismatch" while foreign keys are on (which is why aim
 * verifies such a schema with them off, checking every other foreign key itself). MariaDB accepts
 * one on a non-unique index, which ties a child row to any of several parents; PostgreSQL and MySQL
 * 8.4 refuse it. Flagged while the schema holds one, whether this migration made it or the history
 * did, so a user who runs with foreign keys on learns why writes fail. Decided from the catalog.
 */
import { describeForeignKey, unenforceableForeignKeys } from "../model/foreign-keys.ts"
import { alterTable, locate } from "./_ddl.ts"
import { isWord, nameAt, sameName, skipIfExists } from "../sql/words.ts"
import { type BuiltinRule, finding, type UpStatement } from "./rule.ts"

/** CREATE TABLE `table`, or ALTER TABLE `table`: where a migration gives a table its foreign keys. */
function shapesTable(s: UpStatement, table: string): boolean {
  const t = s.tokens
  if (isWord(t[0], "CREATE")) {
    let at = 1
    while (isWord(t[at], "TEMP", "TEMPORARY", "UNLOGGED")) at++
    if (!isWord(t[at], "TABLE")) return false
    const name = nameAt(t, skipIfExists(t, at + 1))
    return name !== undefined && sameName(name.name, table)
  }
  const alter = alterTable(s)
  return alter !== undefined && sameName(alter.table, table)
}

export const unenforceableForeignKey: BuiltinRule = {
  id: "unenforceable-foreign-key",
  description:
    "A foreign key references columns that are no PRIMARY KEY or UNIQUE key of its parent, or a missing table, so it cannot be enforced.",
  check: ({ after, up }) =>
    unenforceableForeignKeys(after).map(({ table, foreignKey, lacks }) =>
      finding(
        "unenforceable-foreign-key",
        `Foreign key ${describeForeignKey(table, foreignKey)} references no key of ${foreignKey.table}: ${lacks}. SQLite cannot enforce it (with foreign keys on, every write to ${table} and ${foreignKey.table} fails with "foreign key mismatch"), PostgreSQL and MySQL 8.4 refuse it, and MariaDB ties a row to any of several parents. Give ${foreignKey.table} a UNIQUE constraint on the referenced columns, or reference its primary key.`,
        locate(up, (s) => shapesTable(s, table)),
      ),
    ),
}
