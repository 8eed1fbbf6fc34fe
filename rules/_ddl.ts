/**
 * _ddl: the few DDL shapes the rules read from the UP statements by tokens: renames (so a renamed
 * table or column is not taken for a dropped one) and the statement that touches an object (so a
 * finding can name it). These shapes are fixed keyword sequences in every dialect aim supports:
 * ALTER TABLE t RENAME [COLUMN] a TO b, ALTER TABLE t RENAME TO u, MySQL's RENAME TABLE a TO b and
 * ALTER TABLE t CHANGE a b ..., ALTER INDEX i RENAME TO j, ALTER TYPE e RENAME VALUE 'a' TO 'b'.
 */
import type { UpStatement } from "./rule.ts"
import { isWord, nameAt, sameName, skipIfExists, spells, type Token } from "../sql/words.ts"

export type Rename =
  | { readonly kind: "table"; readonly from: string; readonly to: string }
  | { readonly kind: "column"; readonly table: string; readonly from: string; readonly to: string }
  | { readonly kind: "index"; readonly from: string; readonly to: string }
  | { readonly kind: "type"; readonly from: string; readonly to: string }
  | { readonly kind: "enum-value"; readonly type: string; readonly from: string; readonly to: string }

export interface AlterTable {
  readonly table: string
  /** The actions, split at top-level commas (MySQL and PostgreSQL allow several per statement). */
  readonly actions: ReadonlyArray<ReadonlyArray<Token>>
}

/** ALTER TABLE [IF EXISTS] [ONLY] name action, action... */
export function alterTable(s: UpStatement): AlterTable | undefined {
  const t = s.tokens
  if (!spells(t, 0, "ALTER", "TABLE")) return undefined
  let at = skipIfExists(t, 2)
  if (isWord(t[at], "ONLY")) at++
  const name = nameAt(t, at)
  if (!name) return undefined
  const actions: Token[][] = [[]]
  for (const token of t.slice(name.next)) {
    if (token.depth === 0 && token.text === ",") actions.push([])
    else if (token.text !== ";") actions[actions.length - 1]?.push(token)
  }
  return { table: name.name, actions: actions.filter((a) => a.length > 0) }
}

const nameOf = (t: Token | undefined) => (t === undefined ? undefined : t.kind === "word" ? t.text : t.value)

/** Every rename the UP statements perform, in order. */
export function renames(up: ReadonlyArray<UpStatement>): Rename[] {
  const out: Rename[] = []
  for (const s of up) {
    const t = s.tokens
    const alter = alterTable(s)
    if (alter) {
      for (const a of alter.actions) {
        if (isWord(a[0], "RENAME")) {
          if (isWord(a[1], "TO", "AS")) {
            const to = nameAt(a, 2)
            if (to) out.push({ kind: "table", from: alter.table, to: to.name })
          } else if (isWord(a[1], "INDEX", "KEY") && isWord(a[3], "TO")) {
            const [from, to] = [nameOf(a[2]), nameOf(a[4])]
            if (from && to) out.push({ kind: "index", from, to })
          } else if (!isWord(a[1], "CONSTRAINT")) {
            const k = isWord(a[1], "COLUMN") ? 2 : 1
            const [from, to] = [nameOf(a[k]), nameOf(a[k + 2])]
            if (from && to && isWord(a[k + 1], "TO"))
              out.push({ kind: "column", table: alter.table, from, to })
          }
        } else if (isWord(a[0], "CHANGE")) {
          // MySQL: CHANGE [COLUMN] old new definition
          const k = isWord(a[1], "COLUMN") ? 2 : 1
          const [from, to] = [nameOf(a[k]), nameOf(a[k + 1])]
          if (from && to && from.toLowerCase() !== to.toLowerCase())
            out.push({ kind: "column", table: alter.table, from, to })
        }
      }
      // A table renamed inside a multi-action statement takes its columns' renames with it, in order.
      continue
    }
    if (spells(t, 0, "RENAME", "TABLE")) {
      // MySQL: RENAME TABLE a TO b [, c TO d]
      let at = 2
      while (at < t.length) {
        const from = nameAt(t, at)
        if (!from || !isWord(t[from.next], "TO")) break
        const to = nameAt(t, from.next + 1)
        if (!to) break
        out.push({ kind: "table", from: from.name, to: to.name })
        at = t[to.next]?.text === "," ? to.next + 1 : t.length
      }
    } else if (spells(t, 0, "ALTER", "INDEX")) {
      const name = nameAt(t, skipIfExists(t, 2))
      if (name && spells(t, name.next, "RENAME", "TO")) {
        const to = nameAt(t, name.next + 2)
        if (to) out.push({ kind: "index", from: name.name, to: to.name })
      }
    } else if (spells(t, 0, "ALTER", "TYPE")) {
      const name = nameAt(t, 2)
      if (name && spells(t, name.next, "RENAME", "TO")) {
        const to = nameAt(t, name.next + 2)
        if (to) out.push({ kind: "type", from: name.name, to: to.name })
      } else if (name && spells(t, name.next, "RENAME", "VALUE")) {
        const [from, to] = [t[name.next + 2], t[name.next + 4]]
        if (from?.kind === "string" && to?.kind === "string")
          out.push({ kind: "enum-value", type: name.name, from: from.value, to: to.value })
      }
    }
  }
  return out
}

