/**
 * pglite-cache: an initialized PGlite data folder, kept as a gzipped tar in the user's cache folder
 * (AIM_CACHE_DIR, else `$XDG_CACHE_HOME/aim`, else `~/.cache/aim`; one file per PGlite version, PostgreSQL
 * major and template layout; AIM_NO_CACHE=1 turns it off), so a run starts its embedded databases from it
 * (about 0.1 s each, see pglite-template.ts) instead of running initdb (seconds). The file is
 * written atomically (temp file, then rename) and checked when read (gzip's CRC, the tar magic; the
 * embedded backend then parses the whole archive), so a torn or foreign file is ignored and
 * rewritten rather than handed to PGlite. Holds no resources.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { gzipSync } from "node:zlib"

/** The folder project/snapshot-cache.ts uses too: AIM_CACHE_DIR, else XDG_CACHE_HOME/aim, else ~/.cache/aim. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.AIM_CACHE_DIR) return env.AIM_CACHE_DIR
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aim")
}

/**
 * Bumped when what the file holds changes, so an older file is not taken for a newer one. 2: the
 * data folder as PostgreSQL leaves it at shutdown (1, unnamed, was dumped while it ran).
 */
const LAYOUT = 2

/**
 * One file per PGlite version and PostgreSQL major: each major's data folder is its own, also
 * when a binary's assets carry no version of their own.
 */
export const cacheFile = (cacheDir: string, pgliteVersion: string, major: number) =>
  join(cacheDir, `pglite-${pgliteVersion}.pg${major}.v${LAYOUT}.tar.gz`)

/** A tar archive starts with a 512-byte header whose magic "ustar" sits at offset 257. */
const isTar = (bytes: Uint8Array) =>
  bytes.length >= 512 && Buffer.from(bytes.subarray(257, 262)).toString("latin1") === "ustar"

export type CacheRead = { readonly tar: Uint8Array } | { readonly unusable: string }

/** The cached data folder as an uncompressed tar, or why it cannot be used. */
export function readCache(file: string): CacheRead {
  let packed: Buffer
  try {
    packed = readFileSync(file)
  } catch (error) {
    return { unusable: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no cache yet" : String(error) }
  }
  try {
    // Bun's gunzip (libdeflate) checks the CRC as zlib's does, in about two thirds of the time.
    const tar = Bun.gunzipSync(packed as Uint8Array<ArrayBuffer>)
    return isTar(tar) ? { tar } : { unusable: "cache file is not a tar archive" }
  } catch (error) {
    return { unusable: `cache file is damaged: ${(error as Error).message}` }
  }
}

/** Write the tar gzipped, atomically; false (and no file left behind) when the folder is not writable. */
export function writeCache(file: string, tar: Uint8Array): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  try {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(temp, gzipSync(tar, { level: 6 }))
    renameSync(temp, file)
    return true
  } catch {
    rmSync(temp, { force: true })
    return false
  }
}
