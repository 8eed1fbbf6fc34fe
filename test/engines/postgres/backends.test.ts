/**
 * The PostgreSQL backends against what this machine has: the server at 127.0.0.1:5432 (url), the
 * installed initdb/pg_ctl (local), PGlite (embedded), and Docker when a daemon answers. Each test
 * that needs something missing is skipped with the reason printed. Timings are printed, not asserted.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import postgres from "postgres"
import { getContainerRuntimeClient } from "testcontainers"
import {
  type BackendFacts,
  chooseBackend,
  needsDockerProbe,
  resolveUrl,
} from "../../../engines/postgres/backends/auto.ts"
import type { PgBackend } from "../../../engines/postgres/backends/backend.ts"
import {
  dockerBackend,
  dockerCommand,
  dockerImage,
  mayHaveContainerRuntime,
  probeDocker,
} from "../../../engines/postgres/backends/docker.ts"
import { embeddedBackend, type PgliteAssets } from "../../../engines/postgres/backends/embedded.ts"
import { localBackend } from "../../../engines/postgres/backends/local.ts"
import {
  findLocalInstalls,
  parseInitdbVersion,
  pickInstall,
} from "../../../engines/postgres/backends/local-install.ts"
import { cacheFile, readCache, writeCache } from "../../../engines/postgres/backends/pglite-cache.ts"
import { redactorFor, redactUrl } from "../../../engines/postgres/backends/redact.ts"
import { dropStatements } from "../../../engines/postgres/backends/throwaway.ts"
import { urlBackend } from "../../../engines/postgres/backends/url.ts"
import type { PgSession } from "../../../engines/postgres/session.ts"
import { PG_TEST_URL, pgAnswers } from "../../_servers.ts"
import { throwawayPattern } from "../../../engines/run-mark.ts"

// Creating and dropping databases on a shared, busy server takes seconds; bunfig.toml has no
// per-test timeout setting (only --timeout and this call change the 5 s default).
setDefaultTimeout(60_000)

const serverUrl = PG_TEST_URL
const serverAnswers = pgAnswers

const hasServer = await serverAnswers(serverUrl)
const installs = findLocalInstalls()
const docker = await getContainerRuntimeClient().then(
  () => ({ available: true as const }),
  (error: Error) => ({
    available: false as const,
    reason: `getContainerRuntimeClient() failed: ${error.message}`,
  }),
)
if (!hasServer) console.warn(`skipped: url backend tests, no PostgreSQL answers at ${redactUrl(serverUrl)}`)
if (installs.length === 0) console.warn("skipped: local backend tests, initdb/pg_ctl not found")
if (!docker.available) console.warn(`skipped: docker backend test, ${docker.reason}`)

// Server starts and PGlite's initdb take seconds, more on a loaded machine; the slow tests say so.
const ms = (start: number) => `${Math.round(performance.now() - start)} ms`
const currentDatabase = async (session: PgSession) =>
  (await session.query<{ name: string }>("SELECT current_database() AS name"))[0]?.name ?? ""

/** Whether `pid` runs; a zombie (exited, waiting for init to reap it) does not. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== "Z" && state !== "X"
  } catch {
    return true
  }
}

/** Which of `names` still exist on the shared server. */
async function remaining(names: ReadonlyArray<string>): Promise<string[]> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql<
      { datname: string }[]
    >`SELECT datname FROM pg_database WHERE datname = ANY(${[...names]})`
    return rows.map((r) => r.datname)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

