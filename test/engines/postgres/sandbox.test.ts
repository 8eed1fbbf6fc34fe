/**
 * The sandbox role on server backends (engines/postgres/backends/throwaway.ts): each throwaway
 * database is owned by its own `aim_<random>` role that may only log in, so model-written SQL run
 * there cannot drop other databases nor run programs, while the user's own history may still create
 * extensions only a superuser may (database.ts routes them to an admin session). Runs against the
 * machine's server (a superuser URL, as a developer's usually is), the local initdb backend, and a
 * private server whose pg_hba.conf admits only postgres; each is skipped, with the reason, when
 * missing. After every test, no role or database named after a run's suffix remains.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Exit, Fiber } from "effect"
import postgres from "postgres"
import type { Database } from "../../../engines/engine.ts"
import type { PgBackend } from "../../../engines/postgres/backends/backend.ts"
import { localBackend } from "../../../engines/postgres/backends/local.ts"
import { findLocalInstalls } from "../../../engines/postgres/backends/local-install.ts"
import { urlBackend } from "../../../engines/postgres/backends/url.ts"
import {
  endsOrStartsTransaction,
  mayNeedPrivilege,
  runsProgram,
  sessionDatabase,
} from "../../../engines/postgres/database.ts"
import type { PgSession } from "../../../engines/postgres/session.ts"
import { splitStatements } from "../../../engines/postgres/split.ts"
import type { Statement } from "../../../model.ts"
import { startPrivatePostgres } from "../../bad-input/_harness.ts"
import { throwawayPattern } from "../../../engines/run-mark.ts"

setDefaultTimeout(60_000)

const serverUrl = process.env.AIM_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const engine = "postgres-15"

const admin = postgres(serverUrl, { max: 2, connect_timeout: 3, onnotice: () => {} })
const hasServer = await admin`SELECT 1`.then(
  () => true,
  () => false,
)
const installs = findLocalInstalls()
const isRoot = process.getuid?.() === 0
if (!hasServer)
  console.warn("skipped: sandbox tests on the url backend, no PostgreSQL answers at 127.0.0.1:5432")
if (installs.length === 0)
  console.warn("skipped: sandbox tests on the local backend, initdb/pg_ctl not found")
if (!isRoot || installs.length === 0)
  console.warn(
    "skipped: pg_hba.conf fallback test, it needs root (runuser) and initdb to start a private server",
  )

afterAll(() => admin.end({ timeout: 5 }))

const one = async <T>(session: PgSession, sql: string): Promise<T> => (await session.query<T>(sql))[0] as T
const script = (sql: string, source = "0002_test.up.sql"): Statement[] => splitStatements(sql, source)
const statement = (sql: string): Statement => ({ sql, line: 1, source: "t.sql" })

/** Roles and databases named `name` that still exist on the shared server. */
async function leftOn(sql: postgres.Sql, names: ReadonlyArray<string>) {
  const roles = await sql<
    { n: string }[]
  >`SELECT rolname AS n FROM pg_roles WHERE rolname = ANY(${[...names]})`
  const dbs = await sql<
    { n: string }[]
  >`SELECT datname AS n FROM pg_database WHERE datname = ANY(${[...names]})`
  return [...roles, ...dbs].map((r) => r.n)
}

/**
 * aim_ roles that were not there before, own no database, and still own none a second later: a
 * leaked sandbox or probe role. Others' runs on the shared server make and drop aim_ roles all the
 * time, but each owns its database for all but a moment of its life.
 */
async function newAimRoles(before: ReadonlySet<string>): Promise<string[]> {
  const ownerless = async () =>
    (
      await admin<{ n: string }[]>`
        SELECT rolname AS n FROM pg_roles r
         WHERE rolname ~ '^aim_[0-9a-f]{8}_[0-9]+_[0-9a-f]{8}$' AND NOT EXISTS (SELECT FROM pg_database d WHERE d.datdba = r.oid)`
    )
      .map((r) => r.n)
      .filter((n) => !before.has(n))
  const first = await ownerless()
  if (first.length === 0) return []
  await Bun.sleep(1000)
  const second = new Set(await ownerless())
  return first.filter((n) => second.has(n))
}
const aimRoles = async () =>
  new Set(
    (
      await admin<
        { n: string }[]
      >`SELECT rolname AS n FROM pg_roles WHERE rolname ~ '^aim_[0-9a-f]{8}_[0-9]+_[0-9a-f]{8}$'`
    ).map((r) => r.n),
  )

