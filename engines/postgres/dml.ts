/**
 * dml: the rows a PostgreSQL statement deletes or rewrites, read from its parse tree by libpg-query
 * (PostgreSQL's own parser compiled to WebAssembly; node names as in src/include/nodes/parsenodes.h).
 * DML inside a CTE or a DO block counts; inside a rule, trigger or function body (which runs later)
 * it does not. It parsed 1865 of sqldef's 1877 real PostgreSQL migrations. Resources: the
 * WebAssembly module, loaded once per process on first use.
 */
import { type DmlFact, fact, isNode, type Node, tokenDml, walk } from "../../sql/dml.ts"
import { tokenize } from "../../sql/words.ts"

const relationName = (rangeVar: unknown) => {
  const r = isNode(rangeVar) ? ((rangeVar.RangeVar as Node | undefined) ?? rangeVar) : {}
  return [r.schemaname, r.relname].filter((p) => typeof p === "string").join(".")
}

function factsOf(parse: (sql: string) => unknown, sql: string): DmlFact[] {
  const facts: DmlFact[] = []
  // Rules and trigger functions store statements that run later, not during the migration.
  const skip = (n: Node) => "RuleStmt" in n || "CreateTrigStmt" in n || "CreateFunctionStmt" in n
  for (const node of walk(parse(sql), skip)) {
    const del = node.DeleteStmt as Node | undefined
    const upd = node.UpdateStmt as Node | undefined
    const trunc = node.TruncateStmt as Node | undefined
    const doStmt = node.DoStmt as Node | undefined
    if (del)
      facts.push(fact("delete", relationName(del.relation), del.whereClause !== undefined, false, "parser"))
    if (upd)
      facts.push(fact("update", relationName(upd.relation), upd.whereClause !== undefined, false, "parser"))
    if (trunc)
      for (const r of (trunc.relations as unknown[] | undefined) ?? [])
        facts.push(fact("truncate", relationName(r), false, trunc.behavior === "DROP_CASCADE", "parser"))
    if (doStmt) {
      // A DO block's body is PL/pgSQL text that runs now; its statements are read by tokens.
      for (const arg of walk(doStmt.args, () => false)) {
        const body = (arg.String as Node | undefined)?.sval
        if (typeof body === "string") facts.push(...tokenDml(tokenize(body)))
      }
    }
  }
  return facts
}

let loaded: Promise<(sql: string) => ReadonlyArray<DmlFact>> | undefined

/** The reader, once libpg-query's module is loaded (once per process). */
export const postgresDml = () =>
  (loaded ??= import("libpg-query").then(async (pg) => {
    await pg.loadModule()
    return (sql: string) => factsOf(pg.parseSync, sql)
  }))
