/**
 * The local MariaDB (or MySQL) backend's cached data folder, against the machine's mariadbd and
 * mariadb-install-db: the first start initializes and caches, the next copies the cache; a partial
 * or damaged entry falls back to a fresh initialization and the run still works; AIM_NO_CACHE=1
 * bypasses the cache; a run changes nothing in the entry and leaves nothing in its TMPDIR. Each test
 * has its own cache folder and TMPDIR. Skipped, with the reason printed, when no local server is
 * installed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { createHash } from "node:crypto"
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mysql from "mysql2/promise"
import {
  type BackendChoice,
  findLocalServer,
  type ServerAddress,
  startLocal,
} from "../../../engines/mysql/backends.ts"
import { flavorOf } from "../../../engines/mysql/flavor.ts"
import {
  disposeSandbox,
  longHistory,
  makeSandbox,
  processesUsing,
  runAim,
  tempLeft,
  writeProject,
} from "../../bad-input/_harness.ts"

setDefaultTimeout(120_000)

const flavor = flavorOf("mariadb", "10.11")
const found = findLocalServer(flavor)
const choice: Extract<BackendChoice, { kind: "local" }> | undefined = found
  ? { kind: "local", ...found, why: "test" }
  : undefined
if (!choice) console.warn("skipped: local MariaDB cache tests, no mariadbd and mariadb-install-db here")

let box = ""
let runTmp = ""
const savedTmp = process.env.TMPDIR
const savedNoCache = process.env.AIM_NO_CACHE

beforeAll(() => {
  box = mkdtempSync(join(tmpdir(), "aim-mariadb-cache-test-"))
  // The server's unprivileged user must reach its folder inside the run's TMPDIR.
  chmodSync(box, 0o755)
  runTmp = join(box, "tmp")
  mkdirSync(runTmp)
  chmodSync(runTmp, 0o1777)
  process.env.TMPDIR = runTmp
  // These tests turn the cache off themselves where they mean to.
  delete process.env.AIM_NO_CACHE
})

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
  if (savedNoCache !== undefined) process.env.AIM_NO_CACHE = savedNoCache
  rmSync(box, { recursive: true, force: true })
})

const freshCache = () => mkdtempSync(join(box, "cache-"))

const connects = async (address: ServerAddress) => {
  try {
    const conn = await mysql.createConnection({ socketPath: address.socketPath, user: address.user })
    await conn.end()
    return true
  } catch {
    return false
  }
}

/** Start the server, make a table in a database of its own, stop it; what the run saw. */
async function runOnce(cacheDir: string) {
  if (!choice) throw new Error("no local server")
  const server = await startLocal(flavor, choice, connects, { cacheDir })
  const folder = String(server.address.socketPath).replace(/\/mysqld\.sock$/, "")
  try {
    const conn = await mysql.createConnection({ socketPath: server.address.socketPath, user: "root" })
    try {
      await conn.query("CREATE DATABASE aim_cache_test")
      await conn.query("CREATE TABLE aim_cache_test.t (n int) ENGINE=InnoDB")
      await conn.query("INSERT INTO aim_cache_test.t VALUES (1)")
      const [rows] = await conn.query("SELECT n FROM aim_cache_test.t")
      const [charset] = await conn.query("SELECT @@character_set_server AS c")
      return {
        start: server.start,
        note: server.note,
        rows: (rows as Array<{ n: number }>).map((r) => ({ n: r.n })),
        charset: (charset as Array<{ c: string }>).map((r) => ({ c: r.c })),
        folder,
      }
    } finally {
      await conn.end()
    }
  } finally {
    await server.stop()
  }
}

/** Every file under `folder` with its size, mode and content hash: proof that nothing changed. */
function fingerprint(folder: string): string {
  const lines: string[] = []
  const visit = (path: string) => {
    const stat = lstatSync(path)
    const rel = path.slice(folder.length)
    if (stat.isDirectory()) {
      lines.push(`${rel}/ ${stat.mode}`)
      for (const name of readdirSync(path).sort()) visit(join(path, name))
    } else
      lines.push(
        `${rel} ${stat.mode} ${stat.size} ${createHash("sha1").update(readFileSync(path)).digest("hex")}`,
      )
  }
  visit(folder)
  return lines.join("\n")
}

