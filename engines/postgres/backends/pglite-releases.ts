/**
 * pglite-releases: the PGlite releases aim carries, one per PostgreSQL major PGlite has shipped, and
 * which one serves an engine id. Each is an npm alias of @electric-sql/pglite (package.json), so
 * they install side by side; the majors below were checked with `select version()` (0.2.17 runs
 * 16.4, 0.4.6 17.5, 0.5.16 18.x, 0.6.1 19.0), and the embedded backend reads the version again
 * from the instance it starts, so a wrong entry is reported as a version mismatch, never hidden.
 * 0.1.x is left out: it runs a development snapshot ("15devel"), not a PostgreSQL 15 release.
 * The releases differ in file names, option names and where the data folder sits; this table says
 * how, so the backend has no version checks of its own. Holds no resources.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import type { MemoryFS, PGlite } from "@electric-sql/pglite"

/**
 * The part of a PGlite package the embedded backend uses, typed after the release installed as
 * @electric-sql/pglite; the other releases have these members too (their types differ in details
 * the backend does not touch) and are cast to it.
 */
export interface PgliteModule {
  readonly PGlite: typeof PGlite
  readonly MemoryFS: typeof MemoryFS
}

export interface PgliteRelease {
  /** The PostgreSQL major this release runs. */
  readonly major: number
  /** Its name in node_modules: an npm alias, or @electric-sql/pglite itself. */
  readonly packageName: string
  /** Its files in dist/: PostgreSQL's module, the file bundle it mounts, and initdb's module where separate. */
  readonly files: { readonly wasm: string; readonly data: string; readonly initdb?: string }
  /** The option that takes a compiled PostgreSQL module (renamed in 0.4). */
  readonly wasmOption: "wasmModule" | "pgliteWasmModule"
  /** Whether PostgreSQL's arguments can be added to (`startParams`, 0.4 on); older releases fix them. */
  readonly startParams: boolean
  /** PGDATA inside an instance. */
  readonly dataDir: string
  /** Imports the package; a literal specifier each, so bundlers and `bun build --compile` see them. */
  readonly load: () => Promise<PgliteModule>
}

const modern = {
  wasmOption: "pgliteWasmModule",
  startParams: true,
  dataDir: "/pglite/data",
  files: { wasm: "pglite.wasm", data: "pglite.data", initdb: "initdb.wasm" },
} as const

/** Oldest first. */
export const PGLITE_RELEASES: ReadonlyArray<PgliteRelease> = [
  {
    major: 16,
    packageName: "pglite-16",
    files: { wasm: "postgres.wasm", data: "postgres.data" },
    wasmOption: "wasmModule",
    startParams: false,
    dataDir: "/tmp/pglite/base",
    load: () => import("pglite-16") as unknown as Promise<PgliteModule>,
  },
  {
    major: 17,
    packageName: "pglite-17",
    ...modern,
    load: () => import("pglite-17") as unknown as Promise<PgliteModule>,
  },
  { major: 18, packageName: "@electric-sql/pglite", ...modern, load: () => import("@electric-sql/pglite") },
  {
    major: 19,
    packageName: "pglite-19",
    ...modern,
    load: () => import("pglite-19") as unknown as Promise<PgliteModule>,
  },
]

/** The majors embedded PostgreSQL runs, for messages: "16, 17, 18 and 19". */
export const embeddedMajors = (releases: ReadonlyArray<PgliteRelease> = PGLITE_RELEASES): string => {
  const majors = releases.map((release) => String(release.major))
  return majors.length > 1 ? `${majors.slice(0, -1).join(", ")} and ${majors.at(-1)}` : (majors[0] ?? "none")
}

/**
 * The release for an asked major: the one that runs it, else the nearest newer one, else (a major
 * newer than any release) the newest; plain `postgres` (undefined) gets the newest.
 */
export function pickRelease(
  asked: number | undefined,
  releases: ReadonlyArray<PgliteRelease> = PGLITE_RELEASES,
): PgliteRelease {
  const newest = releases.at(-1)
  if (!newest) throw new Error("no PGlite release is configured")
  if (asked === undefined) return newest
  return releases.find((release) => release.major >= asked) ?? newest
}

/** The release's dist folder in node_modules; undefined inside a compiled binary. */
export function installedDist(release: PgliteRelease): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(release.packageName))
  } catch {
    return undefined
  }
}

/** The installed release's version, from its package.json; undefined inside a compiled binary. */
export function installedVersion(release: PgliteRelease): string | undefined {
  const dist = installedDist(release)
  if (!dist) return undefined
  try {
    const pkg = JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")) as { version?: string }
    return pkg.version
  } catch {
    return undefined
  }
}

/** Where the installed release keeps PostgreSQL's wasm module; undefined inside a compiled binary. */
export function installedWasmFile(release: PgliteRelease): string | undefined {
  const dist = installedDist(release)
  return dist && join(dist, release.files.wasm)
}
