/**
 * project/snapshot-cache: the schema a migration history builds, kept on disk between runs. Replaying a long
 * history is most of what `aim diff` costs, and an unchanged history always builds the same schema,
 * so the snapshot is stored under a key made of everything that decides it: aim's own version (and,
 * when run from source, the fingerprint of the code that reads catalogs), the engine and its server
 * version, and each migration's text and transaction mode. Files live in the user's cache folder
 * (AIM_CACHE_DIR, else XDG_CACHE_HOME/aim, else ~/.cache/aim); AIM_NO_CACHE=1 turns the cache off.
 * Writes are atomic (temp file + rename), and a file that does not parse is treated as a miss.
 * Beside a snapshot, an engine with portable images (SQLite) keeps the replayed database's bytes.
 */
import { createHash } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { gunzipSync, gzipSync } from "node:zlib"
import pkg from "../package.json" with { type: "json" }
import type { Migration, Schema } from "../model.ts"

export function cacheFolder(): string {
  if (process.env.AIM_CACHE_DIR) return process.env.AIM_CACHE_DIR
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache")
  return join(base, "aim")
}

/**
 * When aim runs from its source tree, the code that normalizes catalogs can change without the
 * version changing; the newest modification time of that code joins the key so an edited reader
 * never serves a schema normalized by the old one. A compiled binary has no source tree.
 */
function sourceFingerprint(): string {
  const root = join(import.meta.dir, "..")
  // sql/ holds the lexer the catalog readers fold spelling with.
  const folders = [join(root, "engines"), join(root, "model"), join(root, "sql")]
  const files = [join(root, "model.ts")]
  let newest = 0
  const visit = (path: string) => {
    if (!existsSync(path)) return
    const stat = statSync(path)
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name))
    else newest = Math.max(newest, stat.mtimeMs)
  }
  for (const f of [...folders, ...files]) visit(f)
  return String(newest)
}

/** Set by the bundler in a bundle or binary (build/build-id.ts), which has no source tree to read. */
declare const AIM_BUILD_ID: string | undefined

let fingerprint: string | undefined

export function historyKey(engine: string, history: ReadonlyArray<Migration>): string {
  fingerprint ??= typeof AIM_BUILD_ID === "string" ? `build ${AIM_BUILD_ID}` : sourceFingerprint()
  const hash = createHash("sha256")
  hash.update(`aim ${pkg.version} ${fingerprint}\n${engine}\n`)
  for (const m of history) hash.update(`${m.version}\0${m.transaction}\0${m.up.length}\0${m.up}\0`)
  return hash.digest("hex")
}

const enabled = () => process.env.AIM_NO_CACHE !== "1"

export function readCachedSnapshot(key: string): Schema | undefined {
  if (!enabled()) return undefined
  const file = join(cacheFolder(), "snapshots", `${key}.json`)
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Schema
  } catch {
    return undefined
  }
}

export function writeCachedSnapshot(key: string, schema: Schema): void {
  if (!enabled()) return
  try {
    const folder = join(cacheFolder(), "snapshots")
    mkdirSync(folder, { recursive: true })
    const temp = join(folder, `${key}.${process.pid}.tmp`)
    writeFileSync(temp, JSON.stringify(schema))
    renameSync(temp, join(folder, `${key}.json`))
  } catch {
    // A cache that cannot be written only costs the next run a replay.
  }
}

/**
 * The replayed database itself, for engines whose images have a portable form (SQLite: the
 * serialized database), kept beside the snapshot so that verification after a cache hit copies it
 * instead of replaying. Stored gzipped: a history's database is mostly empty pages (1,000
 * migrations: 3 MB, 53 KB gzipped, 3 ms); gzip's checksum turns a damaged file into a miss.
 */
export function readCachedImage(key: string): Uint8Array | undefined {
  if (!enabled()) return undefined
  try {
    return gunzipSync(readFileSync(join(cacheFolder(), "snapshots", `${key}.image.gz`)))
  } catch {
    return undefined
  }
}

export function writeCachedImage(key: string, bytes: Uint8Array): void {
  if (!enabled()) return
  try {
    const folder = join(cacheFolder(), "snapshots")
    mkdirSync(folder, { recursive: true })
    const temp = join(folder, `${key}.image.${process.pid}.tmp`)
    writeFileSync(temp, gzipSync(bytes))
    renameSync(temp, join(folder, `${key}.image.gz`))
  } catch {
    // As above: only the next verification's replay is at stake.
  }
}
