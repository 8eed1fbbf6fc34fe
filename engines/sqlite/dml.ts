/**
 * dml: the rows a SQLite statement deletes or rewrites, read from sql-parser-cst's concrete syntax
 * tree (node types as in its cst/ typings); DML inside a trigger body, which runs later, does not
 * count. It parsed 134 of sqldef's 135 real SQLite migrations. Resources: the parser module, loaded
 * once on first use.
 */
import { type DmlFact, fact, isNode, type Node, walk } from "../../sql/dml.ts"

let loaded: Promise<(sql: string) => ReadonlyArray<DmlFact>> | undefined

/** The reader, once sql-parser-cst is loaded (once per process). */
export const sqliteDml = () => (loaded ??= load())

async function load(): Promise<(sql: string) => ReadonlyArray<DmlFact>> {
  const { parse } = await import("sql-parser-cst")
  return (sql) => {
    const { statements } = parse(sql, { dialect: "sqlite", includeRange: false })
    const facts: DmlFact[] = []
    const text = (n: unknown): string =>
      !isNode(n)
        ? ""
        : n.type === "member_expr"
          ? `${text(n.object)}.${text(n.property)}`
          : n.type === "alias"
            ? text(n.expr)
            : typeof n.name === "string"
              ? n.name
              : typeof n.text === "string"
                ? n.text
                : ""
    const skip = (n: Node) => n.type === "create_trigger_stmt"
    for (const node of walk(statements, skip)) {
      if (node.type !== "delete_stmt" && node.type !== "update_stmt") continue
      const clauses = (node.clauses as Node[] | undefined) ?? []
      const head = clauses.find((c) => c.type === "delete_clause" || c.type === "update_clause")
      const list = isNode(head?.tables) ? ((head.tables as Node).items as unknown[]) : []
      const filtered = clauses.some((c) => c.type === "where_clause")
      facts.push(
        fact(node.type === "delete_stmt" ? "delete" : "update", text(list[0]), filtered, false, "parser"),
      )
    }
    return facts
  }
}