/** Who the session is, and who owns its database. */
const whoAmI = (session: PgSession) =>
  one<{ user: string; database: string; owner: string; superuser: boolean }>(
    session,
    `SELECT current_user AS user, current_database() AS database, r.rolsuper AS superuser,
            pg_get_userbyid(d.datdba) AS owner
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
  )

/** A failure of `promise`'s SQL, as its SQLSTATE and message. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ code: "none", message: "succeeded" }),
    (error: { code?: string; message?: string }) => ({
      code: error.code ?? "",
      message: error.message ?? "",
    }),
  )

const apply = (db: Database, sql: string, trusted: boolean) =>
  db
    .apply(script(sql), { transaction: true, trusted })
    .pipe(Effect.match({ onFailure: (error) => error, onSuccess: () => undefined }))

describe("statement classes", () => {
  test("transaction control, COPY PROGRAM and privileged statements are told apart by tokens", () => {
    for (const sql of ["BEGIN", "begin work", "START TRANSACTION", "COMMIT", "END", "ABORT", "ROLLBACK"])
      expect(endsOrStartsTransaction(statement(sql))).toBe(true)
    for (const sql of ["PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'"])
      expect(endsOrStartsTransaction(statement(sql))).toBe(true)
    for (const sql of [
      "SAVEPOINT a",
      "RELEASE SAVEPOINT a",
      "ROLLBACK TO SAVEPOINT a",
      "ROLLBACK TO a",
      "rollback work to a",
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
      "CREATE TABLE commit_log (id int)",
    ])
      expect(endsOrStartsTransaction(statement(sql))).toBe(false)
    // A comment before the keyword hides nothing: the lexer drops it.
    expect(endsOrStartsTransaction(script("/* hi */ COMMIT;")[0] as Statement)).toBe(true)

    expect(runsProgram(statement("COPY (SELECT 1) TO PROGRAM 'rm -rf /'"))).toBe(true)
    expect(runsProgram(statement("copy t from program 'cat /etc/passwd'"))).toBe(true)
    expect(runsProgram(statement("COPY t (program) TO STDOUT"))).toBe(false)

    for (const sql of [
      "CREATE EXTENSION postgis",
      "create extension if not exists bloom schema ext",
      "ALTER EXTENSION bloom UPDATE",
      "DROP EXTENSION bloom",
      "COMMENT ON EXTENSION bloom IS 'x'",
      "CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE plfoo",
      "CREATE EVENT TRIGGER t ON ddl_command_start EXECUTE FUNCTION f()",
    ])
      expect(mayNeedPrivilege(statement(sql))).toBe(true)
    for (const sql of [
      "CREATE ROLE x",
      "CREATE DATABASE x",
      "CREATE TABLE extension (id int)",
      "DROP TRIGGER t ON x",
    ])
      expect(mayNeedPrivilege(statement(sql))).toBe(false)
  })
})

describe("url backend with a superuser URL", () => {
  test.skipIf(!hasServer)(
    "the session is a sandbox role that owns its database and reaches nothing else",
    async () => {
      const sentinel = `sentinel_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
      const names: string[] = []
      await admin.unsafe(`CREATE DATABASE ${sentinel}`)
      try {
        const rolesBefore = await aimRoles()
        const backend = await Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const backend = yield* urlBackend(engine, serverUrl)
              const session = yield* backend.ephemeral
              const me = yield* Effect.promise(() => whoAmI(session))
              names.push(me.database)
              expect(me.superuser).toBe(false)
              expect(me.user).toBe(me.database)
              expect(me.user).toMatch(throwawayPattern)
              expect(me.owner).toBe(me.user)
              const flags = yield* Effect.promise(() =>
                one<Record<string, boolean>>(
                  session,
                  "SELECT rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user",
                ),
              )
              expect(Object.values(flags)).toEqual([false, false, false, false])

              // Directly on the session, as any SQL a model writes would run.
              const dropped = yield* Effect.promise(() => failure(session.exec(`DROP DATABASE ${sentinel}`)))
              expect(dropped.code).toBe("42501")
              const program = yield* Effect.promise(() =>
                failure(session.exec("COPY (SELECT 1) TO PROGRAM 'touch /tmp/aim-sandbox-was-here'")),
              )
              expect(program.code).toBe("42501")
              const file = yield* Effect.promise(() =>
                failure(session.exec("COPY (SELECT 1) TO '/tmp/aim-sandbox-was-here'")),
              )
              expect(file.code).toBe("42501")
              const role = yield* Effect.promise(() =>
                failure(session.exec("CREATE ROLE aim_sandbox_escape")),
              )
              expect(role.code).toBe("42501")

              // Through Database.apply as verification runs a candidate: refused or failing, by line.
              const db = sessionDatabase(engine, session)
              const commit = yield* apply(
                db,
                `CREATE TABLE a (id int);\nCOMMIT;\nDROP DATABASE ${sentinel};`,
                false,
              )
              expect(commit).toMatchObject({ _tag: "StatementFailed", line: 2 })
              const copy = yield* apply(
                db,
                "CREATE TABLE b (id int);\nCOPY (SELECT 1) TO PROGRAM 'true';",
                false,
              )
              expect(copy).toMatchObject({ _tag: "StatementFailed", line: 2 })
              // A savepoint stays inside aim's transaction, so it is fine.
              const savepoint = yield* apply(
                db,
                "SAVEPOINT s;\nCREATE TABLE c (id int);\nROLLBACK TO SAVEPOINT s;\nCREATE TABLE d (id int);",
                false,
              )
              expect(savepoint).toBeUndefined()
              return backend as PgBackend
            }),
          ),
        )
        // Sandbox roles work here, so the description has nothing to confess.
        expect(backend.detail).not.toContain("model-written SQL")
        expect(await admin`SELECT 1 FROM pg_database WHERE datname = ${sentinel}`).toHaveLength(1)
        expect(await Bun.file("/tmp/aim-sandbox-was-here").exists()).toBe(false)
        expect(await leftOn(admin, names)).toEqual([])
        expect(await newAimRoles(rolesBefore)).toEqual([])
      } finally {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${sentinel} WITH (FORCE)`)
      }
    },
  )

  test.skipIf(!hasServer)(
    "the user's history may create an untrusted extension, a candidate may not",
    async () => {
      const names: string[] = []
      const owners = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* urlBackend(engine, serverUrl)
            const session = yield* backend.ephemeral
            names.push((yield* Effect.promise(() => whoAmI(session))).database)
            const db = sessionDatabase(engine, session)
            // History: bloom is not a trusted extension; the schema it goes into is created just before,
            // in the same transaction, and the table after it uses its access method.
            const history = yield* apply(
              db,
              `CREATE SCHEMA ext;
               CREATE EXTENSION bloom SCHEMA ext;
               CREATE EXTENSION pg_trgm;
               CREATE TABLE t (a int, s text);
               CREATE INDEX t_bloom ON t USING bloom (a);`,
              true,
            )
            expect(history).toBeUndefined()
            // The table is the sandbox's, so a candidate may still alter it.
            expect(yield* apply(db, "ALTER TABLE t ADD COLUMN b int;", false)).toBeUndefined()
            const candidate = yield* apply(db, "CREATE TABLE u (id int);\nCREATE EXTENSION dblink;", false)
            expect(candidate).toMatchObject({ _tag: "StatementFailed", line: 2 })
            // The same trusted statement failing for another reason is still named by its line.
            const missing = yield* apply(db, "CREATE TABLE v (id int);\nCREATE EXTENSION no_such_ext;", true)
            expect(missing).toMatchObject({ _tag: "StatementFailed", line: 2 })
            return yield* Effect.promise(() =>
              session.query<{ extname: string; owner: string; tables: string }>(
                `SELECT e.extname, pg_get_userbyid(e.extowner) = current_user AS mine,
                        (SELECT count(*) FROM pg_class WHERE relname IN ('u', 'v')) AS tables
                   FROM pg_extension e WHERE e.extname IN ('bloom', 'pg_trgm', 'dblink') ORDER BY 1`,
              ),
            )
          }),
        ),
      )
      // pg_trgm is trusted, so the sandbox itself installed it; bloom needed the admin.
      expect(owners).toEqual([
        { extname: "bloom", mine: false, tables: "0" },
        { extname: "pg_trgm", mine: true, tables: "0" },
      ] as never)
      expect(await leftOn(admin, names)).toEqual([])
    },
  )

  test.skipIf(!hasServer)("the role and database are dropped after failure and interruption", async () => {
    const names: string[] = []
    const rolesBefore = await aimRoles()
    class Boom {
      readonly _tag = "Boom"
    }
    const failed = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const session = yield* backend.ephemeral
          names.push((yield* Effect.promise(() => whoAmI(session))).database)
          return yield* Effect.fail(new Boom())
        }),
      ),
    )
    expect(Exit.isFailure(failed)).toBe(true)
    expect(await leftOn(admin, names)).toEqual([])

    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const ready = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(
            Effect.scoped(
              Effect.gen(function* () {
                const session = yield* backend.ephemeral
                names.push((yield* Effect.promise(() => whoAmI(session))).database)
                // The admin session to this database is open too when interrupted.
                yield* Effect.promise(() => session.privileged?.query("SELECT 1") ?? Promise.resolve([]))
                yield* Deferred.succeed(ready, undefined)
                return yield* Effect.never
              }),
            ),
          )
          yield* Deferred.await(ready)
          expect(yield* Effect.promise(() => leftOn(admin, names.slice(1)))).toHaveLength(2)
          yield* Fiber.interrupt(fiber)
          expect(yield* Effect.promise(() => leftOn(admin, names))).toEqual([])
        }),
      ),
    )
    expect(names).toHaveLength(2)
    expect(await leftOn(admin, names)).toEqual([])
    expect(await newAimRoles(rolesBefore)).toEqual([])
  })
})

describe("url backend with a less privileged URL", () => {
  /** A login role for one test, dropped (with what it owns) at the end. */
  async function withRole(options: string, body: (url: string, name: string) => Promise<void>) {
    const name = `aimtest_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
    await admin.unsafe(`CREATE ROLE ${name} LOGIN ${options}`)
    const url = new URL(serverUrl)
    url.username = name
    try {
      await body(url.toString(), name)
    } finally {
      const owned = await admin<{ datname: string }[]>`
        SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = ${name}`
      for (const { datname } of owned) await admin.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
      await admin.unsafe(`DROP ROLE IF EXISTS ${name}`)
    }
  }

  test.skipIf(!hasServer)("a role that may not create roles is used as is, and the description says so", () =>
    withRole("CREATEDB", async (url, name) => {
      const { detail, me } = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* urlBackend(engine, url)
            const session = yield* backend.ephemeral
            return { detail: backend.detail, me: yield* Effect.promise(() => whoAmI(session)) }
          }),
        ),
      )
      expect(me.user).toBe(name)
      expect(detail).toContain(
        "model-written SQL runs with the url's own privileges: its role may not create roles",
      )
      expect(await leftOn(admin, [me.database])).toEqual([])
    }),
  )

  test.skipIf(!hasServer)("a CREATEROLE role gets sandboxes too", () =>
    withRole("CREATEDB CREATEROLE", async (url) => {
      const rolesBefore = await aimRoles()
      const { detail, me } = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* urlBackend(engine, url)
            const session = yield* backend.ephemeral
            return { detail: backend.detail, me: yield* Effect.promise(() => whoAmI(session)) }
          }),
        ),
      )
      expect(detail).not.toContain("model-written SQL")
      expect(me.user).toBe(me.database)
      expect(me.owner).toBe(me.user)
      expect(await leftOn(admin, [me.database])).toEqual([])
      expect(await newAimRoles(rolesBefore)).toEqual([])
    }),
  )
})

