/**
 * names: how names of two schemas are matched. SQLite takes names that differ only in ASCII case
 * for the same name, so its schemas say `caseInsensitiveNames` and every comparison folds them;
 * other engines match names exactly. Pure.
 */
import type { Schema } from "../model.ts"

/** Maps a name to the key it is matched by. */
export type NameKey = (name: string) => string

/** ASCII-only, the way SQLite folds names: `Users` and `users` are one table, `É` and `é` are not. */
export const foldCase: NameKey = (name) => name.replace(/[A-Z]+/g, (m) => m.toLowerCase())

const exact: NameKey = (name) => name

/**
 * How names of `a` and `b` are matched: folded when their engine ignores case in names. Without it,
 * `CREATE TABLE USERS` in the history and `users` in schema.sql would read as a drop and a create,
 * and the table's rows would be lost.
 */
export function nameKey(a: Schema, b: Schema): NameKey {
  return a.caseInsensitiveNames || b.caseInsensitiveNames ? foldCase : exact
}
