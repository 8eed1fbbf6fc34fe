/**
 * Verification of a SQLite history holding a foreign key SQLite cannot enforce (a key on a
 * non-unique column): every table still gets sample rows, a table rebuild still copies its rows,
 * and every other foreign key is still checked, so a candidate that orphans rows through one of
 * them is refused with ForeignKeysBroken naming it.
 */
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Engine } from "../../engines/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import type { Migration } from "../../model.ts"
import { verify } from "../../steps/verify.ts"

const history: Migration[] = [
  {
    version: "1",
    name: "start",
    up: `CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent (code), note TEXT);
CREATE TABLE other (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));`,
    upPath: "migrations/1.up.sql",
    transaction: true,
  },
]

const verdict = (up: string, down: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const engine = yield* Engine
      const { current, desired } = yield* Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          yield* replayHistory(engine, db, history)
          const current = yield* db.snapshot
          yield* db.apply(yield* engine.split(up, "UP"), { transaction: true, trusted: true })
          return { current, desired: yield* db.snapshot }
        }),
      )
      return yield* verify({ up, down, notes: [], trusted: true }, { history, current, desired }).pipe(
        Effect.map((report) => ({ seeded: report.seed.seeded, skipped: report.seed.skipped })),
        Effect.catch((error) => Effect.succeed(JSON.parse(JSON.stringify(error)) as unknown)),
      )
    }).pipe(Effect.provide(sqliteLayer)),
  )

describe("a history with a foreign key SQLite cannot enforce", () => {
  test("every table is seeded, and a rebuild of the key's table verifies", async () => {
    const rebuild = `CREATE TEMP TABLE aim_old_child AS SELECT * FROM child;
DROP TABLE child;
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent (code), note TEXT NOT NULL DEFAULT '');
INSERT INTO child (id, parent_code, note) SELECT id, parent_code, COALESCE(note, '') FROM temp.aim_old_child;
DROP TABLE temp.aim_old_child;`
    const back = `CREATE TEMP TABLE aim_old_child AS SELECT * FROM child;
DROP TABLE child;
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent (code), note TEXT);
INSERT INTO child (id, parent_code, note) SELECT id, parent_code, note FROM temp.aim_old_child;
DROP TABLE temp.aim_old_child;`
    expect(await verdict(rebuild, back)).toEqual({
      seeded: [
        { table: "parent", rows: 3 },
        { table: "child", rows: 3 },
        { table: "other", rows: 3 },
      ],
      skipped: [],
    })
  })

  test("the other foreign keys are still checked", async () => {
    expect(await verdict("DELETE FROM parent;", "")).toEqual({
      _tag: "ForeignKeysBroken",
      phase: "up",
      violations: ["other (3 rows) -> parent"],
    })
  })
})