describe("local backend", () => {
  test.skipIf(installs.length === 0)(
    "its superuser cluster runs model-written SQL as a sandbox role too",
    async () => {
      const result = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* localBackend(engine, 15, installs)
            const session = yield* backend.ephemeral
            const me = yield* Effect.promise(() => whoAmI(session))
            const dropped = yield* Effect.promise(() => failure(session.exec("DROP DATABASE postgres")))
            const program = yield* Effect.promise(() =>
              failure(session.exec("COPY (SELECT 1) TO PROGRAM 'touch /tmp/aim-sandbox-was-here'")),
            )
            const db = sessionDatabase(engine, session)
            const history = yield* apply(db, "CREATE EXTENSION bloom;\nCREATE TABLE t (a int);", true)
            const candidate = yield* apply(db, "CREATE EXTENSION dblink;", false)
            // Nothing of this ephemeral may remain once its scope closes, before the server stops.
            yield* Effect.scoped(
              Effect.gen(function* () {
                const other = yield* backend.ephemeral
                const name = (yield* Effect.promise(() => whoAmI(other))).database
                return name
              }),
            ).pipe(
              Effect.flatMap((name) =>
                Effect.promise(() =>
                  session.query<{ n: string }>(
                    `SELECT rolname AS n FROM pg_roles WHERE rolname = '${name}'
                     UNION ALL SELECT datname FROM pg_database WHERE datname = '${name}'`,
                  ),
                ),
              ),
              Effect.tap((left) => Effect.sync(() => expect(left).toEqual([]))),
            )
            return { detail: backend.detail, me, dropped, program, history, candidate }
          }),
        ),
      )
      expect(result.me.superuser).toBe(false)
      expect(result.me.user).toBe(result.me.database)
      expect(result.me.owner).toBe(result.me.user)
      expect(result.detail).not.toContain("model-written SQL")
      expect(result.dropped.code).toBe("42501")
      expect(result.program.code).toBe("42501")
      expect(result.history).toBeUndefined()
      expect(result.candidate).toMatchObject({ _tag: "StatementFailed" })
      expect(await Bun.file("/tmp/aim-sandbox-was-here").exists()).toBe(false)
    },
    120_000,
  )
})

