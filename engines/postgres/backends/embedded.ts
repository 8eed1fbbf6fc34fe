/**
 * embedded backend: PGlite, PostgreSQL compiled to WebAssembly, running inside aim's own process.
 * Each ephemeral is a fresh PGlite instance started from an initialized data folder (see
 * pglite-cache.ts), so no server, container or binary is needed. PGlite carries its own PostgreSQL
 * major version (18 in 0.5.x), whatever the engine id asks; the engine's description says which
 * runs. Inside `bun build --compile` PGlite cannot find its wasm and data files, so the program
 * supplies them through the PgliteAssets reference. What an instance costs is mostly PGlite's: the
 * data folder is written in from a template parsed once per process (pglite-template.ts), and
 * instances run with a small buffer pool (see START_SETTINGS). Resources: the template in memory for
 * the life of the acquiring scope, one spare instance until it is used or that scope closes, and
 * one instance per ephemeral, closed when the ephemeral's scope closes; pglite.wasm, compiled
 * once, is kept for the life of the process.
 *
 * No sandbox role here (see throwaway.ts for server backends): PGlite runs in-process as WebAssembly
 * with an in-memory file system, one database per instance and no shell, so model-written SQL has
 * no other database to drop and no program to run. COPY ... TO PROGRAM "succeeds" without running
 * anything (checked with PGlite 0.5.16) but leaves the instance answering wrongly or hanging, which
 * is why database.ts refuses it in untrusted scripts; COPY TO a file writes only to that memory.
 */
import { readFile } from "node:fs/promises"
import type { PGlite, PGliteOptions } from "@electric-sql/pglite"
import { Context, Effect } from "effect"
import type { PgSession } from "../session.ts"
import { failWith, type PgBackend, shortVersion } from "./backend.ts"
import {
  cacheFile,
  defaultCacheDir,
  installedPgliteVersion,
  installedPgliteWasmFile,
  readCache,
  writeCache,
} from "./pglite-cache.ts"
import {
  type DataDirTemplate,
  parseDataDirTar,
  shutdownCapture,
  templateFilesystem,
} from "./pglite-template.ts"
import { countRemoval } from "../../removals.ts"

/**
 * Files PGlite normally loads from its own package folder. A compiled binary imports pglite.wasm,
 * initdb.wasm and pglite.data `with { type: "file" }` and provides them here: pglite.wasm as the
 * file this backend compiles (once per process, in the background), or already compiled as
 * `pgliteWasmModule`; `version` then keys the data-folder cache. initdb's module is read only
 * when initdb runs.
 */
export interface PgliteAssets {
  readonly pgliteWasmModule?: WebAssembly.Module
  readonly pgliteWasmFile?: string
  readonly initdbWasmModule?: WebAssembly.Module
  readonly fsBundle?: Blob
  readonly version?: string
}

export const PgliteAssets = Context.Reference<PgliteAssets>("aim/engines/postgres/PgliteAssets", {
  defaultValue: () => ({}),
})

export interface EmbeddedOptions {
  readonly assets?: PgliteAssets
  /** Where the initialized data folder is cached; the user's cache folder by default (see pglite-cache.ts). */
  readonly cacheDir?: string
}

export interface EmbeddedBackend extends PgBackend {
  /** How this run got its template: from the cache file, or by initdb (and whether it was cached). */
  readonly start: { readonly from: "cache" | "initdb"; readonly cacheFile?: string; readonly note: string }
}

const INT8 = 20

/**
 * PostgreSQL's settings for every instance started from the template. initdb sizes the buffer pool
 * at 128 MB, and PGlite sets it up in the instance's own memory: with 16 MB an instance starts in
 * about 0.18 s instead of 0.28 s and holds some 120 MiB less (measured with PGlite 0.5.16). Schema
 * work touches a few catalog pages, and a bigger history only spills pages to the in-memory files.
 */
const START_SETTINGS = ["-c", "shared_buffers=16MB"]

/** Options every instance gets: the supplied assets, and int8 as text as postgres.js returns it. */
function baseOptions(assets: PgliteAssets, pgliteWasmModule: WebAssembly.Module | undefined): PGliteOptions {
  const options: PGliteOptions = { parsers: { [INT8]: (value: string) => value } }
  if (pgliteWasmModule) options.pgliteWasmModule = pgliteWasmModule
  if (assets.fsBundle) options.fsBundle = assets.fsBundle
  return options
}

/**
 * pglite.wasm compiled once per process. The compile (about a tenth of a second) is started before
 * PGlite is imported and the template read, and runs on the engine's own threads meanwhile.
 * Undefined when the file cannot be read or compiled: PGlite then looks for its files itself and
 * says what is missing.
 */
const compiledModules = new Map<string, Promise<WebAssembly.Module | undefined>>()
function compileModule(file: string | undefined): Promise<WebAssembly.Module | undefined> {
  if (!file) return Promise.resolve(undefined)
  let compiling = compiledModules.get(file)
  if (!compiling) {
    compiling = readFile(file)
      .then((bytes) => WebAssembly.compile(bytes))
      .catch(() => undefined)
    compiledModules.set(file, compiling)
  }
  return compiling
}

