/**
 * Embedded PostgreSQL runs the asked major: each PGlite release aim carries is started through the
 * embedded backend and asked `select version()`, and a feature that exists only from PostgreSQL 18
 * on (`DEFAULT uuidv7()`) fails on the older majors and works on the newer ones. A major PGlite has
 * no release of gets the nearest newer one, and the backend says which majors it has. Cold starts
 * (initdb) use the run's cache folder, shared with the other tests.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect } from "effect"
import { embeddedBackend } from "../../../engines/postgres/backends/embedded.ts"
import { cacheFile, defaultCacheDir } from "../../../engines/postgres/backends/pglite-cache.ts"
import {
  embeddedMajors,
  installedVersion,
  PGLITE_RELEASES,
  pickRelease,
} from "../../../engines/postgres/backends/pglite-releases.ts"

// A release's first start runs its initdb: seconds each, more on a loaded machine.
setDefaultTimeout(120_000)

describe("which release serves an engine id", () => {
  test("the asked major, else the nearest newer one, else the newest", () => {
    const majorFor = (asked: number | undefined) => pickRelease(asked).major
    expect(PGLITE_RELEASES.map((release) => release.major)).toEqual([16, 17, 18, 19])
    expect([10, 15, 16, 17, 18, 19, 20].map(majorFor)).toEqual([16, 16, 16, 17, 18, 19, 19])
    expect(majorFor(undefined)).toBe(19)
    expect(embeddedMajors()).toBe("16, 17, 18 and 19")
  })

  test("every release is installed under its own name, at its own version", () => {
    const versions = PGLITE_RELEASES.map((release) => installedVersion(release))
    expect(versions.every((version) => version !== undefined)).toBe(true)
    expect(new Set(versions).size).toBe(PGLITE_RELEASES.length)
  })
})

describe("each release runs its PostgreSQL major", () => {
  for (const release of PGLITE_RELEASES) {
    test(`postgres-${release.major}`, async () => {
      const seen = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* embeddedBackend(`postgres-${release.major}`)
            const session = yield* backend.ephemeral
            const [row] = yield* Effect.promise(() =>
              session.query<{ version: string }>("SELECT version() AS version"),
            )
            const uuidv7 = yield* Effect.promise(() =>
              session.exec("CREATE TABLE t (id uuid DEFAULT uuidv7() PRIMARY KEY)").then(
                () => "created",
                (error: Error) => error.message,
              ),
            )
            return { backend, version: row?.version ?? "", uuidv7 }
          }),
        ),
      )
      expect(seen.version).toStartWith(`PostgreSQL ${release.major}.`)
      expect(seen.backend.serverVersion).toStartWith(`${release.major}.`)
      expect(seen.backend.release).toEqual({ major: release.major, version: installedVersion(release) })
      // uuidv7() came with PostgreSQL 18.
      expect(seen.uuidv7).toBe(release.major >= 18 ? "created" : "function uuidv7() does not exist")
      // Each major keeps its own initialized data folder.
      const version = installedVersion(release) ?? ""
      expect(seen.backend.start.cacheFile).toBe(cacheFile(defaultCacheDir(), version, release.major))
    })
  }

  test("a major with no release of its own runs the nearest newer one, and says which majors there are", async () => {
    const backend = await Effect.runPromise(Effect.scoped(embeddedBackend("postgres-15")))
    expect(backend.serverVersion).toStartWith("16.")
    expect(backend.mismatchHint).toBe("embedded PGlite runs PostgreSQL 16, 17, 18 and 19")
  })
})