describe("url backend", () => {
  const engine = "postgres-15"

  test.skipIf(!hasServer)(
    "creates a throwaway aim_* database per ephemeral and drops it with the scope",
    async () => {
      const names: string[] = []
      const started = performance.now()
      let firstReady = ""
      const version = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* urlBackend(engine, serverUrl)
            const session = yield* backend.ephemeral
            firstReady = ms(started)
            const name = yield* Effect.promise(() => currentDatabase(session))
            names.push(name)
            yield* Effect.promise(() =>
              session.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)"),
            )
            const rows = yield* Effect.promise(() => session.query<{ id: number }>("SELECT id FROM t"))
            expect(rows).toEqual([{ id: 1 }])
            expect(yield* Effect.promise(() => remaining(names))).toEqual([name])
            return backend.serverVersion
          }),
        ),
      )
      console.log(`url backend: PostgreSQL ${version}, first throwaway database ready in ${firstReady}`)
      expect(names[0]).toMatch(throwawayPattern)
      expect(await remaining(names)).toEqual([])
    },
  )

  test.skipIf(!hasServer)("two concurrent ephemerals are separate databases", async () => {
    const names: string[] = []
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const [a, b] = yield* Effect.all([backend.ephemeral, backend.ephemeral], { concurrency: 2 })
          names.push(
            yield* Effect.promise(() => currentDatabase(a)),
            yield* Effect.promise(() => currentDatabase(b)),
          )
          yield* Effect.promise(() => a.exec("CREATE TABLE only_in_a (x int)"))
          const seen = yield* Effect.promise(() =>
            b.query<{ n: string }>("SELECT count(*) AS n FROM pg_class WHERE relname = 'only_in_a'"),
          )
          expect(seen).toEqual([{ n: "0" }])
        }),
      ),
    )
    expect(new Set(names).size).toBe(2)
    expect(await remaining(names)).toEqual([])
  })

  test.skipIf(!hasServer)("drops the database when the scope fails or is interrupted", async () => {
    const names: string[] = []
    class Boom {
      readonly _tag = "Boom"
    }
    const failed = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const session = yield* backend.ephemeral
          names.push(yield* Effect.promise(() => currentDatabase(session)))
          return yield* Effect.fail(new Boom())
        }),
      ),
    )
    expect(Exit.isFailure(failed)).toBe(true)

    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const ready = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(
            Effect.scoped(
              Effect.gen(function* () {
                const session = yield* backend.ephemeral
                names.push(yield* Effect.promise(() => currentDatabase(session)))
                yield* Deferred.succeed(ready, undefined)
                return yield* Effect.never
              }),
            ),
          )
          yield* Deferred.await(ready)
          yield* Fiber.interrupt(fiber)
          // Dropped when the interrupted fiber's scope closed, before the backend's own scope ends.
          expect(yield* Effect.promise(() => remaining(names))).toEqual([])
        }),
      ),
    )
    expect(names).toHaveLength(2)
    expect(await remaining(names)).toEqual([])
  })

  test("never shows the URL's password", async () => {
    const url = "postgres://aim:s3cret%2Fpass@127.0.0.1:1/postgres"
    const exit = await Effect.runPromiseExit(Effect.scoped(urlBackend("postgres-17", url)))
    expect(Exit.isFailure(exit)).toBe(true)
    const text = Exit.isFailure(exit) ? String(exit.cause) : ""
    expect(text).toContain("EngineFailed")
    expect(text).not.toContain("s3cret")
    expect(redactUrl(url)).toBe("postgres://aim:***@127.0.0.1:1/postgres")
    expect(redactorFor(url)(`failed for ${url} (password s3cret/pass)`)).not.toContain("s3cret")
  })

  test("drops with FORCE from PostgreSQL 13, ends sessions first before that", () => {
    expect(dropStatements("aim_1", 150004)).toEqual(['DROP DATABASE IF EXISTS "aim_1" WITH (FORCE)'])
    const old = dropStatements("aim_1", 120010)
    expect(old).toHaveLength(2)
    expect(old[0]).toContain("pg_terminate_backend")
  })
})

