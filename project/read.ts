/**
 * project/read: reading the user's files: the migrations folder (through the configured format) and
 * schema.sql. Files must be UTF-8; a file that is not is named, never half-read.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { Effect, Schema as S } from "effect"
import { type Config, shownPath } from "../config.ts"
import { type FolderFile, FormatError, type FormatShape } from "../formats/format.ts"
import { formats } from "../formats/registry.ts"
import type { Migration } from "../model.ts"

/**
 * A project file or folder aim cannot read (a missing schema.sql, a migrations path that is a file), with the
 * reason.
 */
export class ProjectFileError extends S.TaggedError<ProjectFileError>()("ProjectFileError", {
  file: S.String,
  reason: S.String,
}) {
  override get message() {
    return `${this.file}: ${this.reason}`
  }
}

/** The text of `schema.sql` and the path to show in messages. */
export interface SchemaSource {
  readonly path: string
  readonly text: string
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

export function readUtf8(path: string, shown: string): string | ProjectFileError {
  try {
    // Checked first: reading a FIFO would block aim (and its signal handling) until a writer came.
    const stat = statSync(path)
    if (stat.isDirectory()) return new ProjectFileError({ file: shown, reason: "is a folder, not a file" })
    if (!stat.isFile())
      return new ProjectFileError({
        file: shown,
        reason: "is not a regular file (a FIFO, socket or device); aim reads only regular files",
      })
    return utf8.decode(readFileSync(path))
  } catch (error) {
    if (error instanceof TypeError)
      return new ProjectFileError({ file: shown, reason: "is not valid UTF-8 text" })
    const code = (error as NodeJS.ErrnoException).code
    const dangling = code === "ENOENT" && isSymlink(path)
    const reason = dangling
      ? "is a symbolic link to a file that does not exist"
      : code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "cannot be read (permission denied)"
          : (error as Error).message
    return new ProjectFileError({ file: shown, reason })
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/**
 * Every file under `dir` that is not a folder, paths relative to it with `/` separators, in name
 * order. Entries that are not regular files (dangling links, FIFOs) are listed too, so that reading
 * them names them instead of aim skipping or blocking on them.
 */
function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      if (name.startsWith(".")) continue
      const full = join(current, name)
      if (isFolder(full)) walk(full)
      else out.push(relative(dir, full).split("\\").join("/"))
    }
  }
  walk(dir)
  return out
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The migrations folder's SQL and index files; empty when the folder does not exist yet. */
export const readFolder = Effect.fnUntraced(function* (config: Config) {
  const dir = join(config.root, config.migrations)
  if (!existsSync(dir)) return [] as FolderFile[]
  if (!statSync(dir).isDirectory()) {
    return yield* new ProjectFileError({
      file: shownPath(config, config.migrations),
      reason: "is not a folder",
    })
  }
  const files: FolderFile[] = []
  for (const path of listFiles(dir)) {
    const shown = shownPath(config, join(config.migrations, path))
    // Only SQL and the formats' index files matter; other files (READMEs, dumps) are not read.
    if (!/\.(sql|plan|conf)$/.test(path)) continue
    const content = readUtf8(join(dir, path), shown)
    if (content instanceof ProjectFileError) return yield* content
    files.push({ path, content })
  }
  return files
})

/** The other formats that read `files` as at least one migration without an error. */
function formatsReading(files: ReadonlyArray<FolderFile>, except: string): string[] {
  return Object.values(formats)
    .filter((other) => other.id !== except)
    .filter((other) => {
      const read = other.read(files, "")
      return !(read instanceof FormatError) && read.length > 0
    })
    .map((other) => other.id)
}

/** The history in the order the runner applies it. */
export const readHistory = Effect.fnUntraced(function* (
  config: Config,
  format: FormatShape,
  files: ReadonlyArray<FolderFile>,
) {
  const folder = shownPath(config, config.migrations)
  // Standing in the migrations folder, its files are named as they are.
  const prefix = folder === "." ? "" : `${folder}/`
  const history = format.read(files, prefix)
  if (history instanceof FormatError) {
    // A folder written for another runner often trips the format up (goose and dbmate read
    // migrate's NNN_x.up.sql and NNN_x.down.sql as one version twice): say which format reads it.
    const others = formatsReading(files, format.id)
    if (others.length === 0) return yield* history
    return yield* new FormatError({
      format: history.format,
      file: history.file,
      reason: `${history.reason.replace(/: check format in aim\.toml$/, "")}; the folder reads as ${others.join(" or ")} migrations: check format in aim.toml`,
    })
  }
  // A runner skips files it does not recognise, and so does each format; but a folder of SQL files
  // of which the format reads none is almost surely the wrong `format`, and treating it as an empty
  // history would make the next migration re-create every table.
  const sqlFiles = files.filter((f) => f.path.endsWith(".sql"))
  if (history.length === 0 && sqlFiles.length > 0) {
    const example = sqlFiles[0] as FolderFile
    const others = formatsReading(files, format.id)
    return yield* new FormatError({
      format: format.id,
      file: `${prefix}${example.path}`,
      reason: `none of the ${sqlFiles.length} .sql file(s) in ${folder}/ is a ${format.id} migration${others.length > 0 ? ` (they read as ${others.join(" or ")} migrations)` : ""}; check format in aim.toml`,
    })
  }
  return history as ReadonlyArray<Migration>
})

/** Read schema.sql (or the configured schema file) as text, with the path used in messages. */
export const readSchemaSource = Effect.fnUntraced(function* (config: Config) {
  const shown = shownPath(config, config.schema)
  const text = readUtf8(join(config.root, config.schema), shown)
  if (text instanceof ProjectFileError) return yield* text
  return { path: shown, text } satisfies SchemaSource
})
