/**
 * Verification uses what UP and DOWN leave (engines/exercise.ts), on SQLite: a candidate whose UP
 * reaches the expected schema but leaves a view unusable is refused with ObjectsBroken naming UP,
 * while a view the history already left unusable is not blamed on a migration that does not
 * touch it, after UP or after DOWN. The expected schemas are read from databases the scripts ran
 * in, so the catalogs agree and only the exercise can refuse.
 */
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Engine } from "../../engines/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import type { Migration } from "../../model.ts"
import { verify } from "../../steps/verify.ts"

const history = (up: string): Migration[] => [
  { version: "1", name: "start", up, upPath: "migrations/1.up.sql", transaction: true },
]

/** The schema `history` builds, and the one it builds with `up` run after it. */
const schemas = (migrations: ReadonlyArray<Migration>, up: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const engine = yield* Engine
      const db = yield* engine.ephemeral
      yield* replayHistory(engine, db, migrations)
      const current = yield* db.snapshot
      yield* db.apply(yield* engine.split(up, "UP"), { transaction: true, trusted: true })
      return { current, desired: yield* db.snapshot }
    }),
  )

const verdict = (migrations: ReadonlyArray<Migration>, up: string, down: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const { current, desired } = yield* schemas(migrations, up)
      return yield* verify(
        { up, down, notes: [], trusted: true },
        { history: migrations, current, desired },
      ).pipe(
        Effect.map(() => "verified"),
        Effect.catch((error) => Effect.succeed(JSON.parse(JSON.stringify(error)) as unknown)),
      )
    }).pipe(Effect.provide(sqliteLayer)),
  )

describe("verification uses the views and triggers UP and DOWN leave", () => {
  test("UP that leaves a view on a dropped table is refused, naming UP and the view", async () => {
    const start = history(
      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\nCREATE TABLE notes (id INTEGER);\nCREATE VIEW open_notes AS SELECT id FROM notes;",
    )
    expect(await verdict(start, "DROP TABLE notes;", "CREATE TABLE notes (id INTEGER);")).toEqual({
      _tag: "ObjectsBroken",
      source: "UP",
      objects: [{ kind: "view", name: "open_notes", reason: "no such table: main.notes" }],
    })
  })

  test("a view the history already left unusable is not the migration's doing", async () => {
    const start = history(
      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\nCREATE VIEW ghost AS SELECT * FROM nowhere;",
    )
    expect(await verdict(start, "CREATE TABLE notes (id INTEGER);", "DROP TABLE notes;")).toBe("verified")
  })
})
