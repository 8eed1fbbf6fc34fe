/**
 * database.ts sends a script whole, in one round trip, when it can: on every backend this machine
 * has (the server at 127.0.0.1:5432 with the url backend, skipped with the reason when none answers;
 * the embedded PGlite always), a failure in a script sent whole still names the file and line of the
 * statement at fault and leaves what running the statements one by one would have left, and the
 * scripts that must not run as one transaction still run as they did.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect, type Scope } from "effect"
import type { EngineFailed } from "../../../engines/engine.ts"
import type { PgBackend } from "../../../engines/postgres/backends/backend.ts"
import { embeddedBackend } from "../../../engines/postgres/backends/embedded.ts"
import { urlBackend } from "../../../engines/postgres/backends/url.ts"
import {
  batchScript,
  MODEL_STATEMENT_TIMEOUT_MS,
  sessionDatabase,
} from "../../../engines/postgres/database.ts"
import type { PgSession } from "../../../engines/postgres/session.ts"
import { splitStatements } from "../../../engines/postgres/split.ts"
import type { Statement } from "../../../model.ts"
import { PG_TEST_URL, pgAnswers } from "../../_servers.ts"

// Creating and dropping databases on a shared, busy server takes seconds; PGlite's first initdb too.
setDefaultTimeout(120_000)

const serverUrl = PG_TEST_URL
const hasServer = await pgAnswers(serverUrl)
if (!hasServer)
  console.warn("skipped: whole-script tests on the url backend, no PostgreSQL answers at 127.0.0.1:5432")

const engine = "postgres"
const source = "0007_change.up.sql"
const script = (sql: string): Statement[] => splitStatements(sql, source)
const statement = (sql: string): Statement => ({ sql, line: 1, source })

describe("which scripts are sent whole", () => {
  test("aim's transaction wraps the whole script; a lone statement outside one goes as it is", () => {
    const two = [statement("CREATE TABLE a (x int)"), statement("CREATE TABLE b (x int)")]
    expect(batchScript(two, true, false)).toBe(
      "BEGIN;\nCREATE TABLE a (x int);\nCREATE TABLE b (x int);\nCOMMIT",
    )
    expect(batchScript(two, false, false)).toBe("CREATE TABLE a (x int);\nCREATE TABLE b (x int)")
    expect(batchScript(two.slice(0, 1), true, false)).toBe("BEGIN;\nCREATE TABLE a (x int);\nCOMMIT")
    expect(batchScript(two.slice(0, 1), false, false)).toBeUndefined()
    expect(batchScript([], true, false)).toBeUndefined()
  })

  test("statements that manage the transaction, may need the admin, or act differently in one go one by one", () => {
    const table = statement("CREATE TABLE a (x int)")
    expect(batchScript([table, statement("COMMIT")], false, false)).toBeUndefined()
    expect(batchScript([statement("CREATE EXTENSION bloom"), table], true, true)).toBeUndefined()
    // Without an admin session to route to (a candidate, or embedded), the extension is just a statement.
    expect(batchScript([statement("CREATE EXTENSION bloom"), table], true, false)).toBeDefined()
    for (const odd of [
      "SET LOCAL search_path = elsewhere",
      "SELECT set_config('search_path', 'elsewhere', true)",
      "CREATE INDEX CONCURRENTLY a_x ON a (x)",
      "VACUUM a",
    ]) {
      expect(batchScript([table, statement(odd)], false, false)).toBeUndefined()
      // Inside aim's own transaction they act the same either way.
      expect(batchScript([table, statement(odd)], true, false)).toBeDefined()
    }
  })
})

interface Backend {
  readonly name: string
  readonly available: boolean
  readonly make: Effect.Effect<PgBackend, EngineFailed, Scope.Scope>
}

const backends: ReadonlyArray<Backend> = [
  { name: "url", available: hasServer, make: urlBackend(engine, serverUrl) },
  { name: "embedded", available: true, make: embeddedBackend(engine) },
]

/** Run `body` on a fresh throwaway database of `backend`; the database is gone afterwards. */
const onFreshDatabase = <A>(
  backend: Backend,
  body: (db: ReturnType<typeof sessionDatabase>, session: PgSession) => Effect.Effect<A, unknown>,
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const session = yield* (yield* backend.make).ephemeral
        return yield* body(sessionDatabase(engine, session), session)
      }),
    ),
  )

const exists = async (session: PgSession, name: string) =>
  (await session.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [name]))[0]?.found

