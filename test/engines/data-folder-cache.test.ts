/**
 * The data-folder cache on its own, with small folders standing in for a server's initialized data:
 * keys, atomic and concurrent stores, damaged entries, pruning, AIM_NO_CACHE=1. The local backends'
 * own tests (test/engines/postgres/local-cache.test.ts, test/engines/mysql/local-cache.test.ts) start
 * real servers from it.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import {
  checkEntry,
  copyOut,
  dataFolderEntry,
  dropEntry,
  rememberedVersion,
  storeEntry,
} from "../../engines/data-folder-cache.ts"

let root = ""
let cacheDir = ""
let data = ""

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aim-dfc-test-"))
  cacheDir = join(root, "cache")
  data = join(root, "initialized")
  mkdirSync(join(data, "base", "1"), { recursive: true, mode: 0o700 })
  writeFileSync(join(data, "PG_VERSION"), "15\n")
  writeFileSync(join(data, "base", "1", "1259"), Buffer.alloc(8192, 7))
  // Mostly zeros, like a fresh WAL segment or InnoDB log: stored sparse where cp can.
  const log = Buffer.alloc(1 << 20)
  log.write("header")
  writeFileSync(join(data, "log"), log)
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

const entryFor = (inputs: string[] = ["15.20", "-A", "trust"]) =>
  dataFolderEntry({ name: "postgres-15.20", source: "/x/initdb", inputs, cacheDir, env: {} })

describe("data-folder cache", () => {
  test("the key follows every input; AIM_NO_CACHE=1 turns the cache off", () => {
    const a = entryFor()
    expect(a?.folder.startsWith(join(cacheDir, "data-folders", "postgres-15.20-"))).toBe(true)
    expect(entryFor()?.key).toBe(a?.key as string)
    expect(entryFor(["15.21", "-A", "trust"])?.key).not.toBe(a?.key as string)
    expect(entryFor(["15.20", "-A", "md5"])?.key).not.toBe(a?.key as string)
    expect(
      dataFolderEntry({ name: "p", source: "/x/initdb", inputs: [], cacheDir, env: { AIM_NO_CACHE: "1" } }),
    ).toBeUndefined()
    // Without a cacheDir it lands where the snapshot cache does.
    expect(
      dataFolderEntry({
        name: "p",
        source: "/x",
        inputs: [],
        env: { AIM_CACHE_DIR: "/c" },
      })?.folder.startsWith("/c/data-folders/p-"),
    ).toBe(true)
  })

  test("stores a copy atomically, reads it back whole, and leaves no staging folder", async () => {
    const entry = entryFor()
    if (!entry) throw new Error("cache off")
    expect(checkEntry(entry)).toEqual({ usable: false, why: "no cached data folder yet" })
    expect(await storeEntry(entry, data)).toBe(true)
    expect(checkEntry(entry)).toEqual({ usable: true })
    expect(readdirSync(dirname(entry.folder))).toEqual([entry.folder.split("/").pop() as string])
    expect(statSync(join(entry.data, "base")).mode & 0o777).toBe(0o700)

    const copy = join(root, "run", "data")
    mkdirSync(dirname(copy))
    await copyOut(entry, copy, undefined)
    expect(readFileSync(join(copy, "PG_VERSION"), "utf8")).toBe("15\n")
    expect(readFileSync(join(copy, "log")).subarray(0, 6).toString()).toBe("header")
    expect(statSync(join(copy, "log")).size).toBe(1 << 20)
    // The run's copy is its own: writing to it leaves the entry as it was.
    writeFileSync(join(copy, "PG_VERSION"), "changed")
    expect(readFileSync(join(entry.data, "PG_VERSION"), "utf8")).toBe("15\n")
    expect(checkEntry(entry)).toEqual({ usable: true })
  })

  test("two concurrent writers: one entry, both succeed, nothing else left", async () => {
    const entry = entryFor()
    if (!entry) throw new Error("cache off")
    const results = await Promise.all([
      storeEntry(entry, data),
      storeEntry(entry, data),
      storeEntry(entry, data),
    ])
    expect(results).toEqual([true, true, true])
    expect(checkEntry(entry)).toEqual({ usable: true })
    expect(readdirSync(dirname(entry.folder))).toHaveLength(1)
  })

  test("a partial, truncated or foreign entry is not used, and the next store replaces it", async () => {
    const entry = entryFor()
    if (!entry) throw new Error("cache off")
    await storeEntry(entry, data)

    rmSync(join(entry.data, "base", "1", "1259"))
    const partial = checkEntry(entry)
    expect(partial.usable).toBe(false)
    expect(!partial.usable && partial.why).toContain("incomplete")
    expect(await storeEntry(entry, data)).toBe(true)
    expect(checkEntry(entry)).toEqual({ usable: true })

    truncateSync(join(entry.data, "log"), 100)
    expect(checkEntry(entry).usable).toBe(false)
    expect(await storeEntry(entry, data)).toBe(true)
    expect(checkEntry(entry)).toEqual({ usable: true })

    writeFileSync(join(entry.folder, "aim-cache.json"), "{not json")
    expect(checkEntry(entry)).toEqual({ usable: false, why: "the cache marker is unreadable" })
    expect(await storeEntry(entry, data)).toBe(true)

    // A folder with data but no marker is what a writer that died before its rename would leave
    // at the entry's name, were it not for the staging folder: never used.
    rmSync(join(entry.folder, "aim-cache.json"))
    expect(checkEntry(entry).usable).toBe(false)
    expect(readdirSync(dirname(entry.folder)).filter((n) => n.includes(".gone-"))).toEqual([])
  })

  test("a dropped entry is gone; old entries of the same program and dead writers' staging are pruned", async () => {
    const old = entryFor(["15.19"])
    const other = dataFolderEntry({ name: "mariadb", source: "/x/install-db", inputs: [], cacheDir, env: {} })
    const current = entryFor(["15.20"])
    if (!old || !other || !current) throw new Error("cache off")
    await storeEntry(old, data)
    await storeEntry(other, data)
    const staging = `${current.folder}.tmp-1-deadbeef`
    mkdirSync(join(staging, "data"), { recursive: true })
    const longAgo = new Date(Date.now() - 60 * 60_000)
    utimesSync(staging, longAgo, longAgo)
    const fresh = `${current.folder}.tmp-2-cafebabe`
    mkdirSync(fresh)

    await storeEntry(current, data)
    expect(existsSync(old.folder)).toBe(false)
    expect(existsSync(other.folder)).toBe(true)
    expect(existsSync(staging)).toBe(false)
    // A staging folder this young may belong to a run writing right now.
    expect(existsSync(fresh)).toBe(true)

    dropEntry(current)
    expect(existsSync(current.folder)).toBe(false)
    expect(checkEntry(current).usable).toBe(false)
  })

  test("a cache folder that cannot be written costs only the copy", async () => {
    writeFileSync(join(root, "file"), "")
    const entry = dataFolderEntry({
      name: "p",
      source: "/x",
      inputs: [],
      cacheDir: join(root, "file"),
      env: {},
    })
    if (!entry) throw new Error("cache off")
    expect(await storeEntry(entry, data)).toBe(false)
    expect(checkEntry(entry).usable).toBe(false)
  })

  test("a program's version is asked once per file, and a damaged answer is asked again", () => {
    const program = join(root, "server")
    writeFileSync(program, "#!/bin/sh\n")
    const env = { AIM_CACHE_DIR: cacheDir }
    let asked = 0
    const ask = () => {
      asked += 1
      return "10.11.19-MariaDB"
    }
    expect(rememberedVersion(program, ask, env)).toBe("10.11.19-MariaDB")
    expect(rememberedVersion(program, ask, env)).toBe("10.11.19-MariaDB")
    expect(asked).toBe(1)
    const [file] = readdirSync(join(cacheDir, "program-versions"))
    writeFileSync(join(cacheDir, "program-versions", file as string), "garbage")
    expect(rememberedVersion(program, ask, env)).toBe("10.11.19-MariaDB")
    expect(asked).toBe(2)
    // A replaced program is a new file: asked again.
    writeFileSync(program, "#!/bin/sh\n# upgraded\n")
    expect(rememberedVersion(program, () => "11.4.2-MariaDB", env)).toBe("11.4.2-MariaDB")
    expect(rememberedVersion(program, ask, { ...env, AIM_NO_CACHE: "1" })).toBe("10.11.19-MariaDB")
    expect(asked).toBe(3)
    expect(rememberedVersion(join(root, "missing"), () => undefined, env)).toBeUndefined()
  })
})
