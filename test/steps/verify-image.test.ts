/**
 * Verification from a copy of the replayed history (an image: `keepAsImage` in engines/engine.ts)
 * against verification by replaying the history, on every engine that keeps images (SQLite; the
 * PostgreSQL url backend on the machine's server as a superuser, as a CREATEROLE role and as a
 * CREATEDB-only role, and the local backend; each skipped, with the reason, when unavailable): the
 * same reports for candidates that pass, and the same errors for ones that fail (a statement, a
 * drift, lost rows, broken foreign keys). A copy is as isolated as a fresh database: what runs in one
 * copy never reaches the image or the next copy, model-written SQL in a PostgreSQL copy cannot touch
 * the template database or its role, and a SQLite copy gets a fresh connection's settings. The schema
 * verification reads after UP (on a database holding sample rows) is the schema a fresh replay of
 * the new history builds, on SQLite, PostgreSQL and MariaDB: what `aim generate` stores in the
 * snapshot cache for the next run.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { randomBytes } from "node:crypto"
import { Effect, Exit, ManagedRuntime } from "effect"
import postgres from "postgres"
import { type Database, type DatabaseImage, Engine } from "../../engines/engine.ts"
import { layer as mysqlLayer } from "../../engines/mysql/engine.ts"
import { layer as postgresLayer } from "../../engines/postgres/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import type { Migration, Schema } from "../../model.ts"
import type { Candidate } from "../../steps/plan.ts"
import { plan } from "../../steps/plan.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { verify } from "../../steps/verify.ts"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { throwawayPattern } from "../../engines/run-mark.ts"

setDefaultTimeout(120_000)

const PG_URL = PG_TEST_URL
const MARIADB_URL = MARIADB_TEST_URL

const hasPg = await pgAnswers(PG_URL)
if (!hasPg) console.warn(`skipped: PostgreSQL image tests, no server answers at ${PG_URL}`)

const hasMariadb = /mariadb/i.test((await mysqlVersion(MARIADB_URL)) ?? "")
if (!hasMariadb) console.warn(`skipped: MariaDB equality test, no MariaDB answers at ${MARIADB_URL}`)

const migration = (version: string, up: string, transaction = true): Migration => ({
  version,
  name: `m${version}`,
  up,
  upPath: `migrations/${version}.up.sql`,
  transaction,
})

/** The history replayed into a fresh throwaway database, in the caller's scope. */
const replayed = (history: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const db = yield* engine.ephemeral
    yield* replayHistory(engine, db, history)
    return db
  })

/** The history replayed and kept as an image, alive for the caller's scope. */
const imageOf = (history: ReadonlyArray<Migration>) =>
  Effect.gen(function* () {
    const db = yield* replayed(history)
    const image = db.keepAsImage ? yield* db.keepAsImage : undefined
    if (!image) return yield* Effect.die(new Error("the engine kept no image of the history"))
    return image
  })

/** What a fresh replay of `history` builds, read without the snapshot cache. */
const replaySchema = (history: ReadonlyArray<Migration>) =>
  Effect.scoped(replayed(history).pipe(Effect.flatMap((db) => db.snapshot)))

/** A verification's outcome, as data: the report, or the failure's tag and fields. */
const outcome = (effect: Effect.Effect<unknown, unknown, Engine>) =>
  effect.pipe(
    Effect.map((ok) => ({ ok, failed: undefined })),
    Effect.catch((error) =>
      Effect.succeed({ ok: undefined, failed: JSON.parse(JSON.stringify(error)) as { _tag: string } }),
    ),
  )

/**
 * Verify each candidate twice, once by replay and once from one shared image (each from a copy of
 * it, as generate's retries do), and return both outcomes per candidate.
 */
const bothWays = (
  history: ReadonlyArray<Migration>,
  desiredSql: string,
  candidates: (current: Schema, desired: Schema) => Effect.Effect<ReadonlyArray<Candidate>, unknown, Engine>,
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const current = yield* replaySchema(history)
      const desired = yield* snapshotSchema({ path: "schema.sql", text: desiredSql })
      const list = yield* candidates(current, desired)
      const image = yield* imageOf(history)
      const results = []
      for (const c of list) {
        const byReplay = yield* outcome(verify(c, { history, current, desired }))
        const byCopy = yield* outcome(verify(c, { history, current, desired, image }))
        results.push({ byReplay, byCopy })
      }
      return results
    }),
  )

