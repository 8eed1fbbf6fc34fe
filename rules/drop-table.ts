/**
 * drop-table: a table of the schema before is gone after the migration, with its rows. Decided
 * from the catalogs; a table renamed by the UP statements (ALTER TABLE ... RENAME TO, RENAME TABLE)
 * whose new name exists after is a rename, not a drop.
 */
import { dropsObject, locate, renames, tableFate } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { type BuiltinRule, finding } from "./rule.ts"

export const dropTable: BuiltinRule = {
  id: "drop-table",
  description: "A table is dropped, and its rows with it (a rename is not a drop).",
  check: ({ after, changes, up }) => {
    const moves = renames(up)
    return changes.flatMap((change) => {
      if (change.kind !== "drop-table") return []
      const fate = tableFate(moves, change.table.name)
      if (after.tables.some((t) => sameName(t.name, fate))) return []
      const statement = locate(
        up,
        (s) => dropsObject(s, "TABLE", fate) || dropsObject(s, "TABLE", change.table.name),
        change.table.name,
      )
      return [finding("drop-table", `Table ${change.table.name} is dropped; its rows are lost.`, statement)]
    })
  },
}
