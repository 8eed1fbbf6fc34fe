import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import { layer } from "../../engines/sqlite/engine.ts"
import { findRenameComments } from "../../sql/rename-comments.ts"
import { declaredRenames, resolveRenames } from "../../steps/renames.ts"
import { schemaOfSql } from "../e2e/_cli.ts"
import { column, table } from "../rules/_schemas.ts"

const ids = sqliteCapabilities.identifiers
const resolve = (history: string, schemaSql: string) =>
  resolveRenames(
    findRenameComments(schemaSql, ids.dialect),
    ids,
    schemaOfSql(history),
    schemaOfSql(schemaSql),
  )

const history = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);"

describe("declared renames: checked against what the migrations build", () => {
  test("a table and its columns renamed: hints for this run, each with its line", () => {
    const resolved = resolve(
      history,
      `CREATE TABLE clients ( -- aim:renamed-from customers
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL, -- aim:renamed-from name
  note TEXT
);`,
    )
    expect(resolved).toEqual({
      hints: {
        tables: [{ from: "customers", to: "clients" }],
        columns: [{ table: "clients", from: "name", to: "full_name" }],
      },
      applied: [
        { line: 1, kind: "table", table: "clients", from: "customers", to: "clients" },
        { line: 3, kind: "column", table: "clients", from: "name", to: "full_name" },
      ],
      settled: [],
    })
  })

  test("once the migrations made the rename, the comment changes nothing", () => {
    const resolved = resolve(
      "CREATE TABLE clients (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);",
      "CREATE TABLE clients ( -- aim:renamed-from customers\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL -- aim:renamed-from name\n);",
    )
    expect(resolved).toMatchObject({ hints: { tables: [], columns: [] }, applied: [] })
    expect("settled" in resolved && resolved.settled.map((r) => r.line)).toEqual([1, 3])
  })

  test("names are matched as SQLite matches them, whatever their case", () => {
    const resolved = resolve(
      history,
      "CREATE TABLE customers (id INTEGER PRIMARY KEY,\n Full_Name TEXT NOT NULL, -- aim:renamed-from NAME\n note TEXT);",
    )
    expect(resolved).toMatchObject({
      hints: { columns: [{ table: "customers", from: "name", to: "Full_Name" }] },
    })
  })

  test("what cannot apply is an error naming the comment's line", () => {
    const problem = (schemaSql: string, from = history) => {
      const r = resolve(from, schemaSql)
      return "reason" in r ? `${r.line}: ${r.reason}` : "applies"
    }
    expect(
      problem(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY,\n full_name TEXT, -- aim:renamed-from nme\n note TEXT);",
      ),
    ).toBe("2: aim:renamed-from nme: table customers has no column nme in the migrations (nor full_name)")
    expect(
      problem(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY,\n name TEXT NOT NULL,\n full_name TEXT -- aim:renamed-from name\n);",
      ),
    ).toBe(
      "3: aim:renamed-from name: schema.sql still defines customers.name, so it was not renamed to full_name",
    )
    expect(
      problem(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY,\n a TEXT, -- aim:renamed-from name\n b TEXT -- aim:renamed-from name\n);",
      ),
    ).toBe("3: two comments claim the old name customers.name (also on line 2)")
    expect(problem("CREATE TABLE clients ( -- aim:renamed-from shoppers\n id INTEGER PRIMARY KEY);")).toBe(
      "1: aim:renamed-from shoppers: the migrations have no table shoppers (nor clients)",
    )
    expect(
      problem("CREATE TABLE people (id INTEGER PRIMARY KEY,\n full_name TEXT -- aim:renamed-from name\n);"),
    ).toBe(
      "2: aim:renamed-from name: the migrations have no table people; if the table was renamed too, mark it with aim:renamed-from <old name> as well",
    )
    expect(
      problem(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);\nCREATE TABLE clients ( -- aim:renamed-from customers\n id INTEGER);",
      ),
    ).toBe(
      "2: aim:renamed-from customers: schema.sql still defines table customers, so it was not renamed to clients",
    )
  })

  test("PostgreSQL: unquoted names fold to lower case, the public schema is the default, schemas are kept", () => {
    const pg = postgresCapabilities.identifiers
    const schema = (tables: ReturnType<typeof table>[]) => ({
      engine: "postgres",
      version: "17",
      tables,
      objects: [],
    })
    const current = schema([
      table("audit.log", [column("id", "integer")]),
      table("Users", [column("Name", "text")]),
    ])
    const desired = schema([
      table("audit.entries", [column("id", "integer")]),
      table("Users", [column("full", "text")]),
    ])
    const sql = `CREATE TABLE AUDIT.Entries ( -- aim:renamed-from audit.LOG
  id integer);
CREATE TABLE public."Users" (
  FULL text -- aim:renamed-from "Name"
);`
    expect(resolveRenames(findRenameComments(sql, pg.dialect), pg, current, desired)).toMatchObject({
      hints: {
        tables: [{ from: "audit.log", to: "audit.entries" }],
        columns: [{ table: "Users", from: "Name", to: "full" }],
      },
    })
  })

  test("the step reads schema.sql and fails with the file and line", async () => {
    const result = await Effect.runPromise(
      declaredRenames(
        { path: "db/schema.sql", text: "CREATE TABLE t (\n  b INT -- aim:renamed-from a\n);" },
        schemaOfSql("CREATE TABLE t (c INT);"),
        schemaOfSql("CREATE TABLE t (b INT);"),
      ).pipe(Effect.flip, Effect.provide(layer)),
    )
    expect(result._tag).toBe("RenameCommentError")
    expect(result.message).toBe(
      "db/schema.sql:2: aim:renamed-from a: table t has no column a in the migrations (nor b)",
    )
  })
})
