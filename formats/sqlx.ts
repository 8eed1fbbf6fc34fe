/**
 * sqlx: launchbadge/sqlx's migrations. Simple migrations are one file `{version}_{description}.sql`
 * (up only); reversible ones are `{version}_{description}.up.sql` and `.down.sql`. Facts from sqlx's
 * source (sqlx-core/src/migrate/source.rs resolve_blocking, migration_type.rs, sqlx-cli/src/opt.rs):
 *
 * - Only files directly in the folder count. A name is split at its first `_`; without one, or when
 *   the rest does not end in `.sql`, the file is ignored. The part before must parse as an i64, or
 *   sqlx fails the whole folder ("expected integer version prefix"). Migrations order by that number.
 * - `.up.sql` / `.down.sql` make a reversible pair, anything else ending `.sql` is simple. sqlx
 *   keys applied migrations by version only, so two up files for one version, or a simple file next
 *   to a reversible pair of the same version, cannot both run: aim reports the clash. A down file
 *   without its up file is refused too.
 * - A file whose text starts with `-- no-transaction` runs outside a transaction.
 *
 * Render writes the reversible pair when there is a down, else a simple file, and starts a file with
 * `-- no-transaction` when a statement of it cannot run in a transaction (CREATE INDEX CONCURRENTLY,
 * VACUUM...). New versions follow the folder: timestamps (yyyymmddhhmmss, what `sqlx migrate add`
 * writes by default, also for an empty folder) or the next number at the folder's width (sqlx pads
 * sequential versions to 4).
 */
import type { Migration } from "../model.ts"
import { needsNoTransaction } from "./_statements.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"
import { nextNumericVersion, timestampVersion } from "./migrate.ts"

const int64Max = 9223372036854775807n
const noTransactionMark = "-- no-transaction"

type Kind = "simple" | "up" | "down"

/**
 * Section markers of the single-file formats that keep UP and DOWN in one file. sqlx has no
 * sections: it would run such a file whole, its DOWN right after its UP, so a simple migration
 * holding one is a folder written for another tool, not a migration to replay.
 */
const foreignSections: ReadonlyArray<{ readonly tool: string; readonly marker: RegExp }> = [
  { tool: "goose", marker: /^--\s*\+goose\s+down\b/im },
  { tool: "dbmate", marker: /^--\s*migrate:down\b/im },
]

interface Entry {
  version: string
  name: string
  simple?: FolderFile
  up?: FolderFile
  down?: FolderFile
}

export const sqlx: FormatShape = {
  id: "sqlx",
  supportsDown: true,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const fail = (file: string, reason: string) =>
      new FormatError({ format: "sqlx", file: `${prefix}${file}`, reason })
    const byVersion = new Map<bigint, Entry>()
    for (const file of files) {
      if (file.path.includes("/")) continue
      const cut = file.path.indexOf("_")
      if (cut === -1) continue
      const head = file.path.slice(0, cut)
      const rest = file.path.slice(cut + 1)
      if (!rest.endsWith(".sql")) continue
      if (!/^[0-9]+$/.test(head) || BigInt(head) > int64Max) {
        return fail(file.path, `version ${JSON.stringify(head)} is not an integer; sqlx refuses the folder`)
      }
      const kind: Kind = rest.endsWith(".up.sql") ? "up" : rest.endsWith(".down.sql") ? "down" : "simple"
      const suffix = kind === "simple" ? ".sql" : `.${kind}.sql`
      const name = rest.slice(0, rest.length - suffix.length)
      const key = BigInt(head)
      const entry: Entry = byVersion.get(key) ?? { version: head, name }
      const clash = entry[kind] ?? (kind === "simple" ? (entry.up ?? entry.down) : entry.simple)
      if (clash) {
        const mixed = (kind === "simple") !== (clash === entry.simple)
        return fail(
          file.path,
          mixed
            ? `version ${head} mixes a simple and a reversible migration with ${clash.path}`
            : `version ${head} is also used by ${clash.path}`,
        )
      }
      const foreign = kind === "simple" ? foreignSections.find((f) => f.marker.test(file.content)) : undefined
      if (foreign) {
        return fail(
          file.path,
          `holds ${foreign.tool}'s down section marker; sqlx would run the whole file, its down section right after its up: check format in aim.toml`,
        )
      }
      entry[kind] = file
      if (kind !== "down") entry.name = name
      byVersion.set(key, entry)
    }
    const history: Migration[] = []
    for (const [, entry] of [...byVersion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const up = entry.simple ?? entry.up
      if (!up) {
        return fail(
          entry.down?.path ?? entry.version,
          `version ${entry.version} has a down file but no up file`,
        )
      }
      const transaction =
        !up.content.startsWith(noTransactionMark) &&
        !(entry.down?.content.startsWith(noTransactionMark) ?? false)
      history.push({
        version: entry.version,
        name: entry.name,
        up: up.content,
        down: entry.down?.content,
        upPath: `${prefix}${up.path}`,
        downPath: entry.down ? `${prefix}${entry.down.path}` : undefined,
        transaction,
      })
    }
    return history
  },
  nextVersion: (history, now) =>
    history.length === 0 ? timestampVersion(now) : nextNumericVersion(history, now, 4),
  render(migration) {
    const text = (sql: string) => {
      const body = sql.trim() === "" ? "" : `${sql.trim()}\n`
      return needsNoTransaction(sql) ? `${noTransactionMark}\n${body}` : body
    }
    const base = `${migration.version}_${safeName(migration.description)}`
    if (migration.down === undefined) return [{ path: `${base}.sql`, content: text(migration.up) }]
    return [
      { path: `${base}.up.sql`, content: text(migration.up) },
      { path: `${base}.down.sql`, content: text(migration.down) },
    ]
  },
}
