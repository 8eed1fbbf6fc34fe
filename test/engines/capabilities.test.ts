/**
 * Engine capabilities, the one place where what differs between engines is stated: type rules that
 * the rules and ambiguity detection share (so they cannot disagree), Sqitch's engine keys, and the
 * planners' PlanFailed for what they cannot express.
 */
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { planWith } from "../../engines/engine.ts"
import { mysqlCapabilities } from "../../engines/mysql/capabilities.ts"
import { orderSteps, planBothWays } from "../../engines/order.ts"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { planPostgres } from "../../engines/postgres/planner.ts"
import { readSchema } from "../../engines/sqlite/catalog.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import { planSqlite } from "../../engines/sqlite/planner.ts"
import type { Schema, Table } from "../../model.ts"
import { findAmbiguities } from "../../model/ambiguity.ts"
import { diffSchemas } from "../../model/diff.ts"
import { isWidening } from "../../model/types.ts"
import { narrowingTypeChange } from "../../rules/narrowing-type-change.ts"
import { foreignKey } from "../rules/_schemas.ts"

const sqliteSchema = (db: Database) => readSchema(db)

describe("type rules", () => {
  test("SQLite BIGINT to INTEGER keeps every value: both are 8-byte integer affinity, measured", () => {
    const from = new Database(":memory:")
    from.run("CREATE TABLE t (id INTEGER PRIMARY KEY, n BIGINT)")
    const to = new Database(":memory:")
    to.run("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
    const before = sqliteSchema(from)
    const after = sqliteSchema(to)
    // The planner rebuilds the table; the extremes of a 64-bit integer come through unchanged.
    const db = new Database(":memory:", { safeIntegers: true })
    db.run("PRAGMA foreign_keys = ON")
    db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, n BIGINT)")
    db.run(
      "INSERT INTO t VALUES (1, 9223372036854775807), (2, -9223372036854775808), (3, 4611686018427387904)",
    )
    const read = () =>
      db
        .query<{ n: bigint }, []>("SELECT n FROM t ORDER BY id")
        .all()
        .map((r) => r.n)
    const values = read()
    const plan = planBothWays(planSqlite, before, after)
    expect(plan.up.join("\n")).toContain("INTEGER")
    db.run("BEGIN")
    for (const s of plan.up) db.run(s)
    db.run("COMMIT")
    expect(sqliteSchema(db).tables[0]?.columns.find((c) => c.name === "n")?.type).toBe("INTEGER")
    expect(read()).toEqual(values)
    for (const d of [from, to, db]) d.close()

    // So the rule and ambiguity detection both say it loses nothing on SQLite...
    const changes = diffSchemas(before, after)
    expect(isWidening("BIGINT", "INTEGER", sqliteCapabilities.types)).toBe(true)
    expect(findAmbiguities(changes, sqliteCapabilities.types)).toEqual([])
    expect(
      narrowingTypeChange.check({ before, after, changes, up: [], types: sqliteCapabilities.types }),
    ).toEqual([])
    // ...and that it does on PostgreSQL and MySQL, where integer is 4 bytes.
    for (const types of [postgresCapabilities.types, mysqlCapabilities("mariadb").types]) {
      expect(isWidening("BIGINT", "INTEGER", types)).toBe(false)
      expect(findAmbiguities(changes, types).map((a) => a.kind)).toEqual(["lossy-type"])
      expect(narrowingTypeChange.check({ before, after, changes, up: [], types })).toHaveLength(1)
    }
  })

  test("the rules and ambiguity detection agree on every pair, on every engine", () => {
    const pairs = [
      ["VARCHAR(20)", "TEXT"],
      ["VARCHAR(200)", "VARCHAR(20)"],
      ["INT", "BIGINT"],
      ["BIGINT", "INT"],
      ["TEXT", "INTEGER"],
      ["NUMERIC(10,2)", "NUMERIC(12,2)"],
      ["NUMERIC(10,2)", "NUMERIC(10,1)"],
      ["TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE"],
      ["REAL", "DOUBLE PRECISION"],
      ["DOUBLE PRECISION", "REAL"],
    ] as const
    const table = (type: string): Table => ({
      name: "t",
      columns: [{ name: "c", type, notNull: false }],
      uniques: [],
      checks: [],
      foreignKeys: [],
      options: [],
      definition: "",
    })
    const schema = (type: string): Schema => ({
      engine: "x",
      version: "1",
      tables: [table(type)],
      objects: [],
    })
    for (const types of [
      sqliteCapabilities.types,
      postgresCapabilities.types,
      mysqlCapabilities("mysql").types,
    ])
      for (const [a, b] of pairs) {
        const before = schema(a)
        const after = schema(b)
        const changes = diffSchemas(before, after)
        const flagged = narrowingTypeChange.check({ before, after, changes, up: [], types }).length > 0
        const lossy = findAmbiguities(changes, types).some((x) => x.kind === "lossy-type")
        expect([a, b, flagged]).toEqual([a, b, lossy])
      }
  })
})

