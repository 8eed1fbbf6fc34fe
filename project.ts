/**
 * project: reading the user's files: the migrations folder (through the configured format) and
 * schema.sql. Files must be UTF-8; a file that is not is named, never half-read.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { Effect, Schema as S } from "effect"
import type { Config } from "./config.ts"
import { type FolderFile, FormatError, type FormatShape } from "./formats/format.ts"
import type { Migration } from "./model.ts"

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
    return utf8.decode(readFileSync(path))
  } catch (error) {
    if (error instanceof TypeError)
      return new ProjectFileError({ file: shown, reason: "is not valid UTF-8 text" })
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "cannot be read (permission denied)"
          : (error as Error).message
    return new ProjectFileError({ file: shown, reason })
  }
}

/** Every regular file under `dir`, paths relative to it with `/` separators, in name order. */
function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      if (name.startsWith(".")) continue
      const full = join(current, name)
      const stat = statSync(full)
      if (stat.isDirectory()) walk(full)
      else if (stat.isFile()) out.push(relative(dir, full).split("\\").join("/"))
    }
  }
  walk(dir)
  return out
}

/** The migrations folder's SQL and index files; empty when the folder does not exist yet. */
export const readFolder = Effect.fnUntraced(function* (config: Config) {
  const dir = join(config.root, config.migrations)
  if (!existsSync(dir)) return [] as FolderFile[]
  if (!statSync(dir).isDirectory()) {
    return yield* new ProjectFileError({ file: config.migrations, reason: "is not a folder" })
  }
  const files: FolderFile[] = []
  for (const path of listFiles(dir)) {
    const shown = `${config.migrations}/${path}`
    // Only SQL and the formats' index files matter; other files (READMEs, dumps) are not read.
    if (!/\.(sql|plan|conf)$/.test(path)) continue
    const content = readUtf8(join(dir, path), shown)
    if (content instanceof ProjectFileError) return yield* content
    files.push({ path, content })
  }
  return files
})

/** The history in the order the runner applies it. */
export const readHistory = Effect.fnUntraced(function* (
  config: Config,
  format: FormatShape,
  files: ReadonlyArray<FolderFile>,
) {
  const history = format.read(files, `${config.migrations}/`)
  if (history instanceof FormatError) return yield* history
  return history as ReadonlyArray<Migration>
})

export const readSchemaSource = Effect.fnUntraced(function* (config: Config) {
  const text = readUtf8(join(config.root, config.schema), config.schema)
  if (text instanceof ProjectFileError) return yield* text
  return { path: config.schema, text } satisfies SchemaSource
})
