import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import type { EngineShape } from "../../engines/engine.ts"
import { Engine } from "../../engines/engine.ts"
import { layer } from "../../engines/sqlite/engine.ts"
import type { Migration } from "../../model.ts"
import { plan } from "../../steps/plan.ts"
import { snapshotHistory, snapshotSchema } from "../../steps/snapshot.ts"
import { verify } from "../../steps/verify.ts"

const run = <A, E>(effect: Effect.Effect<A, E, Engine>) =>
  Effect.runPromise(effect.pipe(Effect.provide(layer)))

const history: Migration[] = [
  {
    version: "1",
    name: "init",
    up: `CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id) ON DELETE CASCADE, title TEXT);`,
    upPath: "migrations/1_init.up.sql",
    transaction: true,
  },
]
const desiredSql = `CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) > 0));
  CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id) ON DELETE CASCADE, title TEXT);`

const schemas = Effect.gen(function* () {
  const current = yield* snapshotHistory(history)
  const desired = yield* snapshotSchema({ path: "schema.sql", text: desiredSql })
  return { current, desired }
})

// The rebuild most tools write: it trusts PRAGMA foreign_keys=OFF, which does nothing inside the
// runner's transaction, so dropping authors cascades into books.
const naiveUp = `PRAGMA foreign_keys=OFF;
CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) > 0));
INSERT INTO authors_new SELECT * FROM authors;
DROP TABLE authors;
ALTER TABLE authors_new RENAME TO authors;
PRAGMA foreign_keys=ON;`

describe("verify", () => {
  test("the planner's rebuild keeps the child rows that a cascade would delete", async () => {
    const report = await run(
      Effect.gen(function* () {
        const { current, desired } = yield* schemas
        const candidate = yield* plan(current, desired, true)
        return yield* verify(candidate, { history, current, desired })
      }),
    )
    expect(report.downChecked).toBe(true)
    expect(report.seed.seeded.map((s) => s.table).sort()).toEqual(["authors", "books"])
    expect(report.tablesChecked).toBe(2)
  })

  test("a rebuild that relies on PRAGMA foreign_keys=OFF inside a transaction is caught", async () => {
    const error = await run(
      Effect.gen(function* () {
        const { current, desired } = yield* schemas
        return yield* verify({ up: naiveUp, notes: [] }, { history, current, desired }).pipe(Effect.flip)
      }),
    )
    expect(error._tag).toBe("RowsChanged")
    expect(error).toMatchObject({ phase: "up", table: "books" })
  })

  test("an UP that stops short of schema.sql is a drift, a failing statement names its line", async () => {
    const [drift, failed] = await run(
      Effect.gen(function* () {
        const { current, desired } = yield* schemas
        const drift = yield* verify({ up: "SELECT 1;", notes: [] }, { history, current, desired }).pipe(
          Effect.flip,
        )
        const failed = yield* verify(
          { up: "SELECT 1;\nALTER TABLE nope ADD COLUMN x INT;", notes: [] },
          { history, current, desired },
        ).pipe(Effect.flip)
        return [drift, failed] as const
      }),
    )
    expect(drift._tag).toBe("SchemaDrift")
    expect(drift).toMatchObject({ phase: "up" })
    expect(failed._tag).toBe("MigrationFailed")
    expect(failed).toMatchObject({ phase: "up", line: 2 })
  })

  test("a DOWN that does not restore the previous schema is caught", async () => {
    const error = await run(
      Effect.gen(function* () {
        const { current, desired } = yield* schemas
        const candidate = yield* plan(current, desired, true)
        return yield* verify({ ...candidate, down: "DROP TABLE books;" }, { history, current, desired }).pipe(
          Effect.flip,
        )
      }),
    )
    expect(error._tag).toBe("SchemaDrift")
    expect(error).toMatchObject({ phase: "down" })
  })

  test("the throwaway database is closed when the step ends", async () => {
    let opened = 0
    let closed = 0
    const counting = Effect.gen(function* () {
      const engine = yield* Engine
      const wrapped: EngineShape = {
        ...engine,
        ephemeral: Effect.acquireRelease(
          Effect.sync(() => opened++),
          () => Effect.sync(() => closed++),
        ).pipe(Effect.andThen(engine.ephemeral)),
      }
      const { current, desired } = yield* schemas
      yield* verify({ up: "SELECT 1;", notes: [] }, { history, current, desired }).pipe(
        Effect.provideService(Engine, wrapped),
        Effect.flip,
      )
    })
    await run(counting)
    expect(opened).toBe(1)
    expect(closed).toBe(1)
  })
})

describe("verify: a declared rename", () => {
  const before: Migration[] = [
    {
      version: "1",
      name: "init",
      up: "CREATE TABLE t (id INTEGER PRIMARY KEY, note VARCHAR(50));",
      upPath: "migrations/1_init.up.sql",
      transaction: true,
    },
  ]
  const renames = { columns: [{ table: "t", from: "note", to: "comment" }] }
  const prove = (desiredSql: string, up: string | undefined, down?: string) =>
    run(
      Effect.gen(function* () {
        const current = yield* snapshotHistory(before)
        const desired = yield* snapshotSchema({ path: "schema.sql", text: desiredSql })
        const planned = yield* plan(current, desired, true, { renames })
        const candidate = { ...planned, up: up ?? planned.up, down: down ?? planned.down }
        return yield* verify(candidate, { history: before, current, desired, renames }).pipe(Effect.result)
      }),
    )

  test("the planner's rename is proven: values arrive under the new name and come back", async () => {
    const plain = await prove("CREATE TABLE t (id INTEGER PRIMARY KEY, comment VARCHAR(50));", undefined)
    expect(plain._tag).toBe("Success")
    const retyped = await prove(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, comment VARCHAR(80) NOT NULL DEFAULT 'none');",
      undefined,
    )
    expect(retyped._tag).toBe("Success")
  })

  test("a drop and an add reach the same schema but never pass for the rename", async () => {
    const plain = await prove(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, comment VARCHAR(50));",
      "ALTER TABLE t DROP COLUMN note; ALTER TABLE t ADD COLUMN comment VARCHAR(50);",
    )
    expect(plain._tag === "Failure" && plain.failure._tag).toBe("RowsChanged")
    const retyped = await prove(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, comment VARCHAR(80) NOT NULL DEFAULT 'none');",
      "ALTER TABLE t DROP COLUMN note; ALTER TABLE t ADD COLUMN comment VARCHAR(80) NOT NULL DEFAULT 'none';",
    )
    expect(retyped._tag === "Failure" && retyped.failure).toMatchObject({ _tag: "RowsChanged", phase: "up" })
  })

  test("a DOWN that drops and adds the column back loses the values and is refused", async () => {
    const result = await prove(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, comment VARCHAR(80) NOT NULL DEFAULT 'none');",
      undefined,
      "ALTER TABLE t DROP COLUMN comment; ALTER TABLE t ADD COLUMN note VARCHAR(50);",
    )
    expect(result._tag === "Failure" && result.failure).toMatchObject({ _tag: "RowsChanged", phase: "down" })
  })
})
