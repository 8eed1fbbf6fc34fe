/**
 * renamed-text: SQL text a rename leaves meaning the same, compared as it reads after the rename.
 * When a table or column is renamed, every engine rewrites what is stored with the table itself (an
 * index's columns, a CHECK's expression, a generation expression): the text the catalog reads back
 * names the new column where the history's catalog named the old one. `comparableText` turns such
 * text into a form that two spellings of one definition share (names unquoted and keyed, spacing and
 * comments dropped), with the old names replaced by the new ones, so the diff can tell "only the
 * names moved" from a real change. Views, triggers and routines are not compared this way: their
 * output names and bodies do not follow a rename everywhere. Pure.
 */
import { anyDialect, significant, tokenize, unquote } from "../sql/lexer.ts"
import type { NameKey } from "./names.ts"

/**
 * `sql` with every name keyed and, where `rename` maps it, replaced: one token per space. The token
 * equal to `own` (an index's own name) is left as a placeholder, so two indexes that differ only in
 * their names compare equal.
 */
export function comparableText(
  sql: string,
  key: NameKey,
  rename?: ((name: string) => string | undefined) | undefined,
  own?: string | undefined,
): string {
  let ownSeen = false
  return significant(tokenize(sql, anyDialect))
    .map((t) => {
      if (t.kind !== "word" && t.kind !== "quoted") return t.text
      const name = unquote(t.text)
      if (own !== undefined && !ownSeen && key(name) === key(own)) {
        ownSeen = true
        return "\u0000own"
      }
      return key(rename?.(key(name)) ?? name)
    })
    .join(" ")
}