// --- SQLite ---------------------------------------------------------------------------------------

const sqliteHistory = [
  migration(
    "1",
    `CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
     CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id) ON DELETE CASCADE, title TEXT);
     CREATE INDEX books_title ON books (title);`,
  ),
  migration("2", "CREATE VIEW titles AS SELECT title FROM books; PRAGMA user_version = 7;"),
]
const sqliteDesired = `CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL CHECK (length(name) > 0));
  CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id) ON DELETE CASCADE, title TEXT);
  CREATE INDEX books_title ON books (title);
  CREATE VIEW titles AS SELECT title FROM books;`

const runSqlite = <A, E>(effect: Effect.Effect<A, E, Engine>) =>
  Effect.runPromise(effect.pipe(Effect.provide(sqliteLayer)))

describe("SQLite: verification from a copy of the history", () => {
  test("gives the same reports and the same errors as verification by replay", async () => {
    const results = await runSqlite(
      bothWays(sqliteHistory, sqliteDesired, (current, desired) =>
        Effect.gen(function* () {
          const planned = yield* plan(current, desired, true)
          return [
            planned,
            // Fails at line 2.
            { up: "SELECT 1;\nALTER TABLE nope ADD COLUMN x INT;", notes: [] },
            // Stops short of schema.sql.
            { up: "SELECT 1;", notes: [] },
            // Trusts PRAGMA foreign_keys=OFF inside the transaction: the cascade empties books.
            {
              up: `PRAGMA foreign_keys=OFF;
CREATE TABLE authors_new (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL CHECK (length(name) > 0));
INSERT INTO authors_new SELECT * FROM authors;
DROP TABLE authors;
ALTER TABLE authors_new RENAME TO authors;`,
              notes: [],
            },
            // Manages its own transaction, so foreign keys really are off: an orphan row gets in.
            {
              up: `PRAGMA foreign_keys=OFF;\nBEGIN;\nINSERT INTO books (id, author_id, title) VALUES (424242, 99999, 'orphan');\nCOMMIT;`,
              notes: [],
            },
            // A DOWN that does not restore the schema before UP.
            { ...planned, down: "DROP VIEW titles;" },
          ] satisfies ReadonlyArray<Candidate>
        }),
      ),
    )
    const tags = results.map((r) => r.byCopy.failed?._tag ?? "ok")
    expect(tags).toEqual([
      "ok",
      "MigrationFailed",
      "SchemaDrift",
      "RowsChanged",
      "ForeignKeysBroken",
      "SchemaDrift",
    ])
    for (const { byReplay, byCopy } of results) expect(byCopy).toEqual(byReplay)
  })

  test("a copy is isolated from the image and from other copies, and refuses ATTACH", async () => {
    const result = await runSqlite(
      Effect.scoped(
        Effect.gen(function* () {
          const image = yield* imageOf(sqliteHistory)
          const before = yield* Effect.scoped(image.clone.pipe(Effect.flatMap((db) => db.snapshot)))
          const attach = yield* Effect.scoped(
            Effect.gen(function* () {
              const engine = yield* Engine
              const first = yield* image.clone
              yield* first.apply(yield* engine.split("DROP VIEW titles; DROP TABLE books;", "x.sql"), {
                transaction: true,
                trusted: false,
              })
              return yield* first
                .apply(yield* engine.split("ATTACH DATABASE ':memory:' AS other;", "y.sql"), {
                  transaction: true,
                  trusted: false,
                })
                .pipe(Effect.flip)
            }),
          )
          const after = yield* Effect.scoped(image.clone.pipe(Effect.flatMap((db) => db.snapshot)))
          return { before, after, attach }
        }),
      ),
    )
    expect(result.before.tables.map((t) => t.name).sort()).toEqual(["authors", "books"])
    expect(result.after).toEqual(result.before)
    expect(result.attach._tag).toBe("StatementFailed")
  })

  test("a copy gets a fresh connection's settings: foreign keys on, nothing else changed", async () => {
    const pragmas = [
      "foreign_keys",
      "defer_foreign_keys",
      "recursive_triggers",
      "legacy_alter_table",
      "ignore_check_constraints",
      "query_only",
      "trusted_schema",
      "user_version",
    ]
    const probe = `CREATE TABLE settings AS SELECT ${pragmas.map((p) => `(SELECT * FROM pragma_${p}) AS ${p}`).join(", ")};`
    const read = (db: Database) =>
      Effect.gen(function* () {
        const engine = yield* Engine
        yield* db.apply(yield* engine.split(probe, "probe.sql"), { transaction: true, trusted: true })
        return yield* db.readRows("settings", pragmas)
      })
    const [fresh, copy] = await runSqlite(
      Effect.scoped(
        Effect.gen(function* () {
          const fresh = yield* read(yield* replayed(sqliteHistory))
          const image = yield* imageOf(sqliteHistory)
          const copy = yield* read(yield* image.clone)
          return [fresh, copy] as const
        }),
      ),
    )
    expect(copy).toEqual(fresh)
    // foreign_keys on; user_version (part of the database file) copied.
    expect(fresh).toEqual(["(1, 0, 0, 0, 0, 0, 1, 7)"])
  })

  test("a connection holding TEMP objects or changed settings is not kept: verification replays", async () => {
    const kept = await runSqlite(
      Effect.scoped(
        Effect.forEach(
          [
            migration(
              "3",
              "CREATE TEMP TRIGGER keep_titles BEFORE DELETE ON books BEGIN SELECT 1; END;",
              false,
            ),
            migration("3", "PRAGMA recursive_triggers = ON;", false),
            migration("3", "PRAGMA foreign_keys = OFF;", false),
            migration("3", "PRAGMA case_sensitive_like = ON;", false),
            migration("3", "BEGIN;", false),
          ],
          (extra) =>
            Effect.gen(function* () {
              const db = yield* replayed([...sqliteHistory, extra])
              return db.keepAsImage ? yield* db.keepAsImage : undefined
            }),
        ),
      ),
    )
    expect(kept).toEqual([undefined, undefined, undefined, undefined, undefined])
  })
})