/** The name a table of the schema before ends up with after the renames. */
export function tableFate(all: ReadonlyArray<Rename>, table: string): string {
  let name = table
  for (const r of all) if (r.kind === "table" && sameName(r.from, name)) name = r.to
  return name
}

/** Where a column of the schema before ends up: its table and name after every rename, in order. */
export function columnFate(
  all: ReadonlyArray<Rename>,
  table: string,
  column: string,
): { table: string; column: string } {
  let t = table
  let c = column
  for (const r of all) {
    if (r.kind === "table" && sameName(r.from, t)) t = r.to
    else if (r.kind === "column" && sameName(r.table, t) && sameName(r.from, c)) c = r.to
  }
  return { table: t, column: c }
}

/** True when the statement names `name` (qualified or not) anywhere. */
export function mentions(s: UpStatement, name: string): boolean {
  const t = s.tokens
  for (let i = 0; i < t.length; i++) {
    const token = t[i] as Token
    if (token.kind !== "word" && token.kind !== "quoted") continue
    const full = nameAt(t, i)
    if (full && sameName(full.name, name)) return true
    if (sameName(nameOf(token) ?? "", name)) return true
  }
  return false
}

/** The first statement that satisfies `test`, else the first that at least names `fallbackName`. */
export function locate(
  up: ReadonlyArray<UpStatement>,
  test: (s: UpStatement) => boolean,
  fallbackName?: string,
): UpStatement | undefined {
  return up.find(test) ?? (fallbackName === undefined ? undefined : up.find((s) => mentions(s, fallbackName)))
}

/** DROP <what> [CONCURRENTLY] [IF EXISTS] a, b, ... naming `name`. */
export function dropsObject(s: UpStatement, what: string, name: string): boolean {
  const t = s.tokens
  if (!spells(t, 0, "DROP", what)) return false
  let at = 2
  if (isWord(t[at], "CONCURRENTLY")) at++
  at = skipIfExists(t, at)
  while (at < t.length) {
    const n = nameAt(t, at)
    if (!n) return false
    if (sameName(n.name, name)) return true
    if (t[n.next]?.text !== ",") return false
    at = n.next + 1
  }
  return false
}

