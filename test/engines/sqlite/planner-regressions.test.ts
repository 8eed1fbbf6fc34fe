/**
 * Regressions found by the sqldef conformance corpus (test/conformance/run.ts). Each test builds
 * the two schemas on real SQLite databases, plans with the built-in planner, applies UP the way a
 * runner does (one transaction, foreign keys on) to a database holding rows, and checks that the
 * result is the desired schema and that the rows are still there; DOWN goes back the same way.
 */
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { diffSchemas } from "../../../model/diff.ts"
import { layer } from "../../../engines/sqlite/engine.ts"
import { planSqlite } from "../../../engines/sqlite/planner.ts"
import { planBothWays } from "../../../engines/order.ts"
import { readSchema } from "../../../engines/sqlite/catalog.ts"
import type { Migration, Schema } from "../../../model.ts"
import { snapshotHistory, snapshotSchema } from "../../../steps/snapshot.ts"
import { verify } from "../../../steps/verify.ts"

const schemaOf = (sql: string): Schema => {
  const db = new Database(":memory:")
  db.exec(sql)
  const schema = readSchema(db)
  db.close()
  return schema
}

const applyScript = (db: Database, statements: ReadonlyArray<string>) => {
  db.run("PRAGMA foreign_keys = ON")
  db.run("BEGIN")
  for (const s of statements) db.run(s)
  db.run("COMMIT")
}

const rows = (db: Database, sql: string) => db.query(sql).values()

/** Plan `current` -> `desired`, run UP then DOWN over `seed`ed rows; returns what each step saw. */
function roundTrip(current: string, desired: string, seed: string, probe: string) {
  const from = schemaOf(current)
  const to = schemaOf(desired)
  const plan = planBothWays(planSqlite, from, to)
  const db = new Database(":memory:")
  db.exec(current)
  db.exec(seed)
  const before = rows(db, probe)
  applyScript(db, plan.up)
  const afterUp = { schema: readSchema(db), rows: rows(db, probe) }
  applyScript(db, plan.down)
  const afterDown = { schema: readSchema(db), rows: rows(db, probe) }
  db.close()
  return { from, to, plan, before, afterUp, afterDown }
}