describe("local backend", () => {
  test("finds installs and picks the asked major, else the newest", () => {
    expect(parseInitdbVersion("initdb (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)")).toBe("15.20")
    const found = [
      { binDir: "/a/17", version: "17.2", major: 17 },
      { binDir: "/a/15", version: "15.20", major: 15 },
    ]
    expect(pickInstall(found, 15)?.binDir).toBe("/a/15")
    expect(pickInstall(found, 16)?.binDir).toBe("/a/17")
    expect(pickInstall(found, undefined)?.binDir).toBe("/a/17")
    expect(pickInstall([], 17)).toBeUndefined()
  })

  test.skipIf(installs.length === 0)(
    "starts one private server, hands out databases, and removes server and folder at the end",
    async () => {
      let folder = ""
      let pid = 0
      const timings: string[] = []
      const started = performance.now()
      const backend = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* localBackend("postgres-15", 15, installs)
            folder = backend.folder
            pid = Number(readFileSync(join(folder, "data", "postmaster.pid"), "utf8").split("\n")[0])
            const first = yield* backend.ephemeral
            timings.push(`first database ${ms(started)}`)
            const beforeSecond = performance.now()
            const second = yield* backend.ephemeral
            timings.push(`second database +${ms(beforeSecond)}`)
            const settings = yield* Effect.promise(() =>
              first.query<{ fsync: string }>("SELECT current_setting('fsync') AS fsync"),
            )
            expect(settings).toEqual([{ fsync: "off" }])
            expect(yield* Effect.promise(() => currentDatabase(second))).toMatch(/^aim_/)
            return backend as PgBackend
          }),
        ),
      )
      console.log(
        `local backend: PostgreSQL ${backend.serverVersion} (${backend.detail}): ${timings.join(", ")}`,
      )
      expect(backend.serverVersion).toMatch(/^\d+\.\d+/)
      if (process.getuid?.() === 0) expect(backend.detail).toContain("run as user")
      expect(existsSync(folder)).toBe(false)
      expect(isRunning(pid)).toBe(false)
    },
    60_000,
  )

  test.skipIf(installs.length === 0)(
    "stops the server and removes its folder when the scope is interrupted",
    async () => {
      let folder = ""
      let pid = 0
      await Effect.runPromise(
        Effect.gen(function* () {
          const ready = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(
            Effect.scoped(
              Effect.gen(function* () {
                const backend = yield* localBackend("postgres", undefined, installs)
                folder = backend.folder
                pid = Number(readFileSync(join(folder, "data", "postmaster.pid"), "utf8").split("\n")[0])
                yield* Deferred.succeed(ready, undefined)
                return yield* Effect.never
              }),
            ),
          )
          yield* Deferred.await(ready)
          yield* Fiber.interrupt(fiber)
        }),
      )
      expect(folder).not.toBe("")
      expect(existsSync(folder)).toBe(false)
      expect(isRunning(pid)).toBe(false)
    },
    60_000,
  )
})

async function holdAndSignal(signal: "SIGINT" | "SIGTERM") {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "_hold-local-server.ts")], {
    stdout: "pipe",
    stderr: "pipe",
  })
  const reader = child.stdout.getReader()
  let text = ""
  while (!text.includes("\n")) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  if (!text.includes("\n"))
    throw new Error(`the fixture did not start: ${await new Response(child.stderr).text()}`)
  const held = JSON.parse(text) as { folder: string; pid: number }
  expect(existsSync(held.folder)).toBe(true)
  expect(isRunning(held.pid)).toBe(true)
  child.kill(signal)
  await child.exited
  return held
}

describe("local backend, signalled", () => {
  test.skipIf(installs.length === 0)(
    "Ctrl-C and SIGTERM stop the server and remove its folder",
    async () => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        const held = await holdAndSignal(signal)
        expect(existsSync(held.folder)).toBe(false)
        expect(isRunning(held.pid)).toBe(false)
      }
    },
    60_000,
  )
})

