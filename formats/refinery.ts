/**
 * refinery: rust-db/refinery's migrations. Files are `V{n}__{name}.sql` (versioned) and
 * `U{n}__{name}.sql` (unversioned); there is no down direction. Facts from refinery's source
 * (refinery_core/src/util.rs STEM_RE, find_migration_files, load_sql_migrations;
 * refinery_core/src/runner.rs; refinery_core/src/traits/mod.rs verify_migrations):
 *
 * - Migrations are found in the folder and all its subfolders (walkdir). A file name must match
 *   `^[UV](\d+(?:\.\d+)?)__(\w+)\.sql$`; other files are skipped with a warning. A matching version
 *   must parse as an integer (i32, or i64 with the int8-versions feature): `V1.2__x.sql` makes
 *   refinery fail, so aim reports it.
 * - V and U migrations are ordered together by number. They differ only in checking: a V migration
 *   older than the database's current version is reported missing, a U migration is applied anyway.
 *   A version is the schema history table's primary key, so two files with one number (`V1__a`,
 *   `U01__b`) cannot both run: aim reports the clash.
 * - `.rs` migrations (embed_migrations!) run Rust code aim cannot replay: a folder holding one is
 *   refused rather than read with a gap.
 * - Each migration runs in its own transaction (or all in one when grouped); there is no per-file
 *   opt-out.
 *
 * Render writes only `V{version}__{name}.sql`; a down, when given, is dropped (supportsDown is
 * false). New versions are the next integer at the folder's width, or a timestamp in a folder that
 * already uses them (they need the int8-versions feature); an empty folder starts at 1.
 */
import type { Migration } from "../model.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"
import { nextNumericVersion } from "./migrate.ts"

const fileName = /^([UV])(\d+(?:\.\d+)?)__([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+)\.(sql|rs)$/u
const int64Max = 9223372036854775807n

export const refinery: FormatShape = {
  id: "refinery",
  supportsDown: false,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const fail = (file: string, reason: string) =>
      new FormatError({ format: "refinery", file: `${prefix}${file}`, reason })
    const byVersion = new Map<bigint, FolderFile>()
    const found: Array<{ key: bigint; version: string; name: string; file: FolderFile }> = []
    for (const file of files) {
      const base = file.path.slice(file.path.lastIndexOf("/") + 1)
      const match = fileName.exec(base)
      if (!match) continue
      const [, , version = "", name = "", ext] = match
      if (ext === "rs") return fail(file.path, "is a Rust migration; aim can only replay SQL migrations")
      if (!/^[0-9]+$/.test(version) || BigInt(version) > int64Max) {
        return fail(file.path, `version ${version} is not an integer; refinery refuses it`)
      }
      const key = BigInt(version)
      const clash = byVersion.get(key)
      if (clash) return fail(file.path, `version ${version} is also used by ${clash.path}`)
      byVersion.set(key, file)
      found.push({ key, version, name, file })
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return found.map(
      ({ version, name, file }): Migration => ({
        version,
        name,
        up: file.content,
        upPath: `${prefix}${file.path}`,
        transaction: true,
      }),
    )
  },
  nextVersion: (history, now) => nextNumericVersion(history, now, 1),
  render(migration) {
    const body = migration.up.trim() === "" ? "" : `${migration.up.trim()}\n`
    return [{ path: `V${migration.version}__${safeName(migration.description)}.sql`, content: body }]
  },
}
