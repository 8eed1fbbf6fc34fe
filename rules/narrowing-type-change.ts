/**
 * narrowing-type-change: a column keeps its place but its new type holds less than the old one:
 * a shorter varchar(n), a smaller integer or numeric precision or scale, text that must now parse
 * as a number or a date, timestamptz to timestamp, fewer fractional-second digits... Widening is
 * not flagged. Types are read with the engine's type rules (model/types.ts); a column renamed and retyped in one
 * migration is compared with its old self.
 */
import type { Column } from "../model.ts"
import { columnChange, columnFate, renames } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { classify, narrowing } from "../model/types.ts"
import { type BuiltinRule, finding } from "./rule.ts"

export const narrowingTypeChange: BuiltinRule = {
  id: "narrowing-type-change",
  description: "A column's type changes to one that holds less (shorter, smaller, less precise, stricter).",
  check: ({ after, changes, up, types }) => {
    const moves = renames(up)
    const pairs: Array<{ table: string; before: Column; after: Column }> = []
    for (const change of changes) {
      if (change.kind === "alter-column" || change.kind === "rename-column")
        pairs.push({ table: change.table, before: change.before, after: change.after })
      if (change.kind === "drop-column") {
        const dropped = change.column
        const fate = columnFate(moves, change.table, dropped.name)
        const column = after.tables
          .find((t) => sameName(t.name, fate.table))
          ?.columns.find((c) => sameName(c.name, fate.column))
        if (column) pairs.push({ table: fate.table, before: dropped, after: column })
      }
    }
    return pairs.flatMap((pair) => {
      if (pair.before.type === pair.after.type) return []
      const from = classify(pair.before.type, types)
      const to = classify(pair.after.type, types)
      const reason = narrowing(from, to)
      if (reason === undefined) return []
      // SQLite keeps declared lengths and precisions as documentation only.
      const unenforced =
        !types.enforcesDeclaredSizes &&
        from.kind === to.kind &&
        ["string", "decimal", "binary"].includes(from.kind)
          ? " (declared only: SQLite does not enforce it)"
          : ""
      const name = pair.after.name
      const statement = columnChange(up, pair.table, name, pair.before.name)
      return [
        finding(
          "narrowing-type-change",
          `Column ${pair.table}.${name} changes from ${pair.before.type} to ${pair.after.type}: ${reason}${unenforced}.`,
          statement,
        ),
      ]
    })
  },
}