for (const backend of backends) {
  describe.skipIf(!backend.available)(`a script sent whole, ${backend.name} backend`, () => {
    test("a failure in a transactional script names its statement's line, and nothing of the script remains", async () => {
      const result = await onFreshDatabase(backend, (db, session) =>
        Effect.gen(function* () {
          const failed = yield* db
            .apply(
              script(
                "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n\n-- the fault:\nINSERT INTO a VALUES ('not a number');\nCREATE TABLE b (x int);\n",
              ),
              { transaction: true, trusted: true },
            )
            .pipe(Effect.flip)
          const left = yield* Effect.promise(async () => ({
            a: await exists(session, "a"),
            b: await exists(session, "b"),
          }))
          // The session is usable again: the aborted transaction was ended.
          yield* db.apply(script("CREATE TABLE c (x int);"), { transaction: true, trusted: true })
          return { failed, left }
        }),
      )
      expect(result.failed).toMatchObject({
        _tag: "StatementFailed",
        source,
        line: 5,
        statement: "INSERT INTO a VALUES ('not a number')",
      })
      expect(result.left).toEqual({ a: false, b: false })
    })

    test("without a transaction, a failure keeps the statements before it, as one by one would", async () => {
      const result = await onFreshDatabase(backend, (db, session) =>
        Effect.gen(function* () {
          const failed = yield* db
            .apply(
              script(
                "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\nSELECT 1/0;\nCREATE TABLE c (x int);",
              ),
              {
                transaction: false,
                trusted: true,
              },
            )
            .pipe(Effect.flip)
          const left = yield* Effect.promise(async () => ({
            a: await exists(session, "a"),
            b: await exists(session, "b"),
            c: await exists(session, "c"),
          }))
          return { failed, left }
        }),
      )
      expect(result.failed).toMatchObject({ _tag: "StatementFailed", source, line: 3 })
      expect(result.left).toEqual({ a: true, b: true, c: false })
    })

    test("a script that one transaction would refuse runs statement by statement and succeeds", async () => {
      // A new enum value may not be used in the transaction that added it: in one go this fails,
      // and the statements are run again one by one, each committed, as the user's runner does.
      const found = await onFreshDatabase(backend, (db, session) =>
        Effect.gen(function* () {
          yield* db.apply(
            script(
              "CREATE TYPE mood AS ENUM ('calm');\nALTER TYPE mood ADD VALUE 'angry';\nCREATE TABLE t (m mood DEFAULT 'angry');",
            ),
            { transaction: false, trusted: true },
          )
          return yield* Effect.promise(() => exists(session, "t"))
        }),
      )
      expect(found).toBe(true)
    })

    test("SET LOCAL outside a transaction reaches no other statement, as one by one", async () => {
      const result = await onFreshDatabase(backend, (db, session) =>
        Effect.gen(function* () {
          yield* db.apply(
            script("CREATE SCHEMA elsewhere;\nSET LOCAL search_path = elsewhere;\nCREATE TABLE t (x int);"),
            {
              transaction: false,
              trusted: true,
            },
          )
          return yield* Effect.promise(async () => ({
            public: await exists(session, "public.t"),
            elsewhere: await exists(session, "elsewhere.t"),
          }))
        }),
      )
      expect(result).toEqual({ public: true, elsewhere: false })
    })
  })
}

describe.skipIf(!hasServer)("a connection lost in the middle of a script sent whole", () => {
  test("is the engine's failure, naming the file and the script's lines", async () => {
    const failed = await onFreshDatabase(backends[0] as Backend, (db) =>
      db
        .apply(
          script(
            "CREATE TABLE a (x int);\nSELECT pg_terminate_backend(pg_backend_pid());\nCREATE TABLE b (x int);",
          ),
          {
            transaction: true,
            trusted: true,
          },
        )
        .pipe(Effect.flip),
    )
    expect(failed).toMatchObject({ _tag: "EngineFailed", action: `run ${source}:1-3` })
  })
})

describe.skipIf(!hasServer)("model-written SQL under a statement timeout, url backend", () => {
  const url = backends[0] as Backend
  const onDatabase = <A>(body: (db: ReturnType<typeof sessionDatabase>) => Effect.Effect<A, unknown>) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const session = yield* (yield* url.make).ephemeral
          // A short timeout for the test; aim's own is MODEL_STATEMENT_TIMEOUT_MS.
          return yield* body(sessionDatabase(engine, session, 300))
        }),
      ),
    )

  test("a runaway statement of a model's script is cancelled, naming it; the user's own runs on", async () => {
    const outcome = await onDatabase((db) =>
      Effect.gen(function* () {
        const failed = yield* db
          .apply(script("CREATE TABLE a (x int);\nSELECT pg_sleep(5);\n"), {
            transaction: true,
            trusted: false,
          })
          .pipe(Effect.flip)
        // The user's own script (trusted) is not held to it, and the session's timeout is back.
        yield* db.apply(script("SELECT pg_sleep(0.6);\n"), { transaction: true, trusted: true })
        return failed
      }),
    )
    expect(outcome).toMatchObject({ _tag: "StatementFailed", line: 2 })
    expect(String((outcome as { reason: string }).reason)).toContain("statement timeout")
    expect(MODEL_STATEMENT_TIMEOUT_MS).toBe(60_000)
  })
})
