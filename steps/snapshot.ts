/**
 * snapshot: the two schemas every run compares. The history is replayed into one throwaway
 * database and schema.sql is loaded into another, at the same time; both catalogs are read into
 * the normalized model. An unchanged history is read from the snapshot cache instead of replayed.
 * When asked (`takeSnapshots` with keepImage, as generate asks), the database the history was
 * replayed into is kept as an image, so that verification starts from a copy of it instead of
 * replaying the history again, on engines that can copy a database cheaply; an engine whose copies
 * are bytes (SQLite) keeps them in the snapshot cache too, so that a cache hit can still be copied.
 * Resources: two throwaway databases, released when this step ends; a kept image (and the replayed
 * database behind it) lives until the caller's scope closes.
 */
import { Effect, Exit, Scope } from "effect"
import { type DatabaseImage, Engine, type EngineShape } from "../engines/engine.ts"
import { checkObjects, mayHoldBrokenObjects } from "../engines/exercise.ts"
import { applyScript, replayHistory } from "../engines/replay.ts"
import type { Migration, Schema } from "../model.ts"
import type { SchemaSource } from "../project/read.ts"
import {
  historyKey,
  readCachedImage,
  readCachedSnapshot,
  writeCachedImage,
  writeCachedSnapshot,
} from "../project/snapshot-cache.ts"

/** What decides a snapshot besides the history: the engine and the server that really runs. */
const cacheKey = (engine: EngineShape, history: ReadonlyArray<Migration>) =>
  historyKey(`${engine.id}\n${engine.snapshotIdentity ?? engine.description}`, history)

/** The schema a history builds, whether it came from the cache, and the replayed database when kept. */
interface HistorySnapshot {
  readonly schema: Schema
  readonly fromCache: boolean
  readonly image: DatabaseImage | undefined
}

/**
 * The history's schema, from the cache or replayed. The replayed database gets a scope of its own
 * under the caller's: closed as soon as the schema is read, unless it was kept as an image, which
 * then lasts as long as the caller's scope.
 */
const snapshotHistoryIn = Effect.fnUntraced(function* (
  history: ReadonlyArray<Migration>,
  keepImage: boolean,
) {
  const engine = yield* Engine
  const key = cacheKey(engine, history)
  const cached = readCachedSnapshot(key)
  // Engines whose images are bytes (SQLite) keep them beside the snapshot, so a cache hit can still
  // give verification a copy; without those bytes, the replay verification would do happens here.
  const portable = engine.imageFromBytes
  if (cached && !(keepImage && portable))
    return { schema: cached, fromCache: true, image: undefined } satisfies HistorySnapshot
  if (cached && portable) {
    const bytes = readCachedImage(key)
    const image = bytes ? yield* portable(bytes) : undefined
    if (image) return { schema: cached, fromCache: true, image } satisfies HistorySnapshot
  }
  const scope = yield* Scope.fork(yield* Scope.Scope)
  const replayed = Effect.gen(function* () {
    const db = yield* engine.ephemeral.pipe(Scope.provide(scope))
    yield* replayHistory(engine, db, history)
    const schema = yield* db.snapshot
    writeCachedSnapshot(key, schema)
    // A copy is only a shortcut: if the engine cannot keep one, verification replays.
    const image =
      (keepImage || portable) && db.keepAsImage
        ? yield* db.keepAsImage.pipe(Effect.catch(() => Effect.succeed(undefined)))
        : undefined
    if (image?.bytes) writeCachedImage(key, image.bytes)
    return { schema, fromCache: false, image: keepImage ? image : undefined } satisfies HistorySnapshot
  })
  return yield* replayed.pipe(
    Effect.onExit((exit) =>
      Exit.isSuccess(exit) && exit.value.image !== undefined ? Effect.void : Scope.close(scope, exit),
    ),
  )
})

/** The schema the migration history builds, from the snapshot cache when this history was replayed before. */
export const snapshotHistory = Effect.fn("aim/steps/snapshot/history")(function* (
  history: ReadonlyArray<Migration>,
) {
  return (yield* snapshotHistoryIn(history, false)).schema
}, Effect.scoped)

