/**
 * data-folder-cache: initialized server data folders (PostgreSQL's initdb output, MySQL's
 * `--initialize-insecure` and MariaDB's mariadb-install-db output), kept in the user's cache folder
 * (AIM_CACHE_DIR, else XDG_CACHE_HOME/aim, else ~/.cache/aim; AIM_NO_CACHE=1 turns it off) under
 * `data-folders/<name>-<key>/`, so a local backend copies one into its run folder instead of
 * initializing a new one (on this kind of machine: 0.05-0.3 s for the copy, 0.55-2 s for initdb or
 * mariadb-install-db). The key hashes everything that decides the folder's content: the programs
 * (resolved path, size, modification time), their version, the initialization arguments and what
 * they read from the machine. Program versions are remembered beside it, in `program-versions/`.
 *
 * An entry is built in a staging folder beside it and renamed into place, so readers see a whole
 * entry or none, and of two concurrent writers one wins and the other discards its copy. A marker
 * file records the entry's key and how many files and bytes it holds; an entry whose marker is
 * missing, unreadable or does not match what is on disk is not used (the caller initializes
 * afresh), and one the server will not start from is dropped. Entries belong to the user running
 * aim; a run's copy is handed to the server's unprivileged user when aim runs as root. Nothing
 * reads or writes an entry's files after the rename except copies out of it and its removal.
 * Holds no resources: each call has finished with the files it touched when it returns.
 */
import { execFile } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import {
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { homedir, hostname } from "node:os"
import { basename, dirname, join } from "node:path"

/** Changes when the layout of an entry changes, so older entries are never read as newer ones. */
const LAYOUT = "aim data folder cache 1"
const MARKER = "aim-cache.json"
/** A staging folder this old belongs to a run that died while writing; it is removed. */
const STALE_STAGING_MS = 10 * 60_000

/** The folder project/snapshot-cache.ts and pglite-cache.ts use too (engines do not import from the root). */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.AIM_CACHE_DIR) return env.AIM_CACHE_DIR
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aim")
}

export interface DataFolderEntry {
  /** `<cache>/data-folders/<name>-<key>`: holds `data/` and the marker. */
  readonly folder: string
  /** The initialized data folder inside the entry. */
  readonly data: string
  readonly key: string
  /** The program that made the entry; a newer entry from the same program replaces older ones. */
  readonly source: string
}

interface Marker {
  readonly key: string
  readonly source: string
  readonly files: number
  readonly bytes: number
}

/** Who owns a run's copy: the server's unprivileged user when aim runs as root. */
export interface Owner {
  readonly uid: number
  readonly gid: number
}

/** What identifies an installed file (a program, the zone file): resolved path, size, modification time. */
export function fileIdentity(path: string): string {
  try {
    const real = realpathSync(path)
    const stat = statSync(real)
    return `${real} ${stat.size} ${Math.round(stat.mtimeMs)}`
  } catch {
    return path
  }
}

/**
 * The version an installed program reports, remembered in the cache folder per file identity (the
 * same file always answers the same), because asking costs a process start, and each run asks to
 * build its key. A remembered answer that does not look like a version is asked for again; nothing
 * is remembered with AIM_NO_CACHE=1 or for a file that cannot be found.
 */
export function rememberedVersion(
  program: string,
  ask: () => string | undefined,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const identity = fileIdentity(program)
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 24)
  const file =
    env.AIM_NO_CACHE === "1" || identity === program
      ? undefined
      : join(defaultCacheDir(env), "program-versions", `${hash}.txt`)
  const looksRight = (version: string) => /^\d+(\.\d+)*\S*$/.test(version)
  if (file) {
    try {
      const remembered = readFileSync(file, "utf8").trim()
      if (looksRight(remembered)) return remembered
    } catch {
      // Not asked yet.
    }
  }
  const version = ask()
  if (file && version !== undefined && looksRight(version)) {
    const temp = `${file}.${uniqueSuffix()}.tmp`
    try {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(temp, `${version}\n`)
      renameSync(temp, file)
    } catch {
      removeQuietly(temp)
    }
  }
  return version
}

/**
 * What initialization reads from the machine rather than from its arguments: the host name
 * (MariaDB creates root@<host>) and the time zone (initdb writes it into postgresql.conf, from TZ
 * or else from the zone file /etc/localtime is, or links to). Intl would name the zone too, but
 * loading it costs more than the rest of the key.
 */
export function machineInputs(env: Record<string, string | undefined> = process.env): string[] {
  return [hostname(), env.TZ ?? "", fileIdentity("/etc/localtime")]
}

/** The cache entry for these inputs, or undefined when caching is off (AIM_NO_CACHE=1). */
export function dataFolderEntry(options: {
  /** Readable prefix of the entry's folder name: "postgres-15.20", "mariadb-10.11.19". */
  readonly name: string
  readonly source: string
  readonly inputs: ReadonlyArray<string>
  readonly cacheDir?: string | undefined
  readonly env?: Record<string, string | undefined>
}): DataFolderEntry | undefined {
  const env = options.env ?? process.env
  if (env.AIM_NO_CACHE === "1") return undefined
  const hash = createHash("sha256")
  for (const part of [LAYOUT, options.source, ...options.inputs]) hash.update(`${part}\0`)
  const key = hash.digest("hex").slice(0, 24)
  const name = options.name.replace(/[^A-Za-z0-9._-]/g, "_")
  const folder = join(options.cacheDir ?? defaultCacheDir(env), "data-folders", `${name}-${key}`)
  return { folder, data: join(folder, "data"), key, source: options.source }
}