// --- The schema read after UP is the new history's ------------------------------------------------

/**
 * Verify the planner's candidate (from a copy where the engine keeps images), then replay the history
 * plus that UP into a fresh database: the schema verification read after UP, with sample rows in
 * every table, must be the one the replay builds, field for field.
 */
const afterUpMatchesReplay = (history: ReadonlyArray<Migration>, desiredSql: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const engine = yield* Engine
      const current = yield* replaySchema(history)
      const desired = yield* snapshotSchema({ path: "schema.sql", text: desiredSql })
      const candidate = yield* plan(current, desired, true)
      const db = yield* replayed(history)
      const image: DatabaseImage | undefined = db.keepAsImage ? yield* db.keepAsImage : undefined
      const report = yield* verify(candidate, { history, current, desired, image })
      const fresh = yield* replaySchema([...history, migration("99", candidate.up)])
      return { engine, report, fresh, copied: image !== undefined }
    }),
  )

describe("the schema read after UP equals a fresh replay of the new history", () => {
  test("SQLite (AUTOINCREMENT counters moved by sample rows)", async () => {
    const { report, fresh, copied } = await runSqlite(afterUpMatchesReplay(sqliteHistory, sqliteDesired))
    expect(copied).toBe(true)
    expect(report.seed.seeded.length).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(report.afterUp))).toEqual(JSON.parse(JSON.stringify(fresh)))
  })

  test.skipIf(!hasMariadb)("MariaDB url (AUTO_INCREMENT counters moved by sample rows)", async () => {
    delete process.env.AIM_MARIADB_URL
    const runtime = ManagedRuntime.make(
      mysqlLayer("mariadb-10.11", {
        settings: { backend: "url", url: MARIADB_URL },
        source: "/tmp/aim.toml",
      }),
    )
    try {
      const { engine, report, fresh, copied } = await runtime.runPromise(
        afterUpMatchesReplay(
          [
            migration(
              "1",
              `CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL);
               CREATE TABLE books (id BIGINT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(100),
                 KEY idx_title (title), CONSTRAINT fk_author FOREIGN KEY (author_id) REFERENCES authors (id));
               CREATE SEQUENCE ticket_seq START WITH 10 INCREMENT BY 5;`,
            ),
          ],
          `CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, bio TEXT);
           CREATE TABLE books (id BIGINT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(100),
             KEY idx_title (title), CONSTRAINT fk_author FOREIGN KEY (author_id) REFERENCES authors (id));
           CREATE SEQUENCE ticket_seq START WITH 10 INCREMENT BY 5;`,
        ),
      )
      // MariaDB has no cheap copy: verification replays there, and must still read the new history's schema.
      expect(engine.id).toBe("mariadb-10.11")
      expect(copied).toBe(false)
      expect(report.seed.seeded.length).toBeGreaterThan(0)
      expect(JSON.parse(JSON.stringify(report.afterUp))).toEqual(JSON.parse(JSON.stringify(fresh)))
    } finally {
      await runtime.dispose()
    }
  })
})

