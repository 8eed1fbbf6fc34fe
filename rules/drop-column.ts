/**
 * drop-column: a column of a table that stays is gone after the migration, with its values.
 * Decided from the catalogs; a column renamed by the UP statements (RENAME COLUMN, MySQL's
 * CHANGE old new) whose new name exists after is a rename, not a drop. Columns of a dropped table
 * are drop-table's.
 */
import { altersWith, columnFate, locate, renames } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { type BuiltinRule, finding } from "./rule.ts"

export const dropColumn: BuiltinRule = {
  id: "drop-column",
  description:
    "A column is dropped from a table that stays, and its values with it (a rename is not a drop).",
  check: ({ after, changes, up }) => {
    const moves = renames(up)
    return changes.flatMap((change) => {
      if (change.kind !== "drop-column") return []
      const { table: name, column } = change
      const fate = columnFate(moves, name, column.name)
      const table = after.tables.find((t) => sameName(t.name, fate.table))
      if (table?.columns.some((c) => sameName(c.name, fate.column))) return []
      const statement = locate(
        up,
        (s) => altersWith(s, name, column.name, "DROP") || altersWith(s, fate.table, fate.column, "DROP"),
        name,
      )
      return [
        finding("drop-column", `Column ${name}.${column.name} is dropped; its values are lost.`, statement),
      ]
    })
  },
}
