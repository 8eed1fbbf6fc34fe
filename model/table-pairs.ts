/**
 * table-pairs: the tables both versions of a schema have, matched as the diff matches them (names
 * keyed the same way, declared renames followed), each with the columns both sides have, as each
 * side names them. What verification compares rows on, and what a hazard probe reads. No resources.
 */
import type { RenameHints, Schema } from "../model.ts"
import { sameColumn } from "./diff.ts"
import { nameKey } from "./names.ts"

/** A table that exists before and after (under its new name when renamed), with paired columns. */
export interface TablePair {
  readonly before: { readonly table: string; readonly columns: ReadonlyArray<string> }
  readonly after: { readonly table: string; readonly columns: ReadonlyArray<string> }
}

/**
 * Every table of `current` that `desired` still has, with the columns both have: all of them, or
 * with `unchangedOnly` those whose definition UP leaves alone (whose rows must come through as
 * they are).
 */
export function pairedTables(
  current: Schema,
  desired: Schema,
  renames?: RenameHints,
  options: { readonly unchangedOnly?: boolean } = {},
): TablePair[] {
  // Names matched as the diff matches them, so a table spelled `USERS` before and `users` after pairs.
  const key = nameKey(current, desired)
  const after = new Map(desired.tables.map((t) => [key(t.name), t]))
  const tableTo = new Map((renames?.tables ?? []).map((r) => [key(r.from), key(r.to)]))
  return current.tables.flatMap((table) => {
    const target = after.get(tableTo.get(key(table.name)) ?? key(table.name))
    if (!target) return []
    const columnTo = new Map(
      (renames?.columns ?? [])
        .filter((r) => key(r.table) === key(target.name))
        .map((r) => [key(r.from), key(r.to)]),
    )
    const pairs = table.columns.flatMap((c) => {
      const twin = target.columns.find((t) => key(t.name) === (columnTo.get(key(c.name)) ?? key(c.name)))
      if (twin === undefined || (options.unchangedOnly && !sameColumn(c, twin))) return []
      return [[c.name, twin.name] as const]
    })
    return [
      {
        before: { table: table.name, columns: pairs.map(([b]) => b) },
        after: { table: target.name, columns: pairs.map(([, a]) => a) },
      },
    ]
  })
}
