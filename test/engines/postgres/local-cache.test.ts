/**
 * The local PostgreSQL backend's cached data folder, against the machine's initdb: the first start
 * runs initdb and caches its output, the next copies it; a partial or damaged entry falls back to
 * initdb and the run still works; AIM_NO_CACHE=1 bypasses the cache; a run changes nothing in the
 * entry and leaves nothing in its TMPDIR. Each test has its own cache folder and TMPDIR. Skipped,
 * with the reason printed, when initdb is not installed.
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
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { type LocalBackend, localBackend } from "../../../engines/postgres/backends/local.ts"
import { findLocalInstalls } from "../../../engines/postgres/backends/local-install.ts"
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

const installs = findLocalInstalls()
if (installs.length === 0) console.warn("skipped: local backend cache tests, initdb/pg_ctl not found")

let box = ""
let runTmp = ""
const savedTmp = process.env.TMPDIR
const savedNoCache = process.env.AIM_NO_CACHE

beforeAll(() => {
  box = mkdtempSync(join(tmpdir(), "aim-pg-cache-test-"))
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

/** Start the backend, make a table in a throwaway database, close the scope; what the run saw. */
async function runOnce(cacheDir: string) {
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const backend: LocalBackend = yield* localBackend("postgres-15", 15, installs, { cacheDir })
        const session = yield* backend.ephemeral
        yield* Effect.promise(() => session.exec("CREATE TABLE t (n int); INSERT INTO t VALUES (1)"))
        const rows = yield* Effect.promise(() => session.query<{ n: number }>("SELECT n FROM t"))
        const settings = yield* Effect.promise(() =>
          session.query<{ fsync: string }>("SELECT current_setting('fsync') AS fsync"),
        )
        return { backend, rows, fsync: settings[0]?.fsync, folder: backend.folder }
      }),
    ),
  )
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

const entryOf = (backend: LocalBackend) => {
  const folder = backend.start.cacheFolder
  if (!folder) throw new Error(`no cache folder in ${JSON.stringify(backend.start)}`)
  return folder
}

describe.skipIf(installs.length === 0)("local backend, cached data folder", () => {
  test("the first start runs initdb and caches it, the next copies the cache and leaves it unchanged", async () => {
    const cacheDir = freshCache()
    const first = await runOnce(cacheDir)
    expect(first.backend.start.from).toBe("initdb")
    expect(first.backend.start.note).toContain("cached for next time")
    expect(first.rows).toEqual([{ n: 1 }])
    const entry = entryOf(first.backend)
    // This run's socket folder and settings stay out of the cache.
    const conf = readFileSync(join(entry, "data", "postgresql.conf"), "utf8")
    expect(conf).not.toContain("aim: a throwaway cluster")
    expect(conf).not.toContain(runTmp)
    expect(existsSync(join(entry, "data", "postmaster.pid"))).toBe(false)
    const before = fingerprint(entry)

    const second = await runOnce(cacheDir)
    expect(second.backend.start.from).toBe("cache")
    expect(second.backend.detail).toContain("started from cached data folder")
    expect(second.rows).toEqual([{ n: 1 }])
    expect(second.fsync).toBe("off")
    expect(second.backend.serverVersion).toBe(first.backend.serverVersion)
    expect(second.folder).not.toBe(first.folder)
    expect(fingerprint(entry)).toBe(before)
    if (process.getuid?.() === 0) expect(statSync(entry).uid).toBe(0)

    for (const run of [first, second]) expect(existsSync(run.folder)).toBe(false)
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("a partial entry falls back to initdb, and that run replaces it", async () => {
    const cacheDir = freshCache()
    const entry = entryOf((await runOnce(cacheDir)).backend)
    rmSync(join(entry, "data", "PG_VERSION"))

    const fallback = await runOnce(cacheDir)
    expect(fallback.backend.start.from).toBe("initdb")
    expect(fallback.backend.start.note).toContain("incomplete")
    expect(fallback.rows).toEqual([{ n: 1 }])
    expect((await runOnce(cacheDir)).backend.start.from).toBe("cache")
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("an entry the server will not start from is dropped, and the run starts from initdb", async () => {
    const cacheDir = freshCache()
    const entry = entryOf((await runOnce(cacheDir)).backend)
    // Same size, so the entry looks whole: only starting the server finds the damage.
    const control = join(entry, "data", "global", "pg_control")
    writeFileSync(control, Buffer.alloc(statSync(control).size))

    const fallback = await runOnce(cacheDir)
    expect(fallback.backend.start.from).toBe("initdb")
    expect(fallback.backend.start.note).toContain("did not start from the cached data folder")
    expect(fallback.rows).toEqual([{ n: 1 }])
    const next = await runOnce(cacheDir)
    expect(next.backend.start.from).toBe("cache")
    expect(next.rows).toEqual([{ n: 1 }])
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("AIM_NO_CACHE=1 runs initdb and writes no cache", async () => {
    const cacheDir = freshCache()
    process.env.AIM_NO_CACHE = "1"
    try {
      const run = await runOnce(cacheDir)
      expect(run.backend.start.from).toBe("initdb")
      expect(run.backend.start.note).toContain("AIM_NO_CACHE=1")
      expect(run.rows).toEqual([{ n: 1 }])
    } finally {
      delete process.env.AIM_NO_CACHE
    }
    expect(readdirSync(cacheDir)).toEqual([])
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("two runs starting at once with no cache both work and leave one entry", async () => {
    const cacheDir = freshCache()
    const [a, b] = await Promise.all([runOnce(cacheDir), runOnce(cacheDir)])
    expect(a?.rows).toEqual([{ n: 1 }])
    expect(b?.rows).toEqual([{ n: 1 }])
    expect(readdirSync(join(cacheDir, "data-folders"))).toHaveLength(1)
    expect((await runOnce(cacheDir)).backend.start.from).toBe("cache")
    expect(readdirSync(runTmp)).toEqual([])
  })

  test("aim diff through the CLI twice: one cache entry, nothing left in TMPDIR or running", async () => {
    const box = makeSandbox("aim-pg-cli-")
    try {
      writeProject(box, {
        "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "local"\n',
        ...longHistory(3, "id integer PRIMARY KEY, v text"),
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
