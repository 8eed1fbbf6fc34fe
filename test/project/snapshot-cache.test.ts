import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Engine, type EngineShape } from "../../engines/engine.ts"
import { layer } from "../../engines/sqlite/engine.ts"
import type { Migration } from "../../model.ts"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cacheFolder, historyKey } from "../../project/snapshot-cache.ts"
import { snapshotHistory, takeSnapshots } from "../../steps/snapshot.ts"

const migration = (version: string, up: string): Migration => ({
  version,
  name: "m",
  up,
  upPath: `${version}.up.sql`,
  transaction: true,
})

describe("snapshot cache", () => {
  test("an unchanged history is read from the cache, a changed one is replayed", async () => {
    let opened = 0
    const counting = Effect.gen(function* () {
      const engine = yield* Engine
      const wrapped: EngineShape = {
        ...engine,
        ephemeral: Effect.sync(() => opened++).pipe(Effect.andThen(engine.ephemeral)),
      }
      const history = [migration("1", `CREATE TABLE cache_probe_${Date.now()} (id INTEGER PRIMARY KEY);`)]
      const first = yield* snapshotHistory(history).pipe(Effect.provideService(Engine, wrapped))
      const second = yield* snapshotHistory(history).pipe(Effect.provideService(Engine, wrapped))
      const changed = [...history, migration("2", "CREATE TABLE other (id INT);")]
      const third = yield* snapshotHistory(changed).pipe(Effect.provideService(Engine, wrapped))
      return { first, second, third }
    })
    const { first, second, third } = await Effect.runPromise(counting.pipe(Effect.provide(layer)))
    expect(second).toEqual(first)
    expect(third.tables).toHaveLength(2)
    expect(opened).toBe(2)
  })

  test("the key covers text, order and transaction mode", () => {
    const a = [migration("1", "CREATE TABLE a (x INT);"), migration("2", "CREATE TABLE b (x INT);")]
    const key = historyKey("sqlite", a)
    expect(historyKey("sqlite", [...a].reverse())).not.toBe(key)
    expect(
      historyKey("sqlite", [a[0] as Migration, { ...(a[1] as Migration), transaction: false }]),
    ).not.toBe(key)
    expect(historyKey("postgres-17", a)).not.toBe(key)
    expect(historyKey("sqlite", a)).toBe(key)
  })
})

describe("snapshot cache: the replayed database beside the schema (SQLite)", () => {
  test("a hit still gives verification a copy; damaged bytes are a miss, replayed and rewritten", async () => {
    const history = [
      migration(
        "1",
        `CREATE TABLE image_probe_${Date.now()} (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);`,
      ),
    ]
    const source = { path: "schema.sql", text: "CREATE TABLE other (id INT);" }
    const take = Effect.scoped(
      Effect.gen(function* () {
        const taken = yield* takeSnapshots(history, source, { keepImage: true })
        const copy = taken.image
          ? yield* Effect.scoped(taken.image.clone.pipe(Effect.flatMap((db) => db.snapshot)))
          : undefined
        return { fromCache: taken.fromCache, current: taken.current, copy }
      }),
    )
    const run = <A, E>(effect: Effect.Effect<A, E, Engine>) =>
      Effect.runPromise(effect.pipe(Effect.provide(layer)))
    const key = run(
      Effect.gen(function* () {
        const engine = yield* Engine
        return historyKey(`${engine.id}\n${engine.description}`, history)
      }),
    )
    const file = join(cacheFolder(), "snapshots", `${await key}.image.gz`)

    const first = await run(take)
    expect(first.fromCache).toBe(false)
    expect(first.copy).toEqual(first.current)
    expect(existsSync(file)).toBe(true)

    const hit = await run(take)
    expect(hit.fromCache).toBe(true)
    expect(hit.copy).toEqual(first.current)

    writeFileSync(file, "not gzip")
    const damaged = await run(take)
    expect(damaged.fromCache).toBe(false)
    expect(damaged.copy).toEqual(first.current)
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
  })
})
