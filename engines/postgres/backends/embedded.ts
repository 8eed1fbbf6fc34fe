/**
 * embedded backend: PGlite, PostgreSQL compiled to WebAssembly, running inside aim's own process.
 * Each ephemeral is a fresh PGlite instance started from an initialized data folder (see
 * pglite-cache.ts), so no server, container or binary is needed. PGlite carries its own PostgreSQL
 * major version (18 in 0.5.x), whatever the engine id asks; the engine's description says which
 * runs. Inside `bun build --compile` PGlite cannot find its wasm and data files, so the program
 * supplies them through the PgliteAssets reference. Resources: the template tar in memory for the
 * life of the acquiring scope, one spare instance until it is used or that scope closes, and one
 * instance per ephemeral, closed when the ephemeral's scope closes.
 *
 * No sandbox role here (see throwaway.ts for server backends): PGlite runs in-process as WebAssembly
 * with an in-memory file system, one database per instance and no shell, so model-written SQL has
 * no other database to drop and no program to run. COPY ... TO PROGRAM "succeeds" without running
 * anything (checked with PGlite 0.5.16) but leaves the instance answering wrongly or hanging, which
 * is why database.ts refuses it in untrusted scripts; COPY TO a file writes only to that memory.
 */
import type { PGlite, PGliteOptions } from "@electric-sql/pglite"
import { Context, Effect } from "effect"
import type { PgSession } from "../session.ts"
import { failWith, type PgBackend, shortVersion } from "./backend.ts"
import { cacheFile, defaultCacheDir, installedPgliteVersion, readCache, writeCache } from "./pglite-cache.ts"

/**
 * Files PGlite normally loads from its own package folder. A compiled binary imports pglite.wasm,
 * initdb.wasm and pglite.data `with { type: "file" }`, compiles the two modules with
 * `WebAssembly.compile`, and provides them here; `version` then keys the data-folder cache.
 */
export interface PgliteAssets {
  readonly pgliteWasmModule?: WebAssembly.Module
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

/** Options every instance gets: the supplied assets, and int8 as text as postgres.js returns it. */
function baseOptions(assets: PgliteAssets): PGliteOptions {
  const options: PGliteOptions = { parsers: { [INT8]: (value: string) => value } }
  if (assets.pgliteWasmModule) options.pgliteWasmModule = assets.pgliteWasmModule
  if (assets.initdbWasmModule) options.initdbWasmModule = assets.initdbWasmModule
  if (assets.fsBundle) options.fsBundle = assets.fsBundle
  return options
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

export const embeddedBackend = Effect.fnUntraced(function* (engine: string, options: EmbeddedOptions = {}) {
  const fail = (action: string) => failWith(engine, action)
  const assets = options.assets ?? {}
  const { PGlite } = yield* Effect.tryPromise({
    try: () => import("@electric-sql/pglite"),
    catch: fail("load PGlite (@electric-sql/pglite)"),
  })
  const base = baseOptions(assets)
  const pgliteVersion = assets.version ?? installedPgliteVersion()
  const cacheOff = process.env.AIM_NO_CACHE === "1"
  const file =
    pgliteVersion && !cacheOff ? cacheFile(options.cacheDir ?? defaultCacheDir(), pgliteVersion) : undefined
  const cached = file
    ? readCache(file)
    : { unusable: cacheOff ? "AIM_NO_CACHE=1" : "PGlite's version is unknown, so nothing is cached" }

  const prepared = yield* Effect.tryPromise({
    try: async (): Promise<{ tar: Uint8Array; start: EmbeddedBackend["start"] }> => {
      if ("tar" in cached)
        return { tar: cached.tar, start: { from: "cache", cacheFile: file, note: "started from cache" } }
      // No usable template: run initdb once, dump the fresh data folder, and cache it for next time.
      const fresh = await PGlite.create(base)
      try {
        const dump = await fresh.dumpDataDir("none")
        const tar = new Uint8Array(await dump.arrayBuffer())
        const written = file ? writeCache(file, tar) : false
        const note = `initdb (${cached.unusable}${written ? "; cached for next time" : file ? "; cache folder not writable" : ""})`
        return { tar, start: { from: "initdb", cacheFile: written ? file : undefined, note } }
      } finally {
        await fresh.close()
      }
    },
    catch: fail("initialize an embedded PGlite database"),
  })
  const template = new Blob([prepared.tar as Uint8Array<ArrayBuffer>], { type: "application/x-tar" })

  const startInstance = Effect.tryPromise({
    try: () => PGlite.create({ ...base, loadDataDir: template }),
    catch: fail("start an embedded PGlite database"),
  })
  const closeInstance = (pg: PGlite) => Effect.promise(() => pg.close().catch(() => undefined))

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