describe("names that differ only in case are one name in SQLite", () => {
  test("a table spelled USERS in the history and users in schema.sql gets ADD COLUMN, not a drop and a create", () => {
    const r = roundTrip(
      "CREATE TABLE USERS (id integer PRIMARY KEY);",
      "CREATE TABLE users (id integer PRIMARY KEY, name text);",
      "INSERT INTO USERS (id) VALUES (1), (2), (3);",
      "SELECT id FROM users ORDER BY id",
    )
    expect(r.plan.up.some((s) => /DROP TABLE/i.test(s))).toBe(false)
    expect(diffSchemas(r.afterUp.schema, r.to)).toHaveLength(0)
    expect(r.afterUp.rows).toEqual(r.before)
    expect(diffSchemas(r.afterDown.schema, r.from)).toHaveLength(0)
    expect(r.afterDown.rows).toEqual(r.before)
  })

  test("dropping a column from a table whose name changed case keeps the table and its rows", () => {
    const r = roundTrip(
      "CREATE TABLE Users (id integer PRIMARY KEY, old_col text);",
      "CREATE TABLE USERS (id integer PRIMARY KEY);",
      "INSERT INTO Users VALUES (1, 'a'), (2, 'b');",
      "SELECT id FROM users ORDER BY id",
    )
    expect(r.plan.up).toEqual(["ALTER TABLE USERS DROP COLUMN old_col"])
    expect(diffSchemas(r.afterUp.schema, r.to)).toHaveLength(0)
    expect(r.afterUp.rows).toEqual(r.before)
  })

  test("an index on PRODUCTS over a table now spelled products only creates the index", () => {
    const r = roundTrip(
      "CREATE TABLE Products (id integer PRIMARY KEY, name text);",
      "CREATE TABLE products (id integer PRIMARY KEY, name text); CREATE INDEX idx_name ON PRODUCTS (name);",
      "INSERT INTO Products VALUES (1, 'a'), (2, 'b');",
      "SELECT id, name FROM products ORDER BY id",
    )
    expect(r.plan.up).toEqual(["CREATE INDEX idx_name ON PRODUCTS (name)"])
    expect(diffSchemas(r.afterUp.schema, r.to)).toHaveLength(0)
    expect(r.afterUp.rows).toEqual(r.before)
    expect(r.plan.down).toEqual(["DROP INDEX idx_name"])
  })

  test("column names in keys and constraints compare whatever their case", () => {
    const a = schemaOf("CREATE TABLE t (Email text UNIQUE, Id integer, PRIMARY KEY (Id));")
    const b = schemaOf("CREATE TABLE t (email text UNIQUE, id integer, PRIMARY KEY (id));")
    expect(diffSchemas(a, b)).toHaveLength(0)
  })

  test("REFERENCES Users (ID) and REFERENCES users (id) are the same foreign key, so nothing is rebuilt", () => {
    const parent = "CREATE TABLE users (id integer PRIMARY KEY);"
    const a = schemaOf(`${parent} CREATE TABLE orders (user_id int REFERENCES Users (ID));`)
    const b = schemaOf(`${parent} CREATE TABLE orders (user_id int REFERENCES users (id));`)
    expect(a.tables.find((t) => t.name === "orders")?.foreignKeys[0]).toMatchObject({
      table: "users",
      referencedColumns: ["id"],
    })
    expect(diffSchemas(a, b)).toHaveLength(0)
    expect(planBothWays(planSqlite, a, b).up).toEqual([])
  })

  test("a foreign key spelled differently and a real change together: the child rows survive the rebuild", () => {
    const r = roundTrip(
      "CREATE TABLE users (id integer PRIMARY KEY, name text); CREATE TABLE orders (id integer PRIMARY KEY, user_id int REFERENCES USERS (ID) ON DELETE CASCADE);",
      "CREATE TABLE Users (id integer PRIMARY KEY, name text NOT NULL DEFAULT ''); CREATE TABLE orders (id integer PRIMARY KEY, user_id int REFERENCES users (id) ON DELETE CASCADE);",
      "INSERT INTO users VALUES (1, 'a'), (2, NULL); INSERT INTO orders VALUES (10, 1), (11, 2);",
      "SELECT o.id, o.user_id, u.id FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id",
    )
    expect(diffSchemas(r.afterUp.schema, r.to)).toHaveLength(0)
    expect(r.afterUp.rows).toEqual(r.before)
    expect(diffSchemas(r.afterDown.schema, r.from)).toHaveLength(0)
    expect(r.afterDown.rows).toEqual(r.before)
  })

  test("names that differ beyond ASCII case stay different tables, as SQLite keeps them", () => {
    const a = schemaOf('CREATE TABLE "É" (x int);')
    const b = schemaOf('CREATE TABLE "é" (x int);')
    expect(diffSchemas(a, b).map((c) => c.kind)).toEqual(["drop-table", "create-table"])
  })

  test("verification checks the rows of a table whose name changed case, so a drop and re-create is caught", async () => {
    const history: Migration[] = [
      {
        version: "1",
        name: "init",
        up: "CREATE TABLE USERS (id integer PRIMARY KEY);",
        upPath: "migrations/1_init.up.sql",
        transaction: true,
      },
    ]
    // What the planner wrote before names were matched case-insensitively: every row is lost.
    const lossy = "DROP TABLE USERS;\nCREATE TABLE users (id integer PRIMARY KEY, name text);\n"
    const error = await Effect.runPromise(
      Effect.gen(function* () {
        const current = yield* snapshotHistory(history)
        const desired = yield* snapshotSchema({
          path: "schema.sql",
          text: "CREATE TABLE users (id integer PRIMARY KEY, name text);",
        })
        return yield* verify({ up: lossy, notes: [] }, { history, current, desired }).pipe(Effect.flip)
      }).pipe(Effect.provide(layer)),
    )
    expect(error._tag).toBe("RowsChanged")
  })
})
