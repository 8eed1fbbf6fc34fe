/**
 * `Database.brokenObjects` on every engine: views, functions and triggers that exist but fail when
 * used are found, working ones are not, and the database is left as it was (SQLite: no scratch
 * table, legacy_alter_table as it was; PostgreSQL: check_function_bodies and search_path as they
 * were). PostgreSQL runs on embedded PGlite and on the machine's server (url backend), MariaDB on
 * the machine's server; each skipped, with the reason, when it is not there. Also where the CREATE
 * of a broken object sits in the script that made it.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect } from "effect"
import type { Config } from "../../config.ts"
import { type BrokenObject, type Database, Engine } from "../../engines/engine.ts"
import { definitionLine } from "../../engines/exercise.ts"
import { layer as mysqlLayer } from "../../engines/mysql/engine.ts"
import { layer as postgresLayer } from "../../engines/postgres/engine.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import type { Statement } from "../../model.ts"
import { testConfig } from "../_config.ts"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"

setDefaultTimeout(120_000)

const hasPg = await pgAnswers(PG_TEST_URL)
if (!hasPg) console.warn(`skipped: PostgreSQL url exercise tests, no server answers at ${PG_TEST_URL}`)
const hasMariadb = /mariadb/i.test((await mysqlVersion(MARIADB_TEST_URL)) ?? "")
if (!hasMariadb) console.warn(`skipped: MariaDB exercise test, no MariaDB answers at ${MARIADB_TEST_URL}`)

/** Run `sql` (the user's own) in a fresh database, then `body` on it. */
const inFreshDatabase = <A, R>(sql: string, body: (db: Database) => Effect.Effect<A, unknown, R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const engine = yield* Engine
      const db = yield* engine.ephemeral
      yield* db.apply(yield* engine.split(sql, "test.sql"), { transaction: false, trusted: true })
      return yield* body(db)
    }),
  )

const brokenOf = (db: Database) => db.brokenObjects ?? Effect.succeed<ReadonlyArray<BrokenObject>>([])
const names = (objects: ReadonlyArray<BrokenObject>) => objects.map((o) => `${o.kind} ${o.name}`).sort()

describe("where a broken object is created", () => {
  const statements = (...sql: string[]): Statement[] =>
    sql.map((text, i) => ({ sql: text, line: i * 10 + 1, source: "schema.sql" }))

  test("the last CREATE of that kind and name, past comments before it", () => {
    const script = statements(
      "CREATE VIEW recent AS SELECT 1",
      "-- the open orders\n/* two lines\n */\nCREATE OR REPLACE VIEW recent AS SELECT 2",
      "CREATE TRIGGER recent AFTER INSERT ON t BEGIN SELECT 1; END",
      'CREATE VIEW app."Odd Name" AS SELECT 1',
      "CREATE OR REPLACE FUNCTION app.total(a int) RETURNS int LANGUAGE sql AS 'SELECT 1'",
      "CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW `by_status` AS SELECT 1",
      "create constraint trigger audit after insert on t for each row execute function f()",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1",
    )
    const at = (kind: BrokenObject["kind"], name: string) =>
      definitionLine(script, { kind, name, reason: "" })
    expect(at("view", "recent")).toBe(14)
    expect(at("trigger", "recent")).toBe(21)
    expect(at("view", "app.Odd Name")).toBe(31)
    expect(at("function", "app.total(a integer)")).toBe(41)
    expect(at("view", "by_status")).toBe(51)
    expect(at("trigger", "audit ON t")).toBe(61)
    expect(at("materialized-view", "totals")).toBe(71)
    expect(at("view", "missing")).toBeUndefined()
    expect(at("function", "recent()")).toBeUndefined()
  })
})

describe("SQLite", () => {
  const run = <A>(effect: Effect.Effect<A, unknown, Engine>) =>
    Effect.runPromise(effect.pipe(Effect.provide(sqliteLayer)))

  test("views and triggers on missing tables or columns are found; working ones are not", async () => {
    const seen = await run(
      inFreshDatabase(
        `CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
         CREATE VIEW good AS SELECT id FROM orders;
         CREATE VIEW on_missing AS SELECT * FROM orderz;
         CREATE VIEW on_missing_column AS SELECT nope FROM orders;
         CREATE VIEW on_broken_view AS SELECT * FROM on_missing;
         CREATE TRIGGER audit_missing AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES (new.id); END;
         CREATE TRIGGER fine AFTER INSERT ON orders BEGIN UPDATE orders SET total = 0 WHERE id = new.id; END;
         CREATE TRIGGER also_missing AFTER DELETE ON orders BEGIN DELETE FROM gone; END;
         PRAGMA legacy_alter_table = ON;`,
        (db) =>
          Effect.gen(function* () {
            const broken = yield* brokenOf(db)
            const schema = yield* db.snapshot
            const again = yield* brokenOf(db)
            return { broken, schema, again }
          }),
      ),
    )
    expect(names(seen.broken)).toEqual([
      "trigger also_missing",
      "trigger audit_missing",
      "view on_broken_view",
      "view on_missing",
      "view on_missing_column",
    ])
    expect(seen.broken.find((o) => o.name === "on_missing")?.reason).toBe("no such table: main.orderz")
    expect(seen.broken.find((o) => o.name === "audit_missing")?.reason).toBe("no such table: main.audit")
    // Nothing was left behind, and a second look finds the same.
    expect(seen.schema.tables.map((t) => t.name)).toEqual(["orders"])
    expect(seen.schema.objects.map((o) => o.name).sort()).toEqual(
      [
        "also_missing",
        "audit_missing",
        "fine",
        "good",
        "on_broken_view",
        "on_missing",
        "on_missing_column",
      ].sort(),
    )
    expect(seen.again).toEqual(seen.broken)
  })

  test("a schema with nothing broken yields nothing, and keeps its connection settings", async () => {
    const seen = await run(
      inFreshDatabase(
        `CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE VIEW v AS SELECT id FROM t;
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; PRAGMA legacy_alter_table = ON;`,
        (db) =>
          Effect.gen(function* () {
            const broken = yield* brokenOf(db)
            const image = db.keepAsImage ? yield* db.keepAsImage : undefined
            return { broken, image }
          }),
      ),
    )
    expect(seen.broken).toEqual([])
    // legacy_alter_table is still ON: the connection differs from a fresh one, so no image is kept.
    expect(seen.image).toBeUndefined()
  })
})

