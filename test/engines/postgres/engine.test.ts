/**
 * The PostgreSQL engine's glue: id parsing, backend choice errors, the description, and Database
 * over a session (apply with and without a transaction, failures named by file and line), run on
 * the url backend against the machine's server (skipped, with the reason, when it does not answer).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Cause, Effect, Exit } from "effect"
import { Engine, type EngineShape } from "../../../engines/engine.ts"
import { controlsTransaction } from "../../../engines/postgres/database.ts"
import { layer, versionWarning } from "../../../engines/postgres/engine.ts"
import { askedMajor, matchesEngineId } from "../../../engines/postgres/engine-id.ts"
import { findEngine, knownEngines } from "../../../engines/registry.ts"
import type { Statement } from "../../../model.ts"
import { PG_TEST_URL, pgAnswers } from "../../_servers.ts"

// Creating and dropping databases on a shared, busy server takes seconds; bunfig.toml has no
// per-test timeout setting (only --timeout and this call change the 5 s default).
setDefaultTimeout(60_000)

const serverUrl = PG_TEST_URL
const hasServer = await pgAnswers(serverUrl)
if (!hasServer) console.warn("skipped: PostgreSQL engine tests on a server, none answers at 127.0.0.1:5432")

/** The engine's options as aim.toml gives them: its [engines.postgres] table and the file. */
const optionsFor = (settings: Record<string, string>) => ({ settings, source: "/tmp/aim.toml" })

/** Run `body` with the engine for `id`, the URL in aim.toml's place (AIM_POSTGRES_URL, when set, wins). */
const withEngine = <A, E>(id: string, body: (engine: EngineShape) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      return yield* body(yield* Engine)
    }).pipe(Effect.provide(layer(id, optionsFor({ backend: "url", url: serverUrl })))),
  )

const statements = (engine: EngineShape, sql: string, source = "0001_test.up.sql") =>
  engine.split(sql, source)

function failureOf(exit: Exit.Exit<unknown, unknown>): { _tag?: string } | undefined {
  if (!Exit.isFailure(exit)) return undefined
  const found = Cause.findErrorOption(exit.cause)
  return found._tag === "Some" ? (found.value as { _tag?: string }) : undefined
}

describe("engine ids", () => {
  test("postgres-<major> and plain postgres are PostgreSQL engines", () => {
    expect(matchesEngineId("postgres-17")).toBe(true)
    expect(matchesEngineId("postgres")).toBe(true)
    expect(matchesEngineId("postgresql")).toBe(false)
    expect(askedMajor("postgres-17")).toBe(17)
    expect(askedMajor("postgres")).toBeUndefined()
    expect(askedMajor("postgres-9")).toBeInstanceOf(Error)
    expect(findEngine("postgres-16")).toBeDefined()
    expect(knownEngines).toContain("postgres-<version>")
  })

  test("a server that is not the asked major is named, with the backend's hint", () => {
    expect(versionWarning("postgres-17", 17, "15.20")).toBe(
      "postgres-17 was asked, but PostgreSQL 15.20 runs: a migration verified here may not run on PostgreSQL 17",
    )
    expect(versionWarning("postgres-15", 15, "16.4", "embedded PGlite runs PostgreSQL 16 and 17")).toBe(
      "postgres-15 was asked, but PostgreSQL 16.4 runs (embedded PGlite runs PostgreSQL 16 and 17): a migration verified here may not run on PostgreSQL 15",
    )
    expect(versionWarning("postgres-15", 15, "15.20")).toBeUndefined()
    expect(versionWarning("postgres", undefined, "18.1")).toBeUndefined()
  })

  test("statements that manage a transaction are recognised, BEGIN ATOMIC is not one", () => {
    const s = (sql: string): Statement => ({ sql, line: 1, source: "x" })
    expect(controlsTransaction(s("BEGIN;"))).toBe(true)
    expect(controlsTransaction(s("start transaction isolation level serializable"))).toBe(true)
    expect(controlsTransaction(s("COMMIT"))).toBe(true)
    expect(controlsTransaction(s("BEGIN ATOMIC SELECT 1; END"))).toBe(false)
    expect(controlsTransaction(s("CREATE TABLE begin_x (a int)"))).toBe(false)
  })
})

