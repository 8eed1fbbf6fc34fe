/**
 * The embedded backend's template: the data folder's tar is read once and written into each new
 * PGlite instance, which then owns its copy. Pins what the parser accepts and refuses, that
 * instances from one template never see each other's writes (also after a CHECKPOINT has written
 * them into the instance's files), and that a cached archive that is not a data folder is replaced
 * by one PostgreSQL has shut down cleanly.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { embeddedBackend } from "../../../engines/postgres/backends/embedded.ts"
import { cacheFile, readCache, writeCache } from "../../../engines/postgres/backends/pglite-cache.ts"
import { installedVersion, pickRelease } from "../../../engines/postgres/backends/pglite-releases.ts"
import { parseDataDirTar, writeTemplate } from "../../../engines/postgres/backends/pglite-template.ts"
import type { PgSession } from "../../../engines/postgres/session.ts"

// PGlite's initdb takes seconds, more on a loaded machine.
setDefaultTimeout(120_000)

interface TarEntry {
  readonly name: string
  readonly type?: string
  readonly data?: string
}

/** A ustar archive as PGlite's dumpDataDir writes one: a header per entry, data padded to 512 bytes. */
function ustar(entries: ReadonlyArray<TarEntry>): Uint8Array {
  const blocks: Uint8Array[] = []
  const encoder = new TextEncoder()
  for (const entry of entries) {
    const data = encoder.encode(entry.data ?? "")
    const header = new Uint8Array(512)
    const put = (offset: number, text: string) => header.set(encoder.encode(text), offset)
    put(0, entry.name)
    put(100, "0000750\0")
    put(124, `${data.length.toString(8).padStart(11, "0")}\0`)
    put(136, "00000000000\0")
    put(156, entry.type ?? "0")
    put(257, "ustar\0")
    put(263, "00")
    header.fill(0x20, 148, 156)
    const sum = header.reduce((total, byte) => total + byte, 0)
    put(148, `${sum.toString(8).padStart(6, "0")}\0 `)
    blocks.push(header, new Uint8Array(Math.ceil(data.length / 512) * 512))
    blocks.at(-1)?.set(data)
  }
  blocks.push(new Uint8Array(1024))
  const out = new Uint8Array(blocks.reduce((size, block) => size + block.length, 0))
  let offset = 0
  for (const block of blocks) {
    out.set(block, offset)
    offset += block.length
  }
  return out
}

const dataFolder: ReadonlyArray<TarEntry> = [
  { name: "/PG_VERSION", data: "18\n" },
  { name: "/base", type: "5" },
  { name: "/base/5", type: "5" },
  { name: "/base/5/1259", data: "x".repeat(700) },
]

describe("parseDataDirTar", () => {
  test("reads files and folders, relative to the data folder", () => {
    const tar = ustar(dataFolder)
    const template = parseDataDirTar(tar)
    expect(template.entries.map((entry) => [entry.path, entry.file ? "file" : "folder"])).toEqual([
      ["PG_VERSION", "file"],
      ["base", "folder"],
      ["base/5", "folder"],
      ["base/5/1259", "file"],
    ])
    const file = template.entries[3]?.file
    expect(file && new TextDecoder().decode(tar.subarray(file.start, file.end))).toBe("x".repeat(700))
  })

  test("refuses what is not an archive of a data folder", () => {
    const refused = (tar: Uint8Array) => {
      try {
        parseDataDirTar(tar)
        return "accepted"
      } catch (error) {
        return (error as Error).message
      }
    }
    const good = ustar(dataFolder)
    const badSum = good.slice()
    badSum[0] = "/".charCodeAt(0) + 1
    expect(refused(badSum)).toMatch(/damaged tar header/)
    const noMagic = good.slice()
    noMagic.fill(0, 257, 263)
    expect(refused(noMagic)).toMatch(/no ustar header/)
    expect(refused(good.subarray(0, 512 * 5))).toMatch(/cut short/)
    expect(refused(ustar([...dataFolder, { name: "/pg_tblspc/16384", type: "2" }]))).toMatch(/type "2"/)
    expect(refused(ustar([...dataFolder, { name: "/../escape", data: "x" }]))).toMatch(
      /leaves the data folder/,
    )
    expect(refused(ustar(dataFolder.slice(1)))).toMatch(/no PG_VERSION/)
  })

  test("each write gets its own copy of the bytes", () => {
    const template = parseDataDirTar(ustar(dataFolder))
    const written = new Map<string, Uint8Array>()
    const folders: string[] = []
    const fs = {
      mkdirTree: (path: string) => void folders.push(path),
      writeFile: (path: string, data: Uint8Array) => void written.set(path, data),
    }
    writeTemplate(fs, template, "/pglite/data")
    writeTemplate({ ...fs, writeFile: () => {} }, template, "/other")
    expect(folders).toContain("/pglite/data/base/5")
    const version = written.get("/pglite/data/PG_VERSION")
    expect(version && new TextDecoder().decode(version)).toBe("18\n")
    // What the instance writes into its files must not reach the template or other instances.
    version?.fill(0)
    const again = new Map<string, Uint8Array>()
    writeTemplate({ ...fs, writeFile: (path, data) => void again.set(path, data) }, template, "/pglite/data")
    const fresh = again.get("/pglite/data/PG_VERSION")
    expect(fresh && new TextDecoder().decode(fresh)).toBe("18\n")
  })
})

