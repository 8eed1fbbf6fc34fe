/**
 * Foreign keys that reference no key of their parent, found in catalogs read from real databases:
 * SQLite (which stores them and then cannot enforce them: each finding here is checked against
 * SQLite's own "foreign key mismatch"), MariaDB (which accepts one on a non-unique index) and
 * PostgreSQL (which refuses them, so a key on a unique index must not be flagged). Servers that do
 * not answer are skipped with the reason.
 */
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Engine } from "../../engines/engine.ts"
import { layer as mysqlLayer } from "../../engines/mysql/engine.ts"
import { layer as postgresLayer } from "../../engines/postgres/engine.ts"
import { readSchema } from "../../engines/sqlite/catalog.ts"
import { describeForeignKey, unenforceableForeignKeys } from "../../model/foreign-keys.ts"
import type { Schema } from "../../model.ts"
import { testConfig } from "../_config.ts"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"

const hasPg = await pgAnswers(PG_TEST_URL)
if (!hasPg) console.warn(`skipped: PostgreSQL foreign key test, no server answers at ${PG_TEST_URL}`)
const hasMariadb = /mariadb/i.test((await mysqlVersion(MARIADB_TEST_URL)) ?? "")
if (!hasMariadb) console.warn(`skipped: MariaDB foreign key test, no MariaDB answers at ${MARIADB_TEST_URL}`)

const found = (schema: Schema) =>
  unenforceableForeignKeys(schema)
    .map((u) => `${describeForeignKey(u.table, u.foreignKey)}: ${u.lacks}`)
    .sort()

describe("SQLite", () => {
  const sql = `
    CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT, tag TEXT COLLATE NOCASE, a INT, b INT, note TEXT,
      UNIQUE (a, b));
    CREATE UNIQUE INDEX parent_tag ON parent (tag COLLATE NOCASE DESC);
    CREATE UNIQUE INDEX parent_note ON parent (note) WHERE note IS NOT NULL;
    CREATE TABLE keyless (a INT);
    CREATE TABLE by_code (id INTEGER PRIMARY KEY, code TEXT REFERENCES parent (code));
    CREATE TABLE by_note (id INTEGER PRIMARY KEY, note TEXT REFERENCES parent (note));
    CREATE TABLE by_missing_column (id INTEGER PRIMARY KEY, x TEXT REFERENCES parent (nope));
    CREATE TABLE by_missing_table (id INTEGER PRIMARY KEY, x INT REFERENCES nowhere (id));
    CREATE TABLE by_keyless (id INTEGER PRIMARY KEY, x INT REFERENCES keyless);
    CREATE TABLE fine (id INTEGER PRIMARY KEY, pid INT REFERENCES parent, tag TEXT REFERENCES parent (tag),
      pb INT, pa INT, self INT REFERENCES fine (id), FOREIGN KEY (pb, pa) REFERENCES parent (b, a));`

  test("a key on a non-unique, partially unique or missing column, a missing table, a keyless parent", () => {
    const db = new Database(":memory:")
    try {
      db.exec(sql)
      expect(found(readSchema(db))).toEqual([
        "by_code (code) -> parent (code): parent has no PRIMARY KEY, UNIQUE constraint or unique index on (code)",
        "by_keyless (x) -> keyless: keyless has no PRIMARY KEY for the key to reference",
        "by_missing_column (x) -> parent (nope): parent has no column nope",
        "by_missing_table (x) -> nowhere (id): table nowhere does not exist",
        "by_note (note) -> parent (note): parent has no PRIMARY KEY, UNIQUE constraint or unique index on (note) (unique index parent_note has a WHERE clause, which a foreign key cannot use)",
      ])
    } finally {
      db.close()
    }
  })

  test("each flagged key is one SQLite itself cannot enforce, and no other is", () => {
    const db = new Database(":memory:")
    try {
      db.exec(sql)
      db.exec("PRAGMA foreign_keys = ON")
      const refused = (table: string) => {
        try {
          db.run(`INSERT INTO ${table} (id) VALUES (1)`)
          return false
        } catch (error) {
          return /foreign key mismatch|no such table/.test((error as Error).message)
        }
      }
      const flagged = new Set(unenforceableForeignKeys(readSchema(db)).map((u) => u.table))
      for (const table of [
        "by_code",
        "by_note",
        "by_missing_column",
        "by_missing_table",
        "by_keyless",
        "fine",
      ])
        expect([table, refused(table)]).toEqual([table, flagged.has(table)])
    } finally {
      db.close()
    }
  })
})

const catalogOf = (sql: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const engine = yield* Engine
      const db = yield* engine.ephemeral
      yield* db.apply(yield* engine.split(sql, "schema.sql"), { transaction: false, trusted: true })
      return yield* db.snapshot
    }),
  )

describe("servers", () => {
  test.skipIf(!hasPg)(
    "PostgreSQL: keys on a primary key, a UNIQUE constraint or a unique index are keys",
    async () => {
      const config = testConfig("postgres-15", { postgres: { backend: "url", url: PG_TEST_URL } })
      const schema = await Effect.runPromise(
        catalogOf(`
        CREATE SCHEMA app;
        CREATE TABLE app.parent (id int PRIMARY KEY, code text, tag text, a int, b int, UNIQUE (a, b));
        CREATE UNIQUE INDEX parent_code ON app.parent USING btree (code) INCLUDE (tag);
        CREATE UNIQUE INDEX parent_tag ON app.parent (tag DESC NULLS LAST);
        CREATE TABLE child (id int, code text REFERENCES app.parent (code), tag text REFERENCES app.parent (tag),
          a int, b int, FOREIGN KEY (b, a) REFERENCES app.parent (b, a), pid int REFERENCES app.parent);`).pipe(
          Effect.provide(postgresLayer(config.engine, { settings: config.engines.postgres })),
        ),
      )
      expect(schema.tables.find((t) => t.name === "child")?.foreignKeys).toHaveLength(4)
      expect(found(schema)).toEqual([])
    },
  )

  test.skipIf(!hasMariadb)(
    "MariaDB: a key on a non-unique index is flagged, one on a unique index is not",
    async () => {
      const config = testConfig("mariadb-10.11", { mariadb: { backend: "url", url: MARIADB_TEST_URL } })
      const schema = await Effect.runPromise(
        catalogOf(`
        CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10), tag VARCHAR(10), KEY (code), UNIQUE KEY (tag));
        CREATE TABLE child (id INT PRIMARY KEY, code VARCHAR(10), tag VARCHAR(10), pid INT,
          FOREIGN KEY (code) REFERENCES parent (code), FOREIGN KEY (tag) REFERENCES parent (tag),
          FOREIGN KEY (pid) REFERENCES parent (id));`).pipe(
          Effect.provide(mysqlLayer(config.engine, { settings: config.engines.mariadb })),
        ),
      )
      expect(found(schema)).toEqual([
        "child (code) -> parent (code): parent has no PRIMARY KEY, UNIQUE constraint or unique index on (code)",
      ])
    },
  )
})
