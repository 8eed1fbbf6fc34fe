/**
 * replay: apply a migration history to a database the way the user's runner does: each migration's
 * UP in its own transaction unless the migration opts out. Shared by every step that rebuilds a
 * history, so they all fail the same way: naming the file and the line (and column) where the
 * database stopped, or else the statement's first line (engines/error-position.ts). The caller
 * says whether the script is trusted (the user's own files) or not (a model's candidate); a history
 * is always the user's.
 */
import { Effect } from "effect"
import type { Migration } from "../model.ts"
import { type Database, type DatabaseImage, type EngineShape, StatementFailed } from "./engine.ts"
import { pinpoint } from "./error-position.ts"

export const applyScript = Effect.fnUntraced(function* (
  engine: EngineShape,
  db: Database,
  sql: string,
  source: string,
  transaction: boolean,
  trusted: boolean,
) {
  const statements = yield* engine.split(sql, source)
  yield* db
    .apply(statements, { transaction, trusted })
    .pipe(Effect.mapError((e) => (e instanceof StatementFailed ? pinpoint(e, sql, statements) : e)))
})

export const replayHistory = Effect.fnUntraced(function* (
  engine: EngineShape,
  db: Database,
  history: ReadonlyArray<Migration>,
) {
  for (const migration of history) {
    yield* applyScript(engine, db, migration.up, migration.upPath, migration.transaction, true)
  }
})

/**
 * A throwaway database holding `history`: a copy of `image` (the snapshot step's copy of the
 * replayed history) where there is one, else a fresh database that replays it. Scoped.
 */
export const historyDatabase = Effect.fnUntraced(function* (
  engine: EngineShape,
  history: ReadonlyArray<Migration>,
  image: DatabaseImage | undefined,
) {
  if (image) return yield* image.clone
  const db = yield* engine.ephemeral
  yield* replayHistory(engine, db, history)
  return db
})
