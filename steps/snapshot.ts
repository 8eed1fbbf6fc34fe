/**
 * snapshot: the two schemas every run compares. The history is replayed into one throwaway
 * database and schema.sql is loaded into another, at the same time; both catalogs are read into
 * the normalized model. An unchanged history is read from the snapshot cache instead of replayed.
 * Resources: two throwaway databases, released when this step ends.
 */
import { Effect } from "effect"
import { Engine } from "../engines/engine.ts"
import { applyScript, replayHistory } from "../engines/replay.ts"
import type { Migration, Schema } from "../model.ts"
import type { SchemaSource } from "../project.ts"
import { historyKey, readCachedSnapshot, writeCachedSnapshot } from "../snapshot-cache.ts"

/** The schema the migration history builds, from the snapshot cache when this history was replayed before. */
export const snapshotHistory = Effect.fn("aim/steps/snapshot/history")(function* (
  history: ReadonlyArray<Migration>,
) {
  const engine = yield* Engine
  const key = historyKey(`${engine.id}\n${engine.description}`, history)
  const cached = readCachedSnapshot(key)
  if (cached) return cached
  const db = yield* engine.ephemeral
  yield* replayHistory(engine, db, history)
  const schema = yield* db.snapshot
  writeCachedSnapshot(key, schema)
  return schema
}, Effect.scoped)

/** The schema that schema.sql describes. */
export const snapshotSchema = Effect.fn("aim/steps/snapshot/schema")(function* (source: SchemaSource) {
  const engine = yield* Engine
  const db = yield* engine.ephemeral
  yield* applyScript(engine, db, source.text, source.path, false, true)
  return yield* db.snapshot
}, Effect.scoped)

/** The two schemas a run compares: what the migrations build and what schema.sql asks for. */
export interface Snapshots {
  /** What the history builds. */
  readonly current: Schema
  /** What schema.sql asks for. */
  readonly desired: Schema
}

/**
 * Step: replay the history and load schema.sql into two throwaway databases at once, and read both catalogs.
 */
export const snapshot = Effect.fn("aim/steps/snapshot")(function* (
  history: ReadonlyArray<Migration>,
  source: SchemaSource,
) {
  const [current, desired] = yield* Effect.all([snapshotHistory(history), snapshotSchema(source)], {
    concurrency: 2,
  })
  return { current, desired } satisfies Snapshots
})
