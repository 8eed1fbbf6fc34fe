/**
 * check-history: prove the existing migrations, in order, on one throwaway database: each UP
 * applies (and leaves no view, function or trigger that fails when used), its DOWN restores the
 * schema before it, UP again reaches the same schema, and the final schema equals schema.sql (a history that drifted from schema.sql is a failure too).
 * Resources: one throwaway database, released when the step ends.
 */
import { Effect, Schema as S } from "effect"
import { renderChanges } from "../model/changes.ts"
import { diffSchemas } from "../model/diff.ts"
import { Engine } from "../engines/engine.ts"
import { checkObjects, mayHoldBrokenObjects } from "../engines/exercise.ts"
import { applyScript } from "../engines/replay.ts"
import type { Migration, Schema } from "../model.ts"

/**
 * An existing migration fails a check of `aim validate`: which migration, which check, and the difference.
 */
export class HistoryBroken extends S.TaggedError<HistoryBroken>()("HistoryBroken", {
  migration: S.String,
  check: S.Literals(["down-restores", "up-repeats", "matches-schema"]),
  diff: S.String,
}) {
  override get message() {
    switch (this.check) {
      case "down-restores":
        return `${this.migration}: DOWN does not restore the schema before its UP (- after DOWN, + before UP):\n${this.diff}`
      case "up-repeats":
        return `${this.migration}: UP after DOWN does not reach the same schema as the first UP:\n${this.diff}`
      case "matches-schema":
        return `The migrations do not build schema.sql (- only in the history, + only in schema.sql):\n${this.diff}`
    }
  }
}

/**
 * What `checkHistory` proved: how many migrations, how many DOWNs, and each migration's before and after
 * schemas.
 */
export interface HistoryReport {
  readonly migrations: number
  /** Migrations whose DOWN was checked (those that have one). */
  readonly downsChecked: number
  /** The schema before and after each migration's UP, in order, for the validation rules. */
  readonly states: ReadonlyArray<{
    readonly migration: Migration
    readonly before: Schema
    readonly after: Schema
  }>
}

/**
 * Step: prove every existing migration in order (UP applies, DOWN restores, UP again) and that the end equals
 * schema.sql.
 */
export const checkHistory = Effect.fn("aim/steps/check-history")(function* (
  history: ReadonlyArray<Migration>,
  desired: Schema,
) {
  const engine = yield* Engine
  const db = yield* engine.ephemeral
  const drift = (a: Schema, b: Schema) =>
    renderChanges(diffSchemas(a, b), { from: a, to: b, renderTable: engine.renderTable })
  let previous = yield* db.snapshot
  let downsChecked = 0
  const states: Array<{ migration: Migration; before: Schema; after: Schema }> = []
  // Each script's views, functions and triggers are used once it ran (engines/exercise.ts).
  const exercise = (schema: Schema, source: string, sql: string) =>
    mayHoldBrokenObjects(schema) ? checkObjects(engine, db, { source, sql }) : Effect.void
  for (const m of history) {
    yield* applyScript(engine, db, m.up, m.upPath, m.transaction, true)
    const afterUp = yield* db.snapshot
    yield* exercise(afterUp, m.upPath, m.up)
    if (m.down !== undefined) {
      yield* applyScript(engine, db, m.down, m.downPath ?? m.upPath, m.transaction, true)
      const afterDown = yield* db.snapshot
      yield* exercise(afterDown, m.downPath ?? m.upPath, m.down)
      if (diffSchemas(afterDown, previous).length > 0) {
        return yield* new HistoryBroken({
          migration: m.downPath ?? m.upPath,
          check: "down-restores",
          diff: drift(afterDown, previous),
        })
      }
      yield* applyScript(engine, db, m.up, m.upPath, m.transaction, true)
      const again = yield* db.snapshot
      if (diffSchemas(again, afterUp).length > 0) {
        return yield* new HistoryBroken({
          migration: m.upPath,
          check: "up-repeats",
          diff: drift(again, afterUp),
        })
      }
      downsChecked++
    }
    states.push({ migration: m, before: previous, after: afterUp })
    previous = afterUp
  }
  if (diffSchemas(previous, desired).length > 0) {
    return yield* new HistoryBroken({
      migration: "",
      check: "matches-schema",
      diff: drift(previous, desired),
    })
  }
  return { migrations: history.length, downsChecked, states } satisfies HistoryReport
}, Effect.scoped)