/**
 * Store `schema` as what `history` builds, without replaying it: after a write, verification has
 * already read the schema the new history builds, so the next run need not replay it. The caller
 * vouches that a replay of `history` reaches exactly this schema.
 */
export const rememberHistorySnapshot = Effect.fn("aim/steps/snapshot/remember")(function* (
  history: ReadonlyArray<Migration>,
  schema: Schema,
) {
  const engine = yield* Engine
  writeCachedSnapshot(cacheKey(engine, history), schema)
})

/**
 * The schema that schema.sql describes. Its views, functions and triggers are used once loaded, so
 * one that loads but cannot run (a SQLite view on a missing table) fails here, naming its line.
 */
export const snapshotSchema = Effect.fn("aim/steps/snapshot/schema")(function* (source: SchemaSource) {
  const engine = yield* Engine
  const db = yield* engine.ephemeral
  yield* applyScript(engine, db, source.text, source.path, false, true)
  const schema = yield* db.snapshot
  if (mayHoldBrokenObjects(schema)) yield* checkObjects(engine, db, { source: source.path, sql: source.text })
  return schema
}, Effect.scoped)

/** The two schemas a run compares: what the migrations build and what schema.sql asks for. */
export interface Snapshots {
  /** What the history builds. */
  readonly current: Schema
  /** What schema.sql asks for. */
  readonly desired: Schema
  /** `current` came from the snapshot cache: nothing was replayed. */
  readonly fromCache: boolean
}

/** Snapshots, with the replayed history kept as an image when asked and the engine can copy it. */
export interface SnapshotsWithImage extends Snapshots {
  /**
   * A copy of the database the history was replayed into, to start verifications from; undefined
   * when not asked, when the history came from the cache, or when the engine has no cheap copy.
   * Lives until the caller's scope closes.
   */
  readonly image: DatabaseImage | undefined
}

/**
 * Step: replay the history and load schema.sql into two throwaway databases at once, and read both
 * catalogs; with `keepImage`, keep the replayed database as an image in the caller's scope.
 */
export const takeSnapshots = Effect.fn("aim/steps/snapshot/take")(function* (
  history: ReadonlyArray<Migration>,
  source: SchemaSource,
  options: { readonly keepImage: boolean },
) {
  const [replayed, desired] = yield* Effect.all(
    [snapshotHistoryIn(history, options.keepImage), snapshotSchema(source)],
    { concurrency: 2 },
  )
  return {
    current: replayed.schema,
    desired,
    fromCache: replayed.fromCache,
    image: replayed.image,
  } satisfies SnapshotsWithImage
})

/**
 * Step: replay the history and load schema.sql into two throwaway databases at once, and read both catalogs.
 */
export const snapshot = Effect.fn("aim/steps/snapshot")(function* (
  history: ReadonlyArray<Migration>,
  source: SchemaSource,
) {
  const { current, desired, fromCache } = yield* takeSnapshots(history, source, { keepImage: false })
  return { current, desired, fromCache } satisfies Snapshots
}, Effect.scoped)

/**
 * After a write, the snapshot cache learns what the new history builds: verification read it back
 * after UP (`afterUp`), so the next run need not replay anything. `after` is the new history as the
 * format's reader reads it back (that is the cache key the next run computes); the schema is stored
 * only when that history is `before` plus one migration of exactly the statements verification ran
 * (`up`), in a transaction as it ran them. Best effort: a history that differs only costs the next
 * run a replay.
 */
export const rememberWrittenMigration = (
  before: ReadonlyArray<Migration>,
  after: ReadonlyArray<Migration>,
  up: string,
  afterUp: Schema,
) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const added = after[before.length]
    if (after.length !== before.length + 1 || added === undefined || !added.transaction) return
    const unchanged = before.every((m, i) => {
      const read = after[i]
      return read?.version === m.version && read.up === m.up && read.transaction === m.transaction
    })
    if (!unchanged) return
    const statements = (sql: string, source: string) =>
      engine.split(sql, source).pipe(Effect.map((list) => list.map((s) => s.sql.trim()).join("\n;\n")))
    if ((yield* statements(added.up, added.upPath)) !== (yield* statements(up, "UP"))) return
    yield* rememberHistorySnapshot(after, afterUp)
  }).pipe(Effect.ignore)
