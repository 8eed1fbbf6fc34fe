/**
 * dbmate: amacneil/dbmate's migrations. One file per migration, `{version}_{name}.sql`, with an up
 * block opened by `-- migrate:up` and a down block opened by `-- migrate:down`. Facts from dbmate's
 * source (pkg/dbmate/db.go FindMigrations, pkg/dbmate/migration.go):
 *
 * - Only files directly in the folder count; a name matching `^(\d+).*\.sql$` is a migration, other
 *   files are ignored. The version is the leading digits as a string ("001" and "1" are different
 *   versions) and migrations apply in file-name order (byte order, not numeric: `10_a.sql` comes
 *   before `9_b.sql`). dbmate does not itself reject two files with one version, but records only
 *   the version, so the second would never run: aim reports it as a clash.
 * - Directives match `^--\s*migrate:(up|down)` at the start of a line; words after it are options,
 *   `key:value` pairs; `transaction:false` runs that block outside a transaction. Only blank and
 *   comment lines may precede the first `-- migrate:up`. Each up block needs its `-- migrate:down`
 *   (dbmate refuses a file without it), and a file may hold several up/down sections, run in order.
 *
 * Read keeps each direction's text with the file's line numbers (directive lines and the other
 * direction blanked). The migration runs outside a transaction when any of its blocks says
 * `transaction:false` (the model has one flag for both directions). A down block with no SQL in it
 * reads as no down.
 *
 * Render writes `-- migrate:up` then `-- migrate:down` (always, as dbmate requires it), adding
 * ` transaction:false` to a directive only when its block holds a statement that cannot run in a
 * transaction (CREATE INDEX CONCURRENTLY, VACUUM...). New versions are timestamps (yyyymmddhhmmss,
 * what `dbmate new` writes, also for an empty folder), or the next number at the folder's width when
 * it counts. Note a counter that grows a digit (9 to 10) sorts before the old ones by name, which is
 * how dbmate would then apply them on a fresh database.
 */
import { isBlankSql, linesOf, needsNoTransaction } from "./_statements.ts"
import { historyOfSectionedFiles, type SectionedFile } from "./_single-file.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"
import { nextNumericVersion, timestampVersion } from "./migrate.ts"

const fileName = /^(\d+)(.*)\.sql$/
const directive = /^--\s*migrate:(up|down)(\s*$|\s+\S+)/
const directiveName = /^--\s*migrate:(up|down)/

/** The options of a directive line: `-- migrate:up transaction:false` gives { transaction: "false" }. */
export function directiveOptions(line: string): Record<string, string> {
  const options: Record<string, string> = {}
  const rest = line.replace(directiveName, "").trim()
  if (rest === "") return options
  for (const pair of rest.split(/\s+/)) {
    const parts = pair.split(":")
    if (parts.length === 2) options[parts[0] as string] = parts[1] as string
  }
  return options
}

type Parsed = SectionedFile

/** Parse one dbmate migration file as dbmate does; the message says what dbmate would reject. */
export function parseDbmate(content: string): Parsed | string {
  const lines = linesOf(content)
  const kinds = lines.map((line) => directive.exec(line)?.[1] as "up" | "down" | undefined)
  const firstUp = kinds.indexOf("up")
  if (firstUp === -1) return "no '-- migrate:up' directive; dbmate requires one"
  for (let index = 0; index < firstUp; index++) {
    const line = lines[index] as string
    if (kinds[index] === "down") return "'-- migrate:up' must come before '-- migrate:down'"
    if (line.trim() !== "" && !/^\s*--/.test(line))
      return "SQL before '-- migrate:up'; dbmate does not run statements outside a block"
  }
  const side: Array<"up" | "down" | undefined> = []
  let current: "up" | "down" | undefined
  let downs = 0
  let transaction = true
  for (let index = 0; index < lines.length; index++) {
    const kind = kinds[index]
    if (kind === "up") {
      if (current === "up") return "a '-- migrate:up' block has no '-- migrate:down'; dbmate requires one"
      current = "up"
      downs = 0
    } else if (kind === "down") {
      if (downs > 0) return "more than one '-- migrate:down' for one '-- migrate:up'"
      downs++
      current = "down"
    }
    if (kind) {
      if (directiveOptions(lines[index] as string).transaction === "false") transaction = false
      side.push(undefined)
    } else side.push(current)
  }
  if (current === "up") return "no '-- migrate:down' directive; dbmate requires one after '-- migrate:up'"
  const section = (which: "up" | "down") => {
    const kept = lines.map((line, index) => (side[index] === which ? line : ""))
    while (kept.length > 0 && (kept[kept.length - 1] as string).trim() === "") kept.pop()
    return kept.length === 0 ? "" : `${kept.join("\n")}\n`
  }
  const down = section("down")
  return { up: section("up"), down: isBlankSql(down) ? undefined : down, transaction }
}

const block = (sql: string) => {
  const text = sql.trim()
  return text === "" ? "" : `${text}\n`
}

export const dbmate: FormatShape = {
  id: "dbmate",
  supportsDown: true,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const byVersion = new Map<string, FolderFile>()
    const found: Array<{ version: string; name: string; file: FolderFile }> = []
    for (const file of files) {
      if (file.path.includes("/")) continue
      const match = fileName.exec(file.path)
      if (!match) continue
      const [, version = "", rest = ""] = match
      const clash = byVersion.get(version)
      if (clash) {
        return new FormatError({
          format: "dbmate",
          file: `${prefix}${file.path}`,
          reason: `version ${version} is also used by ${clash.path}`,
        })
      }
      byVersion.set(version, file)
      found.push({ version, name: rest.replace(/^_/, ""), file })
    }
    found.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0))
    return historyOfSectionedFiles("dbmate", prefix, found, parseDbmate)
  },
  nextVersion: (history, now) =>
    history.length === 0 ? timestampVersion(now) : nextNumericVersion(history, now),
  render(migration) {
    const option = (sql: string | undefined) =>
      sql !== undefined && needsNoTransaction(sql) ? " transaction:false" : ""
    const content =
      `-- migrate:up${option(migration.up)}\n${block(migration.up)}\n` +
      `-- migrate:down${option(migration.down)}\n${block(migration.down ?? "")}`
    return [{ path: `${migration.version}_${safeName(migration.description)}.sql`, content }]
  },
}