describe("what ALTER TABLE cannot do", () => {
  test("PostgreSQL: a change of PARTITION BY rebuilds the table with its rows, not a plan that drifts", async () => {
    const events = (partition: string): Schema => ({
      engine: "postgres",
      version: "17",
      tables: [
        {
          name: "events",
          columns: [{ name: "at", type: "date", notNull: true }],
          uniques: [],
          checks: [],
          foreignKeys: [],
          options: [partition],
          definition: "",
        },
      ],
      objects: [],
    })
    const from = events("PARTITION BY RANGE (at)")
    const to = events("PARTITION BY LIST (at)")
    const planned = await Effect.runPromise(planWith(planPostgres)(diffSchemas(from, to), from, to))
    const statements = orderSteps(planned.steps).flatMap((s) => s.statements)
    expect(statements).toEqual([
      "CREATE TABLE events_aim_rows AS SELECT at FROM events",
      "DROP TABLE events",
      "CREATE TABLE events (\n  at date NOT NULL\n) PARTITION BY LIST (at)",
      "INSERT INTO events (at) SELECT at FROM events_aim_rows",
      "DROP TABLE events_aim_rows",
    ])
    expect(planned.notes.join("\n")).toContain("Table events changes how it is partitioned")
  })
})

describe("validity, where the engine has it", () => {
  // NOT VALID comes from issue 19's catalog; here the schemas say it by hand.
  const fk = foreignKey("orders_customer_fkey", ["customer"], "customers", ["id"])
  const schema = (valid: boolean, deferrable = false): Schema => ({
    engine: "postgres",
    version: "17",
    tables: [
      {
        name: "customers",
        columns: [{ name: "id", type: "integer", notNull: true }],
        primaryKey: { columns: ["id"], autoincrement: false },
        uniques: [],
        checks: [],
        foreignKeys: [],
        options: [],
        definition: "",
      },
      {
        name: "orders",
        columns: [{ name: "customer", type: "integer", notNull: false }],
        uniques: [],
        checks: [
          { name: "positive", expression: "customer > 0", ...(valid ? {} : { valid: false as const }) },
        ],
        foreignKeys: [{ ...fk, deferrable, ...(valid ? {} : { valid: false as const }) }],
        options: [],
        definition: "",
      },
    ],
    objects: [],
  })

  test("PostgreSQL: NOT VALID is kept when added, VALIDATE CONSTRAINT makes one valid, ALTER CONSTRAINT its deferral", () => {
    // Added to a table that exists (a new table has no rows to leave unchecked).
    const bare = schema(true)
    const without: Schema = {
      ...bare,
      tables: bare.tables.map((t) => (t.name === "orders" ? { ...t, checks: [], foreignKeys: [] } : t)),
    }
    const added = planBothWays(planPostgres, without, schema(false)).up
    expect(added.filter((s) => s.endsWith("NOT VALID"))).toHaveLength(2)
    const validated = planBothWays(planPostgres, schema(false), schema(true))
    expect(validated.up).toEqual([
      "ALTER TABLE orders VALIDATE CONSTRAINT positive",
      "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey",
    ])
    // Back to NOT VALID is a drop and an add (ALTER TABLE cannot unvalidate).
    expect(
      validated.down.some((s) => s.includes("DROP CONSTRAINT") && s.includes("orders_customer_fkey")),
    ).toBe(true)
    expect(planBothWays(planPostgres, schema(true), schema(true, true)).up).toEqual([
      "ALTER TABLE orders ALTER CONSTRAINT orders_customer_fkey DEFERRABLE INITIALLY IMMEDIATE",
    ])
  })
})