describe("configuration errors", () => {
  const tagOf = async (id: string, settings: Record<string, string>) =>
    failureOf(
      await Effect.runPromiseExit(
        Effect.gen(function* () {
          yield* Engine
        }).pipe(Effect.provide(layer(id, optionsFor(settings)))),
      ),
    )?._tag

  test("an unknown backend, a url backend without a URL, and too old a version are ConfigErrors", async () => {
    const saved = process.env.AIM_POSTGRES_URL
    delete process.env.AIM_POSTGRES_URL
    try {
      expect(await tagOf("postgres-17", { backend: "podman" })).toBe("ConfigError")
      expect(await tagOf("postgres-17", { backend: "url" })).toBe("ConfigError")
      expect(await tagOf("postgres-9", {})).toBe("ConfigError")
    } finally {
      if (saved !== undefined) process.env.AIM_POSTGRES_URL = saved
    }
  })
})

describe.skipIf(!hasServer)("Database on the url backend", () => {
  test("describes what runs and why", async () => {
    const exit = await withEngine("postgres-17", (engine) => Effect.succeed(engine))
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.description).toMatch(/^PostgreSQL \d+\.\d+ \(server at /)
    expect(exit.value.description).toContain('backend = "url"')
    expect(exit.value.capabilities.transactionalDdl).toBe(true)
    // The asked and the running version, and a mismatch when the server is another major.
    const server = exit.value.server
    expect(server?.asked).toBe("17")
    expect(server?.running).toMatch(/^\d+\.\d+/)
    if (server?.running.startsWith("17.")) expect(server.mismatch).toBeUndefined()
    else expect(server?.mismatch).toContain("postgres-17 was asked, but PostgreSQL")
  })

  test("a failing statement rolls the transaction back and is named by file and line", async () => {
    const exit = await withEngine("postgres", (engine) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          const script = yield* statements(
            engine,
            "CREATE TABLE a (id int);\n\nINSERT INTO missing VALUES (1);\n",
          )
          const failed = yield* db.apply(script, { transaction: true, trusted: true }).pipe(Effect.flip)
          // The session is usable afterwards and the CREATE did not survive.
          const after = yield* statements(engine, "CREATE TABLE a (id int);")
          yield* db.apply(after, { transaction: true, trusted: true })
          return { failed, violations: yield* db.foreignKeyViolations }
        }),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.failed).toMatchObject({ _tag: "StatementFailed", source: "0001_test.up.sql", line: 3 })
    expect(exit.value.violations).toEqual([])
  })

  test("without a transaction, statements before the failure stay applied", async () => {
    const exit = await withEngine("postgres", (engine) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          const script = yield* statements(engine, "CREATE TABLE a (id int);\nSELECT 1/0;")
          const failed = yield* db.apply(script, { transaction: false, trusted: true }).pipe(Effect.flip)
          const again = yield* db
            .apply(yield* statements(engine, "CREATE TABLE a (id int);"), {
              transaction: false,
              trusted: true,
            })
            .pipe(Effect.flip)
          return { failed, again }
        }),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.failed).toMatchObject({ _tag: "StatementFailed", line: 2 })
    expect(exit.value.again).toMatchObject({ _tag: "StatementFailed", line: 1 })
  })

  test("a script with its own BEGIN/COMMIT is not wrapped, and a deferred check fails at COMMIT", async () => {
    const exit = await withEngine("postgres", (engine) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          yield* db.apply(
            yield* statements(engine, "BEGIN;\nCREATE TABLE p (id int PRIMARY KEY);\nCOMMIT;"),
            {
              transaction: true,
              trusted: true,
            },
          )
          const deferred = yield* statements(
            engine,
            `CREATE TABLE c (p_id int REFERENCES p DEFERRABLE INITIALLY DEFERRED);
             INSERT INTO c VALUES (42);`,
          )
          return yield* db.apply(deferred, { transaction: true, trusted: true }).pipe(Effect.flip)
        }),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value).toMatchObject({ _tag: "StatementFailed", statement: "COMMIT" })
  })

  test("an unterminated string is a SqlSyntaxError with its line", async () => {
    const exit = await withEngine("postgres", (engine) => statements(engine, "SELECT 1;\nSELECT 'oops;\n"))
    expect(failureOf(exit)).toMatchObject({ _tag: "SqlSyntaxError", line: 2 })
  })

  test("a snapshot reads what was applied", async () => {
    const exit = await withEngine("postgres", (engine) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          yield* db.apply(
            yield* statements(engine, "CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL);"),
            {
              transaction: true,
              trusted: true,
            },
          )
          return yield* db.snapshot
        }),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (!Exit.isSuccess(exit)) return
    expect(exit.value.tables.map((t) => t.name)).toEqual(["books"])
  })
})
