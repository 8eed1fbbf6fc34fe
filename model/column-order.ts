/**
 * column-order: tables are shown with their columns in declared order, but column order is not
 * compared (a column added by ALTER TABLE lands last; schema.sql may declare it in the middle).
 * Before two versions of a table are diffed line by line, the old one's columns are put in the new
 * one's order, so the diff shows what changed and not where ALTER TABLE put it. Pure.
 */
import type { Table } from "../model.ts"

/**
 * `before` with its columns in `after`'s order (names matched by `key`); a column `after` lacks
 * stays right after the column that preceded it in `before`.
 */
export function inOrderOf(before: Table, after: Table, key: (name: string) => string = (n) => n): Table {
  const rank = new Map(after.columns.map((c, i) => [key(c.name), i]))
  // Each column gets a position: its place in `after`, or just after its predecessor's place.
  let last = -1
  const placed = before.columns.map((column, i) => {
    const at = rank.get(key(column.name))
    last = at === undefined ? last + 1e-6 : at
    return { column, at: last, i }
  })
  placed.sort((a, b) => a.at - b.at || a.i - b.i)
  return { ...before, columns: placed.map((p) => p.column) }
}