describe("SQLite, read-only connection", () => {
  test("with PRAGMA query_only on, views are still read and the trigger check is left out", async () => {
    const broken = await Effect.runPromise(
      inFreshDatabase(
        `CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE VIEW v AS SELECT * FROM nope;
         CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM gone; END; PRAGMA query_only = ON;`,
        brokenOf,
      ).pipe(Effect.provide(sqliteLayer)),
    )
    expect(names(broken)).toEqual(["view v"])
  })
})

const postgresCases = `
  CREATE TABLE orders (id int PRIMARY KEY);
  CREATE SCHEMA app;
  CREATE TABLE app.items (id int);
  CREATE VIEW open_orders AS SELECT id FROM orders;
  CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM orders WITH NO DATA;
  CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql SET search_path = app AS 'SELECT count(*) FROM items';
  CREATE FUNCTION fine() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  SET check_function_bodies = off;
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orderz';
  CREATE PROCEDURE app.typo() LANGUAGE plpgsql AS $$ BEGIN retrun; END $$;
  CREATE FUNCTION gone() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.items';
  DROP TABLE app.items CASCADE;
  CREATE TABLE app.items (id int);
  DROP TABLE app.items;`

const postgresExpectations = async (config: Config) => {
  const seen = await Effect.runPromise(
    inFreshDatabase(postgresCases, (db) =>
      Effect.gen(function* () {
        const broken = yield* brokenOf(db)
        const database = yield* db.snapshot
        return { broken, objects: database.objects.length }
      }),
    ).pipe(Effect.provide(postgresLayer(config.engine, { settings: config.engines.postgres }))),
  )
  expect(names(seen.broken)).toEqual([
    "function gone()",
    "function item_count()",
    "function order_count()",
    "procedure app.typo()",
  ])
  expect(seen.broken.find((o) => o.name === "order_count()")?.reason).toBe('relation "orderz" does not exist')
  expect(seen.broken.find((o) => o.name === "app.typo()")?.reason).toContain(
    'syntax error at or near "retrun"',
  )
}

describe("PostgreSQL", () => {
  test("embedded: broken SQL and PL/pgSQL bodies are found, the view and unpopulated matview are not", async () => {
    await postgresExpectations(testConfig("postgres-17", { postgres: { backend: "embedded" } }))
  })

  test.skipIf(!hasPg)("url (sandbox role): the same, with the session's settings put back", async () => {
    const config = testConfig("postgres-15", { postgres: { backend: "url", url: PG_TEST_URL } })
    await postgresExpectations(config)
    const settings = await Effect.runPromise(
      inFreshDatabase("SET check_function_bodies = off; SET search_path = elsewhere, public;", (db) =>
        Effect.gen(function* () {
          yield* brokenOf(db)
          // A function whose own search_path differs, so the check sets and restores it.
          yield* db.apply(
            [
              {
                sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS 'SELECT 1'",
                line: 1,
                source: "x",
              },
            ],
            { transaction: false, trusted: true },
          )
          yield* brokenOf(db)
          const engine = yield* Engine
          // Read back through a function the session's search_path finds: an unqualified CREATE.
          yield* db.apply(
            yield* engine.split(
              "CREATE TABLE settings AS SELECT current_setting('check_function_bodies') AS bodies, current_setting('search_path') AS path",
              "x",
            ),
            { transaction: false, trusted: true },
          )
          return yield* db.readRows("public.settings", ["bodies", "path"])
        }),
      ).pipe(Effect.provide(postgresLayer(config.engine, { settings: config.engines.postgres }))),
    )
    expect(settings).toEqual([JSON.stringify(["off", "elsewhere, public"])])
  })
})

describe.skipIf(!hasMariadb)("MariaDB", () => {
  test("a view whose table or column a later statement dropped is found", async () => {
    const config = testConfig("mariadb-10.11", { mariadb: { backend: "url", url: MARIADB_TEST_URL } })
    const broken = await Effect.runPromise(
      inFreshDatabase(
        `CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10));
         CREATE TABLE gone (id INT);
         CREATE VIEW by_status AS SELECT id, status FROM orders;
         CREATE VIEW on_gone AS SELECT id FROM gone;
         CREATE VIEW fine AS SELECT id FROM orders;
         ALTER TABLE orders DROP COLUMN status;
         DROP TABLE gone;`,
        brokenOf,
      ).pipe(Effect.provide(mysqlLayer(config.engine, { settings: config.engines.mariadb }))),
    )
    expect(names(broken)).toEqual(["view by_status", "view on_gone"])
    expect(broken[0]?.reason).toContain("references invalid table(s) or column(s)")
  })
})