describe("embedded backend", () => {
  test("caches an initialized data folder and starts from it the next time", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "aim-pglite-cache-"))
    try {
      const startOnce = async (assets?: PgliteAssets) => {
        const started = performance.now()
        let ready = ""
        const result = await Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const backend = yield* embeddedBackend("postgres-17", { cacheDir, assets })
              const a = yield* backend.ephemeral
              ready = ms(started)
              const b = yield* backend.ephemeral
              yield* Effect.promise(() =>
                a.exec("CREATE TABLE only_in_a (x int8); INSERT INTO only_in_a VALUES (1)"),
              )
              const inA = yield* Effect.promise(() => a.query("SELECT x FROM only_in_a"))
              const inB = yield* Effect.promise(() =>
                b.query<{ n: string }>("SELECT count(*) AS n FROM pg_class WHERE relname = 'only_in_a'"),
              )
              return { backend, inA, inB }
            }),
          ),
        )
        return { ...result, ready }
      }
      const cold = await startOnce()
      expect(cold.backend.start.from).toBe("initdb")
      expect(cold.backend.start.cacheFile).toBeDefined()
      expect(existsSync(cold.backend.start.cacheFile ?? "")).toBe(true)
      // int8 comes back as text, as postgres.js returns it, so catalog code sees one shape.
      expect(cold.inA).toEqual([{ x: "1" }])
      expect(cold.inB).toEqual([{ n: "0" }])

      const warm = await startOnce()
      expect(warm.backend.start.from).toBe("cache")
      expect(warm.backend.serverVersion).toBe(cold.backend.serverVersion)
      console.log(
        `embedded backend: PostgreSQL ${cold.backend.serverVersion} (${cold.backend.detail}); ` +
          `first database cold ${cold.ready}, warm ${warm.ready}`,
      )

      // As a compiled binary runs it: the wasm modules and file bundle supplied, not looked up.
      const dist = dirname(createRequire(import.meta.url).resolve("pglite-17"))
      const supplied = await startOnce({
        17: {
          pgliteWasmModule: await WebAssembly.compile(readFileSync(join(dist, "pglite.wasm"))),
          initdbWasmModule: await WebAssembly.compile(readFileSync(join(dist, "initdb.wasm"))),
          fsBundle: new Blob([readFileSync(join(dist, "pglite.data"))]),
          version: "supplied",
        },
      })
      expect(supplied.backend.start.from).toBe("initdb")
      expect(supplied.backend.start.cacheFile).toBe(cacheFile(cacheDir, "supplied", 17))
      expect(supplied.inA).toEqual([{ x: "1" }])
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  }, 120_000)

  test("a damaged or foreign cache file is not used", () => {
    const folder = mkdtempSync(join(tmpdir(), "aim-pglite-cache-"))
    try {
      const file = join(folder, "pglite-test.tar.gz")
      expect(readCache(file)).toEqual({ unusable: "no cache yet" })
      writeFileSync(file, "not gzip")
      expect("unusable" in readCache(file)).toBe(true)
      expect(writeCache(file, new Uint8Array(1024))).toBe(true)
      expect(readCache(file)).toEqual({ unusable: "cache file is not a tar archive" })
      const tar = new Uint8Array(1024)
      tar.set(new TextEncoder().encode("ustar"), 257)
      expect(writeCache(file, tar)).toBe(true)
      expect("tar" in readCache(file)).toBe(true)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})

describe("docker backend", () => {
  test("image and server settings follow the engine id", () => {
    expect(dockerImage(17)).toBe("postgres:17")
    expect(dockerImage(undefined)).toBe("postgres:latest")
    expect(dockerCommand()).toEqual([
      "postgres",
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "synchronous_commit=off",
    ])
  })

  test("a machine with no runtime socket or setting is answered without loading Testcontainers", async () => {
    const home = mkdtempSync(join(tmpdir(), "aim-home-"))
    try {
      expect(mayHaveContainerRuntime({}, home)).toBe(false)
      expect(mayHaveContainerRuntime({ DOCKER_HOST: "tcp://10.0.0.1:2375" }, home)).toBe(true)
      mkdirSync(join(home, ".docker/run"), { recursive: true })
      writeFileSync(join(home, ".docker/run/docker.sock"), "")
      expect(mayHaveContainerRuntime({}, home)).toBe(true)
      if (!mayHaveContainerRuntime(process.env)) {
        const started = performance.now()
        expect(await Effect.runPromise(probeDocker())).toMatchObject({ available: false })
        expect(performance.now() - started).toBeLessThan(1000)
      }
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  test.skipIf(!docker.available)(
    "runs throwaway databases in a container removed at the end, or says the image cannot be had",
    async () => {
      const started = performance.now()
      const exit = await Effect.runPromiseExit(
        Effect.scoped(
          Effect.gen(function* () {
            const backend = yield* dockerBackend("postgres-15", 15)
            const session = yield* backend.ephemeral
            expect(yield* Effect.promise(() => currentDatabase(session))).toMatch(/^aim_/)
            return backend.serverVersion
          }),
        ),
      )
      if (Exit.isSuccess(exit)) {
        console.log(`docker backend: PostgreSQL ${exit.value}, first database in ${ms(started)}`)
        expect(exit.value).toMatch(/^15\./)
        return
      }
      // A daemon without the image and no registry: said before anything starts (auto then moves on).
      const failure = Cause.findErrorOption(exit.cause)
      expect(failure._tag === "Some" ? failure.value._tag : "none").toBe("ImageUnavailable")
      console.warn("docker backend: postgres:15 is not on the daemon and cannot be pulled")
    },
    180_000,
  )
})

describe("auto selection", () => {
  const base: BackendFacts = {
    requested: undefined,
    url: undefined,
    docker: { available: false, reason: "no Docker daemon" },
    localInstalls: [],
  }
  const local = [{ binDir: "/usr/lib/postgresql/15/bin", version: "15.20", major: 15 }]
  const url = { value: "postgres://u@h/db", from: "AIM_POSTGRES_URL" }

  test("auto prefers url, then Docker, then local, then embedded, and says why", () => {
    expect(chooseBackend({ ...base, url, docker: undefined })).toEqual({
      backend: "url",
      reason: "url from AIM_POSTGRES_URL",
    })
    expect(chooseBackend({ ...base, docker: { available: true }, localInstalls: local })).toMatchObject({
      backend: "docker",
    })
    expect(chooseBackend({ ...base, localInstalls: local })).toEqual({
      backend: "local",
      reason: "no url set, no Docker daemon",
    })
    expect(chooseBackend(base)).toEqual({
      backend: "embedded",
      reason: "no url set, no Docker daemon, no initdb on PATH",
    })
  })

  test("an explicit backend is used when available and explained when not", () => {
    expect(chooseBackend({ ...base, requested: "embedded", url, localInstalls: local })).toMatchObject({
      backend: "embedded",
    })
    expect(chooseBackend({ ...base, requested: "local", localInstalls: local })).toMatchObject({
      backend: "local",
    })
    expect(chooseBackend({ ...base, requested: "url" })).toMatchObject({ error: "config" })
    expect(chooseBackend({ ...base, requested: "docker" })).toMatchObject({ error: "unavailable" })
    expect(chooseBackend({ ...base, requested: "local" })).toMatchObject({ error: "unavailable" })
    expect(chooseBackend({ ...base, requested: "podman" })).toMatchObject({ error: "config" })
    const noUrl = chooseBackend({ ...base, requested: "url" })
    expect("reason" in noUrl && noUrl.reason).toContain("AIM_POSTGRES_URL")
  })

  test("Docker is probed only when the choice depends on it; the environment's URL wins", () => {
    expect(needsDockerProbe(undefined, true)).toBe(false)
    expect(needsDockerProbe(undefined, false)).toBe(true)
    expect(needsDockerProbe("local", false)).toBe(false)
    expect(needsDockerProbe("docker", true)).toBe(true)
    expect(resolveUrl({ url: "postgres://file" }, { AIM_POSTGRES_URL: "postgres://env" })).toEqual({
      value: "postgres://env",
      from: "AIM_POSTGRES_URL",
    })
    expect(resolveUrl({ url: "postgres://file" }, {})).toEqual({ value: "postgres://file", from: "aim.toml" })
    expect(resolveUrl({}, {})).toBeUndefined()
  })
})
