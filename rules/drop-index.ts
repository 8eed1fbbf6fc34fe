/**
 * drop-index: an index of a table that stays is gone after the migration, so queries that used it
 * may slow down and a unique index no longer guards its columns. Decided from the catalogs; a
 * renamed index (ALTER INDEX ... RENAME TO, MySQL's RENAME INDEX) and a changed one (dropped and
 * created again under the same name) are not drops, and a dropped table's indexes are drop-table's.
 */
import { altersWith, dropsObject, locate, renames } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { type BuiltinRule, finding } from "./rule.ts"

export const dropIndex: BuiltinRule = {
  id: "drop-index",
  description:
    "An index of a table that stays is dropped (a rename or a rebuild under the same name is not).",
  check: ({ after, changes, up }) => {
    const moves = renames(up)
    return changes.flatMap((change) => {
      if (change.kind !== "drop-index") return []
      const index = change.index
      let name = index.name
      for (const r of moves) if (r.kind === "index" && sameName(r.from, name)) name = r.to
      if (after.objects.some((o) => o.kind === "index" && sameName(o.name, name))) return []
      const table = index.table
      if (table !== undefined && !after.tables.some((t) => sameName(t.name, table))) return []
      const statement = locate(
        up,
        (s) =>
          dropsObject(s, "INDEX", index.name) ||
          (table !== undefined && altersWith(s, table, index.name, "DROP", "INDEX")),
        index.name,
      )
      return [
        finding("drop-index", `Index ${index.name}${table ? ` on ${table}` : ""} is dropped.`, statement),
      ]
    })
  },
}