describe("a server whose pg_hba.conf admits only postgres", () => {
  test.skipIf(!isRoot || installs.length === 0)(
    "falls back to the URL's user and says so in the description",
    async () => {
      const folder = mkdtempSync(join(tmpdir(), "aim-sandbox-hba-"))
      // initdb runs as user postgres, which must reach the folder inside.
      chmodSync(folder, 0o755)
      const server = startPrivatePostgres(join(folder, "pg"))
      try {
        writeFileSync(
          join(server.folder, "data", "pg_hba.conf"),
          "local all postgres trust\nhost all postgres 127.0.0.1/32 trust\n",
        )
        const reload = postgres(server.url, { max: 1, onnotice: () => {} })
        await reload`SELECT pg_reload_conf()`
        await reload.end({ timeout: 5 })
        const { detail, me } = await Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const backend = yield* urlBackend(engine, server.url)
              const session = yield* backend.ephemeral
              return { detail: backend.detail, me: yield* Effect.promise(() => whoAmI(session)) }
            }),
          ),
        )
        expect(me.user).toBe("postgres")
        expect(detail).toContain("model-written SQL runs with the url's own privileges")
        expect(detail).toContain("pg_hba.conf")
        const check = postgres(server.url, { max: 1, onnotice: () => {} })
        const left = await check`SELECT rolname FROM pg_roles WHERE rolname LIKE 'aim\\_%'`
        await check.end({ timeout: 5 })
        expect(left).toHaveLength(0)
        console.log(`pg_hba.conf fallback: ${detail}`)
      } finally {
        server.stop()
        rmSync(folder, { recursive: true, force: true })
      }
    },
    120_000,
  )
})