describe("embedded backend instances from one template", () => {
  const count = async (session: PgSession, sql: string) =>
    (await session.query<{ n: string }>(sql))[0]?.n ?? "missing"

  test("never see each other's writes, also after a checkpoint", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "aim-pglite-template-"))
    try {
      const seen = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* embeddedBackend("postgres", { cacheDir })
            const a = yield* backend.ephemeral
            // CHECKPOINT writes the new pages and catalog rows into the instance's files, which
            // start as slices of its copy of the template.
            yield* Effect.promise(() =>
              a.exec(
                "CREATE TABLE only_in_a (x int PRIMARY KEY); INSERT INTO only_in_a SELECT generate_series(1, 20000); CHECKPOINT",
              ),
            )
            const b = yield* backend.ephemeral
            const inB = yield* Effect.promise(() =>
              count(b, "SELECT count(*) AS n FROM pg_class WHERE relname = 'only_in_a'"),
            )
            const inA = yield* Effect.promise(() => count(a, "SELECT count(*) AS n FROM only_in_a"))
            // One started after `a` has been closed is as fresh as the first.
            yield* Effect.scoped(
              Effect.gen(function* () {
                const c = yield* backend.ephemeral
                yield* Effect.promise(() => c.exec("CREATE TABLE only_in_c (y int); CHECKPOINT"))
              }),
            )
            const d = yield* backend.ephemeral
            const inD = yield* Effect.promise(() =>
              count(d, "SELECT count(*) AS n FROM pg_class WHERE relname IN ('only_in_a', 'only_in_c')"),
            )
            return { inA, inB, inD }
          }),
        ),
      )
      expect(seen).toEqual({ inA: "20000", inB: "0", inD: "0" })
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  })

  test("a cached archive that is not a data folder is replaced by initdb's", async () => {
    // Plain `postgres` runs the newest release.
    const newest = pickRelease(undefined)
    const version = installedVersion(newest)
    if (!version) throw new Error(`${newest.packageName} is not installed`)
    const cacheDir = mkdtempSync(join(tmpdir(), "aim-pglite-template-"))
    try {
      expect(
        writeCache(
          cacheFile(cacheDir, version, newest.major),
          ustar([{ name: "/not-a-data-folder", data: "x" }]),
        ),
      ).toBe(true)
      const start = () =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const backend = yield* embeddedBackend("postgres", { cacheDir })
              const session = yield* backend.ephemeral
              const databases = yield* Effect.promise(() =>
                count(session, "SELECT count(*) AS n FROM pg_database"),
              )
              return { start: backend.start, databases }
            }),
          ),
        )
      const first = await start()
      expect(first.start.from).toBe("initdb")
      expect(first.start.note).toContain("not a data folder")
      expect(first.databases).toBe("3")
      // The new template was taken after PostgreSQL's shutdown checkpoint, so instances started
      // from it skip crash recovery: pg_control's `state` (a uint32 after the 8-byte system
      // identifier and two uint32 versions) is DB_SHUTDOWNED, 1.
      const cached = readCache(cacheFile(cacheDir, version, newest.major))
      if (!("tar" in cached)) throw new Error(`the cache was not written: ${cached.unusable}`)
      const control = parseDataDirTar(cached.tar).entries.find((entry) => entry.path === "global/pg_control")
      const state =
        control?.file && new DataView(cached.tar.buffer, cached.tar.byteOffset + control.file.start + 16, 4)
      expect(state && state.getUint32(0, true)).toBe(1)
      expect((await start()).start.from).toBe("cache")
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  })
})
