/**
 * add-not-null-without-default: a table that already exists gets a NOT NULL column without a
 * default, or an existing column becomes NOT NULL without one. Existing rows must then hold a value
 * the migration invents (or the statement fails on a table with rows), and every writer that does
 * not name the column starts failing. Generated, identity and auto-increment columns bring their
 * own values and are not flagged. Decided from the catalogs; the finding names the statement that
 * changes the column (in a rebuild, the copy of the rows into the new table).
 */
import type { Column } from "../model.ts"
import { altersWith, columnChange, columnFate, copiesRows, locate, renames } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { type BuiltinRule, finding } from "./rule.ts"

/** The column gets a value on insert without the writer naming it. */
const valued = (c: Column) =>
  c.default !== undefined ||
  c.generated !== undefined ||
  Object.keys(c.extra ?? {}).some((k) => /identity|auto_?increment/i.test(k)) ||
  /auto_?increment|identity|serial/i.test(`${c.type} ${c.definition ?? ""}`)

export const addNotNullWithoutDefault: BuiltinRule = {
  id: "add-not-null-without-default",
  description: "An existing table gets a NOT NULL column, or a column becomes NOT NULL, without a default.",
  check: ({ changes, up }) => {
    const moves = renames(up)
    // A renamed column shows in the catalogs as one dropped and one added: it keeps its rows' values.
    const renamedTo = changes.flatMap((c) =>
      c.kind === "drop-column" ? [columnFate(moves, c.table, c.column.name)] : [],
    )
    return changes.flatMap((change) => {
      const table = change.kind === "add-column" || change.kind === "alter-column" ? change.table : ""
      if (change.kind === "add-column") {
        const c = change.column
        if (
          !c.notNull ||
          valued(c) ||
          renamedTo.some((r) => sameName(r.table, table) && sameName(r.column, c.name))
        )
          return []
        return [
          finding(
            "add-not-null-without-default",
            `Column ${table}.${c.name} is added as NOT NULL without a default; existing rows and writers that omit it have no value for it.`,
            // An ALTER TABLE ... ADD, else a rebuild's copy of the rows into the new table.
            locate(
              up,
              (s) => altersWith(s, table, c.name, "ADD") || sameName(copiesRows(s)?.table ?? "", table),
              table,
            ),
          ),
        ]
      }
      if (change.kind !== "alter-column") return []
      const { before: b, after: c } = change
      if (b.notNull || !c.notNull || valued(c)) return []
      return [
        finding(
          "add-not-null-without-default",
          `Column ${table}.${c.name} becomes NOT NULL without a default; rows holding NULL and writers that omit it fail.`,
          columnChange(up, table, c.name, b.name),
        ),
      ]
    })
  },
}