const entryOf = (start: { cacheFolder?: string | undefined }) => {
  if (!start.cacheFolder) throw new Error(`no cache folder in ${JSON.stringify(start)}`)
  return start.cacheFolder
}

describe.skipIf(!choice)("local MariaDB, cached data folder", () => {
  test("the first start initializes and caches, the next copies the cache and leaves it unchanged", async () => {
    const cacheDir = freshCache()
    const first = await runOnce(cacheDir)
    expect(first.start.from).toBe("initialize")
    expect(first.start.note).toContain("cached for next time")
    expect(first.rows).toEqual([{ n: 1 }])
    const entry = entryOf(first.start)
    const before = fingerprint(entry)

    const second = await runOnce(cacheDir)
    expect(second.start.from).toBe("cache")
    expect(second.note).toBe("started from cached data folder")
    expect(second.rows).toEqual([{ n: 1 }])
    expect(second.charset).toEqual([{ c: "utf8mb4" }])
    expect(second.folder).not.toBe(first.folder)
    expect(fingerprint(entry)).toBe(before)

    for (const run of [first, second]) expect(existsSync(run.folder)).toBe(false)
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("a partial entry falls back to a fresh initialization, and that run replaces it", async () => {
    const cacheDir = freshCache()
    const entry = entryOf((await runOnce(cacheDir)).start)
    rmSync(join(entry, "data", "ibdata1"))

    const fallback = await runOnce(cacheDir)
    expect(fallback.start.from).toBe("initialize")
    expect(fallback.start.note).toContain("incomplete")
    expect(fallback.rows).toEqual([{ n: 1 }])
    expect((await runOnce(cacheDir)).start.from).toBe("cache")
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("an entry the server will not start from is dropped, and the run initializes afresh", async () => {
    const cacheDir = freshCache()
    const entry = entryOf((await runOnce(cacheDir)).start)
    // Same size, so the entry looks whole: only starting the server finds the damage.
    const log = join(entry, "data", "ib_logfile0")
    writeFileSync(log, Buffer.alloc(lstatSync(log).size, 0xff))

    const fallback = await runOnce(cacheDir)
    expect(fallback.start.from).toBe("initialize")
    expect(fallback.start.note).toContain("did not start from the cached data folder")
    expect(fallback.rows).toEqual([{ n: 1 }])
    const next = await runOnce(cacheDir)
    expect(next.start.from).toBe("cache")
    expect(next.rows).toEqual([{ n: 1 }])
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("AIM_NO_CACHE=1 initializes and writes no cache", async () => {
    const cacheDir = freshCache()
    process.env.AIM_NO_CACHE = "1"
    try {
      const run = await runOnce(cacheDir)
      expect(run.start.from).toBe("initialize")
      expect(run.start.note).toContain("AIM_NO_CACHE=1")
      expect(run.rows).toEqual([{ n: 1 }])
    } finally {
      delete process.env.AIM_NO_CACHE
    }
    expect(readdirSync(cacheDir)).toEqual([])
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("aim diff through the CLI twice: one cache entry, nothing left in TMPDIR or running", async () => {
    const box = makeSandbox("aim-mariadb-cli-")
    try {
      writeProject(box, {
        "aim.toml": 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "local"\n',
        ...longHistory(3, "id int PRIMARY KEY, v text"),
      })
      const cache = { AIM_CACHE_DIR: join(box.root, "cache") }
      for (const run of ["first run", "second run"]) {
        const result = await runAim(box, ["diff"], cache)
        expect(result.code, `${run}: ${result.stdout}${result.stderr}`).toBe(0)
        expect(result.stdout).toContain("1 change")
        expect(tempLeft(box)).toEqual([])
        expect(processesUsing(box.tmp)).toEqual([])
      }
      expect(readdirSync(join(box.root, "cache", "data-folders"))).toHaveLength(1)
    } finally {
      disposeSandbox(box)
    }
  })
})
