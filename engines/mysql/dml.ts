/**
 * dml: the rows a MySQL or MariaDB statement deletes or rewrites, read from node-sql-parser's AST
 * (types.d.ts of the package) in the flavor's grammar. A multi-table DELETE limited by an inner join
 * counts as filtered; triggers, events and routines keep their bodies for later. It parsed 599 of
 * sqldef's 733 real MySQL migrations. Resources: the parser, built once on first use.
 */
import { type DmlFact, fact, isNode, type Node, walk } from "../../sql/dml.ts"

/** The reader for `grammar` ("MySQL" or "MariaDB"), once the parser is loaded. */
async function load(grammar: "MySQL" | "MariaDB"): Promise<(sql: string) => ReadonlyArray<DmlFact>> {
  const { Parser } = await import("node-sql-parser")
  const parser = new Parser()
  const tableName = (t: unknown) =>
    isNode(t) ? [t.db, t.table].filter((p) => typeof p === "string" && p !== "").join(".") : ""
  // Triggers, events and routines keep their bodies for later.
  const skip = (n: Node) => n.type === "create" || n.type === "alter" || n.type === "proc"
  return (sql) => {
    const facts: DmlFact[] = []
    for (const node of walk(parser.astify(sql, { database: grammar }), skip)) {
      if (node.type === "delete" || node.type === "update") {
        const tables = [
          ...((node.table as unknown[] | null) ?? []),
          ...((node.from as unknown[] | null) ?? []),
        ].filter(isNode)
        // DELETE u FROM users u JOIN bans b ON ... touches only the joined rows.
        const joined = tables.some((t) => typeof t.join === "string" && /INNER|^JOIN/.test(t.join) && t.on)
        const target = tables.find((t) => !t.join) ?? tables[0]
        facts.push(
          fact(node.type, tableName(target), (node.where ?? null) !== null || joined, false, "parser"),
        )
      }
      if (node.type === "truncate")
        for (const t of (node.name as unknown[] | undefined) ?? [])
          facts.push(fact("truncate", tableName(t), false, false, "parser"))
    }
    return facts
  }
}

const loaded = new Map<string, Promise<(sql: string) => ReadonlyArray<DmlFact>>>()

/** The reader for `grammar`, built once per process. */
export const mysqlDml = (grammar: "MySQL" | "MariaDB") => {
  let reader = loaded.get(grammar)
  if (!reader) loaded.set(grammar, (reader = load(grammar)))
  return reader
}