/** An ALTER TABLE on `table` with an action that starts with `words` and then names `name`. */
export function altersWith(s: UpStatement, table: string, name: string, ...words: string[]): boolean {
  const alter = alterTable(s)
  if (!alter || !sameName(alter.table, table)) return false
  return alter.actions.some((a) => {
    if (!words.every((w, k) => isWord(a[k], w))) return false
    let at = words.length
    if (isWord(a[at], "COLUMN")) at++
    at = skipIfExists(a, at)
    return sameName(nameOf(a[at]) ?? "", name)
  })
}

/** A temp table's name as it is written in a statement that reads it (`temp.x`), compared bare. */
const bareTemp = (name: string) => name.replace(/^temp\./i, "")

/** The first name after a FROM at the statement's own level, and whether a WHERE follows it. */
function sourceTable(t: ReadonlyArray<Token>, from: number): { name: string; filtered: boolean } | undefined {
  const at = t.findIndex((token, i) => i >= from && token.depth === 0 && isWord(token, "FROM"))
  const name = at === -1 ? undefined : nameAt(t, at + 1)
  if (!name) return undefined
  // Anything after the table but a terminator (a WHERE, a join, a LIMIT) copies fewer or other rows.
  const rest = t.slice(name.next).filter((token) => token.text !== ";")
  return { name: name.name, filtered: rest.length > 0 }
}

/** CREATE TEMP TABLE p AS SELECT ... FROM t, unfiltered: every row of t copied out into p. */
export function parksRows(s: UpStatement): { readonly table: string; readonly parked: string } | undefined {
  const t = s.tokens
  if (!isWord(t[0], "CREATE") || !isWord(t[1], "TEMP", "TEMPORARY") || !isWord(t[2], "TABLE"))
    return undefined
  const park = nameAt(t, skipIfExists(t, 3))
  if (!park || !spells(t, park.next, "AS", "SELECT")) return undefined
  const source = sourceTable(t, park.next + 2)
  return source && !source.filtered ? { table: source.name, parked: bareTemp(park.name) } : undefined
}

/** INSERT INTO t [(...)] SELECT ... FROM p, unfiltered: every row of p copied into t. */
export function copiesRows(s: UpStatement): { readonly table: string; readonly from: string } | undefined {
  const t = s.tokens
  if (!spells(t, 0, "INSERT", "INTO")) return undefined
  const target = nameAt(t, 2)
  if (!target) return undefined
  const select = t.findIndex((token, i) => i >= target.next && token.depth === 0 && isWord(token, "SELECT"))
  const source = select === -1 ? undefined : sourceTable(t, select + 1)
  return source && !source.filtered ? { table: target.name, from: bareTemp(source.name) } : undefined
}

/**
 * Whether the statement at `index` empties `table` only to hold it while a planner rebuilds: its
 * rows were parked in a temp table before, and the same rows are copied back from there after.
 */
export function parkedWhileRebuilt(up: ReadonlyArray<UpStatement>, index: number, table: string): boolean {
  const parks = up
    .slice(0, index)
    .flatMap((s) => parksRows(s) ?? [])
    .filter((p) => sameName(p.table, table))
  return up.slice(index + 1).some((s) => {
    const copy = copiesRows(s)
    return (
      copy !== undefined && sameName(copy.table, table) && parks.some((p) => sameName(p.parked, copy.from))
    )
  })
}

/**
 * Where a column of `table` changes: an ALTER TABLE that alters, modifies or changes it (by its old
 * or new name), else a rebuild's copy of the rows back into the table (where a NULL or too long
 * value makes the rebuild fail), else the first statement that names the table.
 */
export function columnChange(up: ReadonlyArray<UpStatement>, table: string, ...names: string[]) {
  return (
    up.find((s) =>
      ["ALTER", "MODIFY", "CHANGE"].some((verb) => names.some((n) => altersWith(s, table, n, verb))),
    ) ??
    up.find((s) => {
      const copy = copiesRows(s)
      return copy !== undefined && sameName(copy.table, table)
    }) ??
    up.find((s) => mentions(s, table))
  )
}
