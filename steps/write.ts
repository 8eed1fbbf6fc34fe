/**
 * write: put a verified migration's files into the migrations folder, all or none. Each file is
 * written to a temporary name beside its target, then linked into place; a link fails when the
 * target exists, so no existing file is ever overwritten, and any failure removes what this call
 * created. A file that replaces an index (sqitch.plan) is swapped in by rename, after every new
 * file is in place. Resources: the temporary files, removed before the step returns.
 */
import { existsSync, linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Effect, Schema as S } from "effect"
import type { FolderFile } from "../formats/format.ts"

/** A migration file could not be written (it exists, or the folder is not writable), naming the file. */
export class WriteFailed extends S.TaggedError<WriteFailed>()("WriteFailed", {
  file: S.String,
  reason: S.String,
}) {
  override get message() {
    return `Cannot write ${this.file}: ${this.reason}. Nothing was written.`
  }
}

/** The files to write, where, and which existing ones (a format's index) may be replaced. */
export interface WriteRequest {
  /** The migrations folder, absolute. */
  readonly folder: string
  /** Shown in messages in place of `folder`. */
  readonly shownFolder: string
  readonly files: ReadonlyArray<FolderFile>
  /** Paths (relative to the folder) that may replace an existing file, e.g. an index file. */
  readonly replaces?: ReadonlyArray<string>
}

/**
 * Step: write the migration files into the migrations folder, refusing to overwrite any file except a
 * format's index.
 */
export const write = Effect.fn("aim/steps/write")(function* (request: WriteRequest) {
  const replaceable = new Set(request.replaces ?? [])
  const token = `${process.pid}-${Date.now().toString(36)}`
  const temps: string[] = []
  const created: string[] = []
  const createdDirs: string[] = []
  const shown = (path: string) => (request.shownFolder === "." ? path : `${request.shownFolder}/${path}`)
  const undo = () => {
    for (const path of [...temps, ...created]) rmSync(path, { force: true })
    for (const dir of createdDirs.reverse()) rmSync(dir, { recursive: true, force: true })
  }
  return yield* Effect.try({
    try: () => {
      for (const file of request.files) {
        const target = join(request.folder, file.path)
        if (existsSync(target) && !replaceable.has(file.path))
          throw new WriteFailed({ file: shown(file.path), reason: "the file already exists" })
      }
      for (const file of request.files) {
        const target = join(request.folder, file.path)
        let dir = dirname(target)
        const missing: string[] = []
        while (!existsSync(dir)) {
          missing.unshift(dir)
          dir = dirname(dir)
        }
        for (const d of missing) {
          mkdirSync(d)
          createdDirs.push(d)
        }
        const temp = `${target}.aim-${token}.tmp`
        writeFileSync(temp, file.content, { flag: "wx" })
        temps.push(temp)
      }
      const swaps: Array<[string, string]> = []
      for (const file of request.files) {
        const target = join(request.folder, file.path)
        const temp = `${target}.aim-${token}.tmp`
        if (replaceable.has(file.path) && existsSync(target)) {
          swaps.push([temp, target])
          continue
        }
        linkSync(temp, target)
        created.push(target)
      }
      for (const [temp, target] of swaps) renameSync(temp, target)
      for (const temp of temps) rmSync(temp, { force: true })
      return request.files.map((f) => shown(f.path))
    },
    catch: (error) => {
      undo()
      if (error instanceof WriteFailed) return error
      const e = error as NodeJS.ErrnoException
      return new WriteFailed({
        file: e.path ?? request.shownFolder,
        reason: e.code === "EEXIST" ? "the file already exists" : e.message,
      })
    },
  })
})
