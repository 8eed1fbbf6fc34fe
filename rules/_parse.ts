/**
 * _parse: read each UP statement with a real parser for the engine's grammar and keep what the
 * rules need from it: the statements that delete or rewrite rows, and whether a WHERE limits them.
 * PostgreSQL uses libpg-query (PostgreSQL's own parser compiled to WebAssembly); SQLite uses
 * sql-parser-cst; MySQL and MariaDB use node-sql-parser. Each was the one that parsed the most of
 * sqldef's real migrations for its dialect (PostgreSQL 1865/1877, SQLite 134/135, MySQL 599/733).
 * A statement the parser rejects is read by `tokenDml`, which can only err towards flagging.
 * Resources: libpg-query's WebAssembly module, loaded once per process on first use.
 */
import type { Parser } from "node-sql-parser"
import type { SqlGrammar } from "../engines/engine.ts"
import type { Statement } from "../model.ts"
import type { DmlFact, UpStatement } from "./rule.ts"
import { isWord, nameAt, spells, type Token, tokenize } from "../sql/words.ts"

type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null

/**
 * The three parsers are loaded on first use, for the grammar at hand only: together they cost more
 * than 100 ms to load, which every `aim diff` (which runs no rule) would otherwise pay at startup.
 */
interface Loaded {
  pgParse?: (sql: string) => unknown
  mysqlParser?: Parser
  cstParse?: typeof import("sql-parser-cst").parse
}
const loaded: Loaded = {}

async function loadParser(grammar: SqlGrammar): Promise<void> {
  if (grammar === "postgresql" && !loaded.pgParse) {
    const pg = await import("libpg-query")
    await pg.loadModule()
    loaded.pgParse = pg.parseSync
  } else if ((grammar === "mysql" || grammar === "mariadb") && !loaded.mysqlParser) {
    const { Parser } = await import("node-sql-parser")
    loaded.mysqlParser = new Parser()
  } else if (grammar === "sqlite" && !loaded.cstParse) {
    loaded.cstParse = (await import("sql-parser-cst")).parse
  }
}

const parserOf = <K extends keyof Loaded>(key: K): NonNullable<Loaded[K]> => {
  const parser = loaded[key]
  if (!parser) throw new Error(`parser ${key} used before it was loaded`)
  return parser as NonNullable<Loaded[K]>
}

/** Every node of an AST, depth first, skipping subtrees `skip` names (trigger bodies run later, not now). */
function* walk(value: unknown, skip: (node: Node) => boolean): Generator<Node> {
  if (Array.isArray(value)) for (const v of value) yield* walk(v, skip)
  else if (isNode(value)) {
    if (skip(value)) return
    yield value
    for (const v of Object.values(value)) yield* walk(v, skip)
  }
}

// PostgreSQL: node names are libpg-query's (the parse tree of src/include/nodes/parsenodes.h).
const pgName = (rangeVar: unknown) => {
  const r = isNode(rangeVar) ? ((rangeVar.RangeVar as Node | undefined) ?? rangeVar) : {}
  return [r.schemaname, r.relname].filter((p) => typeof p === "string").join(".")
}

function pgFacts(sql: string): DmlFact[] {
  const tree = parserOf("pgParse")(sql)
  const facts: DmlFact[] = []
  // Rules and trigger functions store statements that run later, not during the migration.
  const skip = (n: Node) => "RuleStmt" in n || "CreateTrigStmt" in n || "CreateFunctionStmt" in n
  for (const node of walk(tree, skip)) {
    const del = node.DeleteStmt as Node | undefined
    const upd = node.UpdateStmt as Node | undefined
    const trunc = node.TruncateStmt as Node | undefined
    const doStmt = node.DoStmt as Node | undefined
    if (del) facts.push(fact("delete", pgName(del.relation), del.whereClause !== undefined, false, "parser"))
    if (upd) facts.push(fact("update", pgName(upd.relation), upd.whereClause !== undefined, false, "parser"))
    if (trunc) {
      for (const r of (trunc.relations as unknown[] | undefined) ?? [])
        facts.push(fact("truncate", pgName(r), false, trunc.behavior === "DROP_CASCADE", "parser"))
    }
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

// MySQL and MariaDB: node-sql-parser's AST (types.d.ts of the package).
function mysqlFacts(sql: string, grammar: "mysql" | "mariadb"): DmlFact[] {
  const ast = parserOf("mysqlParser").astify(sql, { database: grammar === "mysql" ? "MySQL" : "MariaDB" })
  const facts: DmlFact[] = []
  const tableName = (t: unknown) =>
    isNode(t) ? [t.db, t.table].filter((p) => typeof p === "string" && p !== "").join(".") : ""
  // Triggers, events and routines keep their bodies for later.
  const skip = (n: Node) => n.type === "create" || n.type === "alter" || n.type === "proc"
  for (const node of walk(ast, skip)) {
    if (node.type === "delete" || node.type === "update") {
      const tables = [
        ...((node.table as unknown[] | null) ?? []),
        ...((node.from as unknown[] | null) ?? []),
      ].filter(isNode)
      // DELETE u FROM users u JOIN bans b ON ... touches only the joined rows.
      const joined = tables.some((t) => typeof t.join === "string" && /INNER|^JOIN/.test(t.join) && t.on)
      const target = tables.find((t) => !t.join) ?? tables[0]
      facts.push(fact(node.type, tableName(target), (node.where ?? null) !== null || joined, false, "parser"))
    }
    if (node.type === "truncate") {
      for (const t of (node.name as unknown[] | undefined) ?? [])
        facts.push(fact("truncate", tableName(t), false, false, "parser"))
    }
  }
  return facts
}

// SQLite: sql-parser-cst's concrete syntax tree (node types as in its cst/ typings).
function sqliteFacts(sql: string): DmlFact[] {
  const { statements } = parserOf("cstParse")(sql, { dialect: "sqlite", includeRange: false })
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

function fact(
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

/** Parse every statement with `grammar`; without a grammar, every statement goes to the token check. */
export async function parseStatements(
  statements: ReadonlyArray<Statement>,
  grammar: SqlGrammar | undefined,
): Promise<UpStatement[]> {
  if (grammar !== undefined) await loadParser(grammar)
  return statements.map((s) => {
    const tokens = tokenize(s.sql)
    // A DO block's body is a string token, so its DML keywords only show after parsing.
    const mentionsDml =
      tokens.some((t) => isWord(t, "DELETE", "UPDATE", "TRUNCATE")) ||
      (grammar === "postgresql" && isWord(tokens[0], "DO"))
    if (grammar === undefined)
      return {
        sql: s.sql,
        line: s.line,
        tokens,
        dml: tokenDml(tokens),
        unparsed: "no grammar for this engine",
      }
    try {
      // Statements without a DML keyword cannot hold DML, so a DDL form a parser lacks costs nothing.
      const dml = !mentionsDml
        ? []
        : grammar === "postgresql"
          ? pgFacts(s.sql)
          : grammar === "sqlite"
            ? sqliteFacts(s.sql)
            : mysqlFacts(s.sql, grammar)
      return { sql: s.sql, line: s.line, tokens, dml }
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "parse error"
      return { sql: s.sql, line: s.line, tokens, dml: tokenDml(tokens), unparsed: reason }
    }
  })
}

/** Whether a statement starts with `words`: a helper for the DDL shapes the rules read by tokens. */
export const startsWith = (s: UpStatement, ...words: string[]) => spells(s.tokens, 0, ...words)