export function sessionOfPglite(pg: PGlite): PgSession {
  return {
    query: async <T>(text: string, params?: ReadonlyArray<unknown>) =>
      (await pg.query<T>(text, params ? [...params] : undefined)).rows,
    exec: async (script) => {
      await pg.exec(script)
    },
  }
}

/** The cached tar as a template, or why it cannot be one (then initdb runs and rewrites it). */
function parseCached(
  tar: Uint8Array,
): { readonly template: DataDirTemplate } | { readonly unusable: string } {
  try {
    return { template: parseDataDirTar(tar) }
  } catch (error) {
    return { unusable: `cache file is not a data folder: ${(error as Error).message}` }
  }
}

export const embeddedBackend = Effect.fnUntraced(function* (engine: string, options: EmbeddedOptions = {}) {
  const fail = (action: string) => failWith(engine, action)
  const assets = options.assets ?? {}
  const compiling = assets.pgliteWasmModule
    ? Promise.resolve(assets.pgliteWasmModule)
    : compileModule(assets.pgliteWasmFile ?? installedPgliteWasmFile())
  const { PGlite, MemoryFS } = yield* Effect.tryPromise({
    try: () => import("@electric-sql/pglite"),
    catch: fail("load PGlite (@electric-sql/pglite)"),
  })
  const pgliteVersion = assets.version ?? installedPgliteVersion()
  const cacheOff = process.env.AIM_NO_CACHE === "1"
  const file =
    pgliteVersion && !cacheOff ? cacheFile(options.cacheDir ?? defaultCacheDir(), pgliteVersion) : undefined
  const cached = file
    ? readCache(file)
    : { unusable: cacheOff ? "AIM_NO_CACHE=1" : "PGlite's version is unknown, so nothing is cached" }
  const fromCache = "tar" in cached ? parseCached(cached.tar) : cached
  const base = baseOptions(assets, yield* Effect.promise(() => compiling))

  const prepared = yield* Effect.tryPromise({
    try: async (): Promise<{ template: DataDirTemplate; start: EmbeddedBackend["start"] }> => {
      if ("template" in fromCache)
        return {
          template: fromCache.template,
          start: { from: "cache", cacheFile: file, note: "started from cache" },
        }
      // No usable template: run initdb once, keep the data folder as PostgreSQL leaves it at
      // shutdown, and cache it for next time.
      const initdb = assets.initdbWasmModule
      const capture = shutdownCapture(MemoryFS)
      const fresh = await PGlite.create({
        ...base,
        ...(initdb && { initdbWasmModule: initdb }),
        fs: capture.fs,
      })
      let running: Uint8Array
      try {
        // Only used if the shutdown capture fails: a folder dumped while running works too, it just
        // recovers at every start.
        running = new Uint8Array(await (await fresh.dumpDataDir("none")).arrayBuffer())
      } finally {
        await fresh.close()
      }
      const tar = capture.tar() ?? running
      const template = parseDataDirTar(tar)
      const written = file ? writeCache(file, tar) : false
      const note = `initdb (${fromCache.unusable}${written ? "; cached for next time" : file ? "; cache folder not writable" : ""})`
      return { template, start: { from: "initdb", cacheFile: written ? file : undefined, note } }
    },
    catch: fail("initialize an embedded PGlite database"),
  })

  const startInstance = Effect.tryPromise({
    try: () =>
      PGlite.create({
        ...base,
        fs: templateFilesystem(MemoryFS, prepared.template, PGlite.paths.PGDATA),
        startParams: [...PGlite.defaultStartParams, ...START_SETTINGS],
      }),
    catch: fail("start an embedded PGlite database"),
  })
  const closeInstance = (pg: PGlite) =>
    Effect.promise(() =>
      pg.close().then(
        () => countRemoval("database"),
        () => undefined,
      ),
    )

  // The first instance answers the version question and then serves the first ephemeral.
  let spare: PGlite | undefined = yield* Effect.acquireRelease(startInstance, () =>
    spare ? closeInstance(spare) : Effect.void,
  )
  const [row] = yield* Effect.tryPromise({
    try: async () =>
      (
        await (spare as PGlite).query<{ version: string }>(
          "SELECT current_setting('server_version') AS version",
        )
      ).rows,
    catch: fail("read PGlite's PostgreSQL version"),
  })

  const ephemeral = Effect.acquireRelease(
    // Taking the spare happens inside the (uninterruptible) acquire, so it is closed exactly once.
    Effect.suspend(() => {
      const ready = spare
      spare = undefined
      return ready ? Effect.succeed(ready) : startInstance
    }),
    closeInstance,
  ).pipe(Effect.map(sessionOfPglite))

  return {
    name: "embedded",
    serverVersion: shortVersion(row?.version ?? "unknown"),
    detail: `embedded PGlite${pgliteVersion ? ` ${pgliteVersion}` : ""}, ${prepared.start.note}`,
    ephemeral,
    start: prepared.start,
  } satisfies EmbeddedBackend
})
