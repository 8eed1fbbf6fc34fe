/**
 * dml: the statements of a migration that delete or rewrite rows, as the rules need them
 * (destructive-dml): the facts an engine's parser reads from a statement's parse tree
 * (engines/<name>/dml.ts), the tree walk they share, and the fallback by tokens for a statement the
 * parser rejects, which can only err towards flagging. Pure.
 */
import { isWord, nameAt, type Token } from "./words.ts"

/** A statement that deletes or rewrites rows, as the parser (or the token fallback) read it. */
export interface DmlFact {
  readonly kind: "delete" | "update" | "truncate"
  /** The target table, as written. */
  readonly table: string
  /** A WHERE clause (or, for MySQL's multi-table forms, an inner join condition) limits the rows. */
  readonly filtered: boolean
  /** TRUNCATE ... CASCADE: tables that reference the target are emptied too. */
  readonly cascade: boolean
  /** "tokens" when the grammar could not parse the statement and the token fallback decided. */
  readonly checkedBy: "parser" | "tokens"
}

/** An engine's reader of DML facts, loaded on first use: parsers cost startup time every run would pay. */
export type DmlReader = () => Promise<(sql: string) => ReadonlyArray<DmlFact>>

export type Node = Record<string, unknown>
export const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null

/** Every node of a parse tree, depth first, skipping subtrees `skip` names (trigger bodies run later, not now). */
export function* walk(value: unknown, skip: (node: Node) => boolean): Generator<Node> {
  if (Array.isArray(value)) for (const v of value) yield* walk(v, skip)
  else if (isNode(value)) {
    if (skip(value)) return
    yield value
    for (const v of Object.values(value)) yield* walk(v, skip)
  }
}

export function fact(
  kind: DmlFact["kind"],
  table: string,
  filtered: boolean,
  cascade: boolean,
  checkedBy: DmlFact["checkedBy"],
): DmlFact {
  return { kind, table, filtered, cascade, checkedBy }
}

/** Words before DELETE/UPDATE/TRUNCATE that make it something other than DML running now. */
const notDml = new Set(["ON", "FOR", "OF", "OR", "DO", "KEY", "BEFORE", "AFTER", "GRANT", "REVOKE"])

/**
 * DML found by tokens alone, for statements the parser rejects. A DELETE, UPDATE or TRUNCATE
 * keyword counts unless the word before it makes it a foreign-key action, a trigger event, a lock
 * clause, an upsert or a privilege; it counts as filtered only when a WHERE follows at the same
 * parenthesis depth. Anything it cannot tell apart is flagged, never passed.
 */
export function tokenDml(tokens: ReadonlyArray<Token>): DmlFact[] {
  const facts: DmlFact[] = []
  tokens.forEach((t, i) => {
    if (!isWord(t, "DELETE", "UPDATE", "TRUNCATE")) return
    const before = tokens[i - 1]
    if (before && (before.text === "," || (before.kind === "word" && notDml.has(before.value)))) return
    let at = i + 1
    while (
      isWord(tokens[at], "FROM", "TABLE", "ONLY", "OR", "ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE")
    )
      at++
    const table = nameAt(tokens, at)?.name ?? ""
    let filtered = false
    let cascade = false
    for (let j = i + 1; j < tokens.length; j++) {
      const u = tokens[j] as Token
      if (u.depth < t.depth || u.text === ";") break
      if (u.depth === t.depth && isWord(u, "WHERE")) filtered = true
      if (u.depth === t.depth && isWord(u, "CASCADE")) cascade = true
    }
    const kind = t.value.toLowerCase() as DmlFact["kind"]
    facts.push(fact(kind, table, kind !== "truncate" && filtered, cascade, "tokens"))
  })
  return facts
}