/** Regular files and their total size under `folder`; symlinks count as files of their own size. */
function census(folder: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  const visit = (path: string) => {
    const stat = lstatSync(path)
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name))
    else {
      files += 1
      bytes += stat.size
    }
  }
  visit(folder)
  return { files, bytes }
}

export type EntryCheck = { readonly usable: true } | { readonly usable: false; readonly why: string }

/** Whether the entry is there, whole, and made for this key. */
export function checkEntry(entry: DataFolderEntry): EntryCheck {
  let marker: Marker
  try {
    marker = JSON.parse(readFileSync(join(entry.folder, MARKER), "utf8")) as Marker
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT"
    return { usable: false, why: missing ? "no cached data folder yet" : "the cache marker is unreadable" }
  }
  if (marker.key !== entry.key) return { usable: false, why: "the cache marker names another key" }
  let found: { files: number; bytes: number }
  try {
    found = census(entry.data)
  } catch (error) {
    return { usable: false, why: `the cached data folder is unreadable (${(error as Error).message})` }
  }
  if (found.files !== marker.files || found.bytes !== marker.bytes)
    return {
      usable: false,
      why: `the cached data folder is incomplete (${found.files} of ${marker.files} files, ${found.bytes} of ${marker.bytes} bytes)`,
    }
  return { usable: true }
}

function run(program: string, args: ReadonlyArray<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { timeout: 120_000, encoding: "utf8" }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`${program} ${args.join(" ")} failed: ${`${stderr}`.trim() || error.message}`))
      else resolve()
    })
  })
}

/** chown -R, in process: a thousand files take a few milliseconds. */
export function chownTree(path: string, owner: Owner): void {
  chownSync(path, owner.uid, owner.gid)
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), owner)
}

/**
 * Copy the entry's data folder to `to` (which must not exist) and hand it to `owner`. `cp -a`
 * keeps modes (servers insist on 0700 data folders) and the holes of sparse files, so the mostly
 * empty log and tablespace files cost little; it measured faster than fs.cpSync and tar here.
 */
export async function copyOut(entry: DataFolderEntry, to: string, owner: Owner | undefined): Promise<void> {
  await run("cp", ["-a", entry.data, to])
  if (owner) chownTree(to, owner)
}

const uniqueSuffix = () => `${process.pid}-${randomBytes(4).toString("hex")}`

/** rm -rf that never throws: cleaning up must not turn a cache miss into a failed run. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 })
  } catch {
    // Left for the next store's pruning, or for the user.
  }
}

/** Rename a folder out of the way, then delete it, so no reader sees it half removed at its name. */
function removeFolder(folder: string): void {
  const doomed = `${folder}.gone-${uniqueSuffix()}`
  try {
    renameSync(folder, doomed)
  } catch {
    return
  }
  removeQuietly(doomed)
}

/** Remove an entry the server would not start from, so the next run writes a good one. */
export function dropEntry(entry: DataFolderEntry): void {
  removeFolder(entry.folder)
}

/**
 * Store a copy of the freshly initialized `data` folder as the entry, atomically. True when the
 * entry is in place afterwards (written here or by a concurrent run); false when the cache
 * folder cannot be written, which only costs the next run an initialization.
 */
export async function storeEntry(entry: DataFolderEntry, data: string): Promise<boolean> {
  const staging = `${entry.folder}.tmp-${uniqueSuffix()}`
  try {
    mkdirSync(staging, { recursive: true })
    const copy = join(staging, "data")
    // Sparse where blocks are all zeros (GNU cp); BSD cp has no --sparse and copies plainly.
    await run("cp", ["-a", "--sparse=always", data, copy]).catch(() =>
      run("rm", ["-rf", copy]).then(() => run("cp", ["-a", data, copy])),
    )
    const uid = process.getuid?.()
    const gid = process.getgid?.()
    // As root the copy belongs to the server's user; the cache belongs to whoever runs aim.
    if (uid === 0 && gid !== undefined) chownTree(staging, { uid, gid })
    const marker: Marker = { key: entry.key, source: entry.source, ...census(copy) }
    writeFileSync(join(staging, MARKER), `${JSON.stringify(marker)}\n`)
    try {
      renameSync(staging, entry.folder)
    } catch (error) {
      // Another run stored the same entry first: theirs is as good as this one.
      if (checkEntry(entry).usable) {
        removeQuietly(staging)
        return true
      }
      // What is there is damaged (that is why this run initialized): replace it.
      removeFolder(entry.folder)
      try {
        renameSync(staging, entry.folder)
      } catch {
        removeQuietly(staging)
        if (checkEntry(entry).usable) return true
        throw error
      }
    }
    pruneSiblings(entry)
    return true
  } catch {
    removeQuietly(staging)
    return false
  }
}

/**
 * Remove entries the same program made under other keys (the program or its arguments changed
 * since; they would never be read again), and staging folders of runs that died while writing.
 */
function pruneSiblings(entry: DataFolderEntry): void {
  const parent = dirname(entry.folder)
  let names: string[] = []
  try {
    names = readdirSync(parent)
  } catch {
    return
  }
  for (const name of names) {
    const path = join(parent, name)
    if (name === basename(entry.folder)) continue
    try {
      if (/\.(tmp|gone)-\d+-[0-9a-f]+$/.test(name)) {
        if (Date.now() - lstatSync(path).mtimeMs > STALE_STAGING_MS) removeQuietly(path)
        continue
      }
      const marker = JSON.parse(readFileSync(join(path, MARKER), "utf8")) as Marker
      if (marker.source === entry.source && marker.key !== entry.key) removeFolder(path)
    } catch {
      // Not an entry, or one being replaced right now: leave it.
    }
  }
}
