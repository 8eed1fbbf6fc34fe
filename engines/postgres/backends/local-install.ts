/**
 * local-install: find PostgreSQL server binaries (initdb and pg_ctl) on this machine, on PATH and
 * in the folders distributions and installers use, and pick the one matching the asked major
 * version. Reads the file system and runs `initdb --version` (its answer is remembered per binary
 * in the cache folder, see data-folder-cache.ts); holds nothing.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, realpathSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { rememberedVersion } from "../../data-folder-cache.ts"
import type { AskedMajor } from "./backend.ts"

export interface LocalInstall {
  /** Folder holding initdb and pg_ctl. */
  readonly binDir: string
  /** "15.20" */
  readonly version: string
  readonly major: number
}

/** Folders with one entry per version: Debian, Homebrew (both prefixes), PGDG RPMs, Postgres.app. */
const versionedFolders: ReadonlyArray<{ parent: string; entry: RegExp; bin: (entry: string) => string }> = [
  { parent: "/usr/lib/postgresql", entry: /^\d+$/, bin: (e) => join("/usr/lib/postgresql", e, "bin") },
  { parent: "/opt/homebrew/opt", entry: /^postgresql@\d+$/, bin: (e) => join("/opt/homebrew/opt", e, "bin") },
  { parent: "/usr/local/opt", entry: /^postgresql@\d+$/, bin: (e) => join("/usr/local/opt", e, "bin") },
  { parent: "/usr", entry: /^pgsql-\d+$/, bin: (e) => join("/usr", e, "bin") },
  {
    parent: "/Applications/Postgres.app/Contents/Versions",
    entry: /^\d+$/,
    bin: (e) => join("/Applications/Postgres.app/Contents/Versions", e, "bin"),
  },
]
const plainFolders = ["/usr/local/pgsql/bin"]

function candidateFolders(path: string | undefined): string[] {
  const folders = (path ?? "").split(delimiter).filter((p) => p !== "")
  for (const { parent, entry, bin } of versionedFolders) {
    let entries: string[] = []
    try {
      entries = readdirSync(parent)
    } catch {
      continue
    }
    for (const e of entries) if (entry.test(e)) folders.push(bin(e))
  }
  return [...folders, ...plainFolders]
}

/** "initdb (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15.20"; also "17beta1" -> "17beta1". */
export function parseInitdbVersion(output: string): string | undefined {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)?\S*)/.exec(output)?.[1]
}

/** Every distinct install found, newest first. Symlinks (Debian's /usr/bin wrappers) resolve to one entry. */
export function findLocalInstalls(path = process.env.PATH): LocalInstall[] {
  const seen = new Set<string>()
  const installs: LocalInstall[] = []
  for (const folder of candidateFolders(path)) {
    const initdb = join(folder, "initdb")
    if (!existsSync(initdb) || !existsSync(join(folder, "pg_ctl"))) continue
    let binDir: string
    try {
      binDir = dirname(realpathSync(initdb))
    } catch {
      continue
    }
    if (seen.has(binDir) || !existsSync(join(binDir, "pg_ctl"))) continue
    seen.add(binDir)
    const resolved = join(binDir, "initdb")
    const version = rememberedVersion(resolved, () => {
      try {
        return parseInitdbVersion(execFileSync(resolved, ["--version"], { encoding: "utf8" }))
      } catch {
        return undefined
      }
    })
    if (version) installs.push({ binDir, version, major: Number.parseInt(version, 10) })
  }
  return installs.sort((a, b) => b.major - a.major)
}

/** The install of the asked major version, else the newest (the engine says so in its description). */
export function pickInstall(
  installs: ReadonlyArray<LocalInstall>,
  asked: AskedMajor,
): LocalInstall | undefined {
  return installs.find((i) => i.major === asked) ?? installs[0]
}