// --- PostgreSQL -----------------------------------------------------------------------------------

/**
 * Whom aim connects as decides how throwaway databases are made (engines/postgres/backends/throwaway.ts):
 * a superuser and a role that may create roles give each database a sandbox role of its own; a role
 * that may only create databases runs everything as itself (no sandbox, as the engine says).
 */
const hasInitdb = Bun.which("initdb") !== null
if (!hasInitdb) console.warn("skipped: PostgreSQL local backend image tests, no initdb on PATH")

const pgModes = [
  { name: "url as a superuser", attributes: undefined, sandboxed: true, skip: !hasPg },
  {
    name: "url as a CREATEROLE role",
    attributes: "LOGIN CREATEDB CREATEROLE",
    sandboxed: true,
    skip: !hasPg,
  },
  {
    name: "url as a CREATEDB-only role (no sandbox)",
    attributes: "LOGIN CREATEDB",
    sandboxed: false,
    skip: !hasPg,
  },
  // A private cluster of aim's own: the same throwaway databases, on a server the test cannot inspect.
  { name: "local", attributes: undefined, sandboxed: false, skip: !hasInitdb, local: true },
] as const

for (const mode of pgModes)
  describe.skipIf(mode.skip)(`PostgreSQL ${mode.name}: verification from a copy of the history`, () => {
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
    const roleName = `aimtest_${randomBytes(6).toString("hex")}`
    const url = new URL(PG_URL)
    if (mode.attributes) url.username = roleName
    const adminUser = decodeURIComponent(url.username) || "postgres"
    const runtime = ManagedRuntime.make(
      postgresLayer("postgres-15", {
        settings: "local" in mode ? { backend: "local" } : { backend: "url", url: url.toString() },
        source: "/tmp/aim.toml",
      }),
    )
    beforeAll(async () => {
      if (mode.attributes && hasPg) await admin.unsafe(`CREATE ROLE ${roleName} ${mode.attributes}`)
    })
    afterAll(async () => {
      await runtime.dispose()
      if (mode.attributes && hasPg) await admin.unsafe(`DROP ROLE IF EXISTS ${roleName}`)
      await admin.end({ timeout: 5 })
    })

    // Sequences, identity columns, an enum, a schema, a function and its trigger, a view, comments:
    // sample rows move the sequences, and the copy's objects change owner.
    const history = [
      migration(
        "1",
        `CREATE TYPE mood AS ENUM ('happy', 'sad');
       CREATE SCHEMA archive;
       CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL, mood mood);
       CREATE TABLE books (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         author_id int NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title text, stamp timestamptz);
       CREATE INDEX books_title ON books (title);
       CREATE TABLE archive.old_books (id int PRIMARY KEY, title text);
       CREATE SEQUENCE tickets START 100 INCREMENT 7;
       COMMENT ON TABLE books IS 'books we keep';`,
      ),
      migration(
        "2",
        `CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.stamp := now(); RETURN NEW; END $$;
       CREATE TRIGGER books_stamp BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION stamp();
       CREATE VIEW titles AS SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;`,
      ),
    ]
    const desired = `CREATE TYPE mood AS ENUM ('happy', 'sad');
    CREATE SCHEMA archive;
    CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL CHECK (name <> ''), mood mood, bio text);
    CREATE TABLE books (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      author_id int NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title text, stamp timestamptz);
    CREATE INDEX books_title ON books (title);
    CREATE TABLE archive.old_books (id int PRIMARY KEY, title text);
    CREATE SEQUENCE tickets START 100 INCREMENT 7;
    COMMENT ON TABLE books IS 'books we keep';
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.stamp := now(); RETURN NEW; END $$;
    CREATE TRIGGER books_stamp BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION stamp();
    CREATE VIEW titles AS SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;`

    test("gives the same reports and the same errors as verification by replay", async () => {
      const results = await runtime.runPromise(
        bothWays(history, desired, (current, target) =>
          Effect.gen(function* () {
            const planned = yield* plan(current, target, true)
            return [
              planned,
              { ...planned, trusted: false },
              { up: "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;", notes: [] },
              { up: "SELECT 1;", notes: [] },
              { ...planned, up: `DELETE FROM books;\n${planned.up}` },
            ] satisfies ReadonlyArray<Candidate>
          }),
        ),
      )
      const tags = results.map((r) => r.byCopy.failed?._tag ?? "ok")
      expect(tags).toEqual(["ok", "ok", "MigrationFailed", "SchemaDrift", "RowsChanged"])
      for (const { byReplay, byCopy } of results) expect(byCopy).toEqual(byReplay)
    })

    test("the schema read after UP equals a fresh replay of the new history (sequences moved by sample rows)", async () => {
      const { report, fresh, copied } = await runtime.runPromise(afterUpMatchesReplay(history, desired))
      expect(copied).toBe(true)
      expect(report.seed.seeded.length).toBeGreaterThan(0)
      expect(JSON.parse(JSON.stringify(report.afterUp))).toEqual(JSON.parse(JSON.stringify(fresh)))
    })

    // Only where a sandbox role exists and the test can see the server: a CREATEDB-only role runs
    // everything as itself (the engine says so), and a local cluster is private to the run.
    if (mode.sandboxed)
      test("model-written SQL in a copy cannot reach the template, its role, or the next copy", async () => {
        const result = await runtime.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const engine = yield* Engine
              // The template names itself in a table, so the hostile SQL below knows what to aim at.
              const image = yield* imageOf([
                ...history,
                migration("3", "CREATE TABLE whoami AS SELECT current_database()::text AS name;"),
              ])
              const first = yield* image.clone
              const nameOf = (db: typeof first) =>
                Effect.gen(function* () {
                  yield* db.apply(
                    yield* engine.split("CREATE TABLE me AS SELECT current_database()::text AS name;", "UP"),
                    {
                      transaction: true,
                      trusted: false,
                    },
                  )
                  const [me] = yield* db.readRows("me", ["name"])
                  return (JSON.parse(me ?? "[]") as string[])[0] ?? ""
                })
              const copy = yield* nameOf(first)
              const [row] = yield* first.readRows("whoami", ["name"])
              const template = (JSON.parse(row ?? "[]") as string[])[0] ?? ""
              const attempts = [
                `ALTER DATABASE "${template}" ALLOW_CONNECTIONS true`,
                `ALTER DATABASE "${template}" OWNER TO CURRENT_USER`,
                `ALTER DATABASE "${template}" RENAME TO gone`,
                `ALTER DATABASE "${template}" CONNECTION LIMIT 5`,
                `COMMENT ON DATABASE "${template}" IS 'was here'`,
                `ALTER ROLE "${template}" LOGIN PASSWORD 'x'`,
                `GRANT "${template}" TO CURRENT_USER`,
                `DROP DATABASE "${template}"`,
                `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I ALLOW_CONNECTIONS true', '${template}'); END $$`,
              ]
              const refused = []
              for (const sql of attempts) {
                const statements = yield* engine.split(`${sql};`, "UP")
                const exit = yield* Effect.exit(
                  first.apply(statements, { transaction: true, trusted: false }),
                )
                refused.push(Exit.isFailure(exit))
              }
              // What the copy may do to its own database: everything, and it owns every object in it.
              yield* first.apply(
                yield* engine.split(
                  `CREATE TABLE owners AS SELECT c.relname::text AS name, pg_get_userbyid(c.relowner) = current_user AS mine
                 FROM pg_class c WHERE c.relnamespace IN ('public'::regnamespace, 'archive'::regnamespace);
               DROP VIEW titles; DROP TABLE books; DROP SCHEMA archive CASCADE;`,
                  "UP",
                ),
                { transaction: true, trusted: false },
              )
              const owners = yield* first.readRows("owners", ["name", "mine"])
              const [info] = yield* Effect.promise(
                () => admin<{ allowconn: boolean; owner: string; canlogin: boolean }[]>`
              SELECT d.datallowconn AS allowconn, pg_get_userbyid(d.datdba) AS owner,
                     (SELECT rolcanlogin FROM pg_roles WHERE rolname = d.datname) AS canlogin
                FROM pg_database d WHERE d.datname = ${template}`,
              )
              // GRANT by a role without the grant option only warns ("no privileges were granted").
              yield* first.apply(
                yield* engine.split(`GRANT ALL ON DATABASE "${template}" TO PUBLIC;`, "UP"),
                {
                  transaction: true,
                  trusted: false,
                },
              )
              const [acl] = yield* Effect.promise(
                () =>
                  admin<
                    { acl: string | null }[]
                  >`SELECT datacl::text AS acl FROM pg_database WHERE datname = ${template}`,
              )
              // The shared server may be full for a moment (53300: too many clients, when several
              // suites run at once): that says nothing about the template, so ask again.
              const direct = yield* Effect.promise(async () => {
                for (let attempt = 0; ; attempt++) {
                  const sql = postgres(PG_URL, { max: 1, database: template, onnotice: () => {} })
                  try {
                    await sql`SELECT 1`
                    return "connected"
                  } catch (error) {
                    const code = String((error as { code?: unknown }).code)
                    if (code !== "53300" || attempt >= 50) return code
                  } finally {
                    await sql.end({ timeout: 1 })
                  }
                  await Bun.sleep(200)
                }
              })
              const next = yield* Effect.scoped(image.clone.pipe(Effect.flatMap((db) => db.snapshot)))
              const expected = yield* replaySchema([
                ...history,
                migration("3", "CREATE TABLE whoami AS SELECT current_database()::text AS name;"),
              ])
              return { template, copy, refused, owners, info, acl, direct, next, expected }
            }),
          ),
        )
        expect(result.template).toMatch(throwawayPattern)
        expect(result.copy).toMatch(throwawayPattern)
        expect(result.copy).not.toBe(result.template)
        expect(result.refused).toEqual(result.refused.map(() => true))
        expect(result.owners.length).toBeGreaterThan(5)
        for (const row of result.owners) expect(JSON.parse(row)[1]).toBe("true")
        // The template: the admin's, closed to every connection (55000: not accepting connections), its role without login.
        expect(result.info).toEqual({ allowconn: false, owner: adminUser, canlogin: false })
        expect(result.direct).toBe("55000")
        // Nothing granted beyond the defaults (PUBLIC may connect and create temporary tables, in principle).
        expect([
          null,
          `{=Tc/${result.info?.owner},${result.info?.owner}=CTc/${result.info?.owner}}`,
        ]).toContain(result.acl?.acl ?? null)
        expect(result.next).toEqual(result.expected)
        // The template, the copy and their roles are gone with the scope (the template's drop runs in
        // the background, so give it a moment).
        const names = [result.template, result.copy]
        const left = async () =>
          (
            await admin`SELECT datname AS name FROM pg_database WHERE datname IN ${admin(names)}
          UNION ALL SELECT rolname FROM pg_roles WHERE rolname IN ${admin(names)}`
          ).length
        for (let i = 0; i < 300 && (await left()) > 0; i++) await Bun.sleep(100)
        expect(await left()).toBe(0)
      })
  })
