/**
 * flyway: Flyway's SQL migrations. Versioned `V{version}__{description}.sql`, undo
 * `U{version}__{description}.sql` (the down of the V file with the same version; a Teams feature),
 * repeatable `R__{description}.sql`. Facts from Flyway's source (flyway-core: ResourceNameParser,
 * MigrationVersion, SqlMigrationResolver, ResolvedMigrationComparator,
 * CompositeMigrationResolver.checkForIncompatibilities, SqlScriptMetadata, FileSystemScanner):
 *
 * - Locations are scanned with their subfolders. The suffix `.sql` is matched case-insensitively,
 *   prefixes case-sensitively. The name splits at the first `__`: a versioned or undo migration needs
 *   a version before it (`V1.sql` is valid, with an empty description), a repeatable needs nothing
 *   before it. Names that do not parse are ignored (Flyway's validateMigrationNaming is off by default).
 * - A version is digits separated by `.` or `_` (`_` means `.`): `V1_1__x` is version 1.1. Versions
 *   compare part by part as integers (1.10 > 1.9) and trailing zero parts do not count, so `V1__a`,
 *   `V1.0__b` and `V01__c` are one version: Flyway refuses the folder ("more than one migration with
 *   version"), and so does aim. The same holds for two undo files, and for two repeatables whose
 *   descriptions (`_` read as a space) are equal.
 * - Versioned migrations apply in version order; repeatables apply after them, ordered by
 *   description. A repeatable reads with version `R__{description}` (as its file name spells it).
 * - `{file}.conf` next to a script may set `executeInTransaction=false`; Flyway also runs a script
 *   outside a transaction when its statements cannot run in one (CREATE INDEX CONCURRENTLY...).
 *
 * New versions: the next integer after the highest major part (after 1.2.3 comes 2), at the width
 * the folder writes its majors with (V001 -> V002); a timestamp in a folder whose versions are
 * timestamps; 1 in an empty folder. Dotted minor versions are never invented: they are how people
 * slot hotfixes between releases, which a tool should leave to them. Render writes `V{version}__`
 * and, when there is a down, `U{version}__`.
 */
import type { Migration } from "../model.ts"
import { needsNoTransaction } from "./_statements.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"
import { looksLikeTimestamp, timestampVersion } from "./migrate.ts"

/** A Flyway version as its parts, trailing zero parts dropped; undefined when Flyway would not parse it. */
export function flywayVersion(raw: string): bigint[] | undefined {
  const normalized = raw.replaceAll("_", ".")
  if (!/^[0-9]+(\.[0-9]+)*$/.test(normalized)) return undefined
  const parts = normalized.split(".").map((p) => BigInt(p))
  while (parts.length > 1 && parts[parts.length - 1] === 0n) parts.pop()
  return parts
}

/** Flyway's MigrationVersion.compareTo: part by part, a missing part counting as zero. */
export function compareFlywayVersions(a: ReadonlyArray<bigint>, b: ReadonlyArray<bigint>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0n
    const y = b[i] ?? 0n
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

interface Versioned {
  readonly raw: string
  readonly parts: bigint[]
  readonly description: string
  readonly file: FolderFile
}

const conf = (files: ReadonlyMap<string, FolderFile>, path: string) =>
  files.get(`${path}.conf`)?.content ?? ""
const saysNoTransaction = (text: string) =>
  /^[ \t]*executeInTransaction[ \t]*=[ \t]*false[ \t]*\r?$/im.test(text)

export const flyway: FormatShape = {
  id: "flyway",
  supportsDown: true,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const fail = (file: string, reason: string) =>
      new FormatError({ format: "flyway", file: `${prefix}${file}`, reason })
    const byPath = new Map(files.map((f) => [f.path, f]))
    const versioned: Versioned[] = []
    const undo: Versioned[] = []
    const repeatable: Array<{ description: string; raw: string; file: FolderFile }> = []
    for (const file of files) {
      const base = file.path.slice(file.path.lastIndexOf("/") + 1)
      if (!base.toLowerCase().endsWith(".sql")) continue
      const stem = base.slice(0, -4)
      const kind = stem[0]
      if (kind !== "V" && kind !== "U" && kind !== "R") continue
      const rest = stem.slice(1)
      const cut = rest.indexOf("__")
      const head = cut === -1 ? rest : rest.slice(0, cut)
      const raw = cut === -1 ? "" : rest.slice(cut + 2)
      const description = raw.replaceAll("_", " ")
      if (kind === "R") {
        if (head !== "") continue
        const clash = repeatable.find((r) => r.description === description)
        if (clash)
          return fail(
            file.path,
            `repeatable migration "${description}" is also defined by ${clash.file.path}`,
          )
        repeatable.push({ description, raw, file })
        continue
      }
      const parts = head === "" ? undefined : flywayVersion(head)
      if (!parts) continue
      const list = kind === "V" ? versioned : undo
      const clash = list.find((m) => compareFlywayVersions(m.parts, parts) === 0)
      if (clash)
        return fail(file.path, `version ${head.replaceAll("_", ".")} is also used by ${clash.file.path}`)
      list.push({ raw: head, parts, description: raw, file })
    }
    versioned.sort((a, b) => compareFlywayVersions(a.parts, b.parts))
    repeatable.sort((a, b) => (a.description < b.description ? -1 : a.description > b.description ? 1 : 0))
    for (const u of undo) {
      if (!versioned.some((v) => compareFlywayVersions(v.parts, u.parts) === 0)) {
        return fail(u.file.path, `undo migration ${u.raw.replaceAll("_", ".")} has no versioned migration`)
      }
    }
    const transactionOf = (file: FolderFile) =>
      !saysNoTransaction(conf(byPath, file.path)) && !needsNoTransaction(file.content)
    const history: Migration[] = versioned.map((v) => {
      const down = undo.find((u) => compareFlywayVersions(u.parts, v.parts) === 0)
      return {
        version: v.raw.replaceAll("_", "."),
        name: v.description,
        up: v.file.content,
        down: down?.file.content,
        upPath: `${prefix}${v.file.path}`,
        downPath: down ? `${prefix}${down.file.path}` : undefined,
        transaction: transactionOf(v.file) && (down ? transactionOf(down.file) : true),
      }
    })
    for (const r of repeatable) {
      history.push({
        version: `R__${r.raw}`,
        name: r.raw,
        up: r.file.content,
        upPath: `${prefix}${r.file.path}`,
        transaction: transactionOf(r.file),
      })
    }
    return history
  },
  nextVersion(history, now) {
    const majors = history.flatMap((m) => {
      const parts = flywayVersion(m.version)
      const major = m.version.split(/[._]/)[0] ?? ""
      return parts ? [{ value: parts[0] ?? 0n, text: major }] : []
    })
    if (majors.length === 0) return "1"
    const max = majors.reduce((a, m) => (m.value > a ? m.value : a), 0n)
    if (majors.some((m) => looksLikeTimestamp(m.text))) {
      const stamp = timestampVersion(now)
      return BigInt(stamp) > max ? stamp : String(max + 1n)
    }
    const width = Math.max(...majors.map((m) => m.text.length))
    return String(max + 1n).padStart(width, "0")
  },
  render(migration) {
    const text = (sql: string) => (sql.trim() === "" ? "" : `${sql.trim()}\n`)
    const base = `${migration.version}__${safeName(migration.description)}.sql`
    const files = [{ path: `V${base}`, content: text(migration.up) }]
    if (migration.down !== undefined) files.push({ path: `U${base}`, content: text(migration.down) })
    return files
  },
}
