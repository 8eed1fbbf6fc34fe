/**
 * migrate: golang-migrate's folder layout. Files are `{version}_{title}.up.sql` and
 * `{version}_{title}.down.sql`; the version is an unsigned integer and orders the history
 * numerically; other files are ignored, as the runner's own parser ignores them. New versions keep
 * the folder's style: a timestamp when it uses timestamps, else the next number at the same width.
 */
import type { Migration } from "../model.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"

const fileName = /^([0-9]+)_(.*)\.(up|down)\.sql$/

/** A version that reads as a date and time (yyyymmddhhmmss and longer) rather than a counter. */
export const looksLikeTimestamp = (version: string) =>
  version.length >= 12 && /^(19|20)\d{2}[01]\d[0-3]\d/.test(version)

export function timestampVersion(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`
}

/** Next version after `history`: timestamps stay timestamps, counters count on at their widest width. */
export function nextNumericVersion(history: ReadonlyArray<Migration>, now: Date, defaultWidth = 6): string {
  if (history.length === 0) return "1".padStart(defaultWidth, "0")
  const versions = history.map((m) => m.version)
  const max = versions.reduce((a, v) => (BigInt(v) > a ? BigInt(v) : a), 0n)
  if (versions.some(looksLikeTimestamp)) {
    const stamp = timestampVersion(now)
    return BigInt(stamp) > max ? stamp : String(max + 1n)
  }
  const width = Math.max(...versions.map((v) => v.length))
  return String(max + 1n).padStart(width, "0")
}

export const migrate: FormatShape = {
  id: "migrate",
  supportsDown: true,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const byVersion = new Map<string, { version: string; name: string; up?: FolderFile; down?: FolderFile }>()
    for (const file of files) {
      if (file.path.includes("/")) continue
      const match = fileName.exec(file.path)
      if (!match) continue
      const [, version = "", name = "", direction] = match
      const key = BigInt(version).toString()
      const entry = byVersion.get(key) ?? { version, name }
      const slot = direction === "up" ? "up" : "down"
      const clash = entry[slot]
      if (clash) {
        return new FormatError({
          format: "migrate",
          file: `${prefix}${file.path}`,
          reason: `version ${version} is also used by ${prefix}${clash.path}`,
        })
      }
      entry[slot] = file
      byVersion.set(key, entry)
    }
    const history: Migration[] = []
    for (const [key, entry] of [...byVersion].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
      if (!entry.up) {
        return new FormatError({
          format: "migrate",
          file: `${prefix}${entry.down?.path ?? key}`,
          reason: `version ${entry.version} has a down file but no up file`,
        })
      }
      history.push({
        version: entry.version,
        name: entry.name,
        up: entry.up.content,
        down: entry.down?.content,
        upPath: `${prefix}${entry.up.path}`,
        downPath: entry.down ? `${prefix}${entry.down.path}` : undefined,
        transaction: true,
      })
    }
    return history
  },
  nextVersion: (history, now) => nextNumericVersion(history, now),
  render(migration) {
    const base = `${migration.version}_${safeName(migration.description)}`
    const files = [{ path: `${base}.up.sql`, content: migration.up }]
    if (migration.down !== undefined) files.push({ path: `${base}.down.sql`, content: migration.down })
    return files
  },
}
