/**
 * embedded backend: PGlite, PostgreSQL compiled to WebAssembly, running inside aim's own process.
 * Each ephemeral is a fresh PGlite instance started from an initialized data folder (see
 * pglite-cache.ts), so no server, container or binary is needed. aim carries one PGlite release
 * per PostgreSQL major PGlite has shipped (pglite-releases.ts) and runs the one of the asked major,
 * else the nearest newer; the server version it reports is read from the running instance, so the
 * engine says when it is not the one asked. Inside `bun build --compile` PGlite cannot find its
 * wasm and data files, so the program supplies them, per major, through the PgliteAssets
 * reference. What an instance costs is mostly PGlite's: the data folder is written in from a
 * template parsed once per process (pglite-template.ts), and instances run with a small buffer
 * pool where the release lets aim set one (see START_SETTINGS). Resources: the template in memory
 * for the life of the acquiring scope, one spare instance until it is used or that scope closes,
 * and one instance per ephemeral, closed when the ephemeral's scope closes; each release's
 * PostgreSQL module, compiled once, is kept for the life of the process.
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
import { createRoleOn, type PgSession } from "../session.ts"
import { askedMajor } from "../engine-id.ts"
import { type AskedMajor, failWith, type PgBackend, shortVersion } from "./backend.ts"
import { cacheFile, defaultCacheDir, readCache, writeCache } from "./pglite-cache.ts"
import {
  embeddedMajors,
  installedVersion,
  installedWasmFile,
  type PgliteRelease,
  pickRelease,
} from "./pglite-releases.ts"
import {
  type DataDirTemplate,
  parseDataDirTar,
  shutdownCapture,
  templateFilesystem,
} from "./pglite-template.ts"
import { countRemoval } from "../../removals.ts"

/**
 * Files a PGlite release normally loads from its own package folder. A compiled binary imports
 * each release's PostgreSQL module, initdb module (where separate) and file bundle
 * `with { type: "file" }` and provides them here: the PostgreSQL module as the file this backend
 * compiles (once per process, in the background), or already compiled as `pgliteWasmModule`;
 * `version` then keys the data-folder cache. initdb's module is read only when initdb runs.
 */
export interface PgliteFiles {
  readonly pgliteWasmModule?: WebAssembly.Module
  readonly pgliteWasmFile?: string
  readonly initdbWasmModule?: WebAssembly.Module
  readonly fsBundle?: Blob
  readonly version?: string
}

/** The files of each PostgreSQL major's release, by major; a major left out loads from node_modules. */
export type PgliteAssets = Readonly<Partial<Record<number, PgliteFiles>>>

export const PgliteAssets = Context.Reference<PgliteAssets>("aim/engines/postgres/PgliteAssets", {
  defaultValue: () => ({}),
})

export interface EmbeddedOptions {
  readonly assets?: PgliteAssets
  /** Where the initialized data folder is cached; the user's cache folder by default (see pglite-cache.ts). */
  readonly cacheDir?: string
}

export interface EmbeddedBackend extends PgBackend {
  /** The PGlite release that runs, and its version when known. */
  readonly release: { readonly major: number; readonly version: string | undefined }
  /** How this run got its template: from the cache file, or by initdb (and whether it was cached). */
  readonly start: { readonly from: "cache" | "initdb"; readonly cacheFile?: string; readonly note: string }
}

const INT8 = 20

/**
 * PostgreSQL's settings for every instance started from the template, on releases that take them.
 * initdb sizes the buffer pool at 128 MB, and PGlite sets it up in the instance's own memory: with
 * 16 MB an instance starts in about 0.18 s instead of 0.28 s and holds some 120 MiB less (measured
 * with PGlite 0.5.16). Schema work touches a few catalog pages, and a bigger history only spills
 * pages to the in-memory files. PGlite 0.2 passes its own shared_buffers on the command line, over
 * postgresql.conf and ALTER SYSTEM, so its instances keep 128 MB.
 */
const START_SETTINGS = ["-c", "shared_buffers=16MB"]

/**
 * Options every instance gets: the supplied files under the names this release takes, and int8 as
 * text as postgres.js returns it.
 */
function baseOptions(
  release: PgliteRelease,
  files: PgliteFiles,
  wasmModule: WebAssembly.Module | undefined,
): PGliteOptions {
  const options: PGliteOptions = { parsers: { [INT8]: (value: string) => value } }
  if (wasmModule) Object.assign(options, { [release.wasmOption]: wasmModule })
  if (files.fsBundle) options.fsBundle = files.fsBundle
  return options
}

/**
 * A release's PostgreSQL module compiled once per process. The compile (about a tenth of a second)
 * is started before PGlite is imported and the template read, and runs on the engine's own threads
 * meanwhile. Undefined when the file cannot be read or compiled: PGlite then looks for its files
 * itself and says what is missing.
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
    // PGlite is aim's own server, one per throwaway database.
    createRole: (name) => createRoleOn((sql) => pg.exec(sql), name),
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

/** The major the engine id asks for; plain `postgres` (and an id aim cannot serve) the newest. */
function askedOf(engine: string): AskedMajor {
  const asked = askedMajor(engine)
  return asked instanceof Error ? undefined : asked
}

export const embeddedBackend = Effect.fnUntraced(function* (engine: string, options: EmbeddedOptions = {}) {
  const fail = (action: string) => failWith(engine, action)
  const asked = askedOf(engine)
  const release = pickRelease(asked)
  const files = options.assets?.[release.major] ?? {}
  const compiling = files.pgliteWasmModule
    ? Promise.resolve(files.pgliteWasmModule)
    : compileModule(files.pgliteWasmFile ?? installedWasmFile(release))
  const { PGlite, MemoryFS } = yield* Effect.tryPromise({
    try: release.load,
    catch: fail(`load PGlite for PostgreSQL ${release.major} (${release.packageName})`),
  })
  const pgliteVersion = files.version ?? installedVersion(release)
  const cacheOff = process.env.AIM_NO_CACHE === "1"
  const file =
    pgliteVersion && !cacheOff
      ? cacheFile(options.cacheDir ?? defaultCacheDir(), pgliteVersion, release.major)
      : undefined
  const cached = file
    ? readCache(file)
    : { unusable: cacheOff ? "AIM_NO_CACHE=1" : "PGlite's version is unknown, so nothing is cached" }
  const fromCache = "tar" in cached ? parseCached(cached.tar) : cached
  const base = baseOptions(release, files, yield* Effect.promise(() => compiling))

  const prepared = yield* Effect.tryPromise({
    try: async (): Promise<{ template: DataDirTemplate; start: EmbeddedBackend["start"] }> => {
      if ("template" in fromCache)
        return {
          template: fromCache.template,
          start: { from: "cache", cacheFile: file, note: "started from cache" },
        }
      // No usable template: run initdb once, keep the data folder as PostgreSQL leaves it at
      // shutdown, and cache it for next time.
      const initdb = release.files.initdb ? files.initdbWasmModule : undefined
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
        fs: templateFilesystem(MemoryFS, prepared.template, release.dataDir),
        ...(release.startParams && { startParams: [...PGlite.defaultStartParams, ...START_SETTINGS] }),
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
    mismatchHint: `embedded PGlite runs PostgreSQL ${embeddedMajors()}`,
    ephemeral,
    start: prepared.start,
    release: { major: release.major, version: pgliteVersion },
  } satisfies EmbeddedBackend
})
