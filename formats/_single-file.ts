/**
 * _single-file: formats that keep UP and DOWN in one file behind markers (goose, dbmate) read their
 * sorted files into a history the same way once each file is parsed; only the parsing differs.
 */
import type { Migration } from "../model.ts"
import { type FolderFile, FormatError } from "./format.ts"

/** One migration file's two directions, or why its runner would reject it. */
export interface SectionedFile {
  readonly up: string
  readonly down?: string | undefined
  readonly transaction: boolean
}

/** The history of `found` (already in apply order), each file parsed by `parse`. */
export function historyOfSectionedFiles(
  format: string,
  prefix: string,
  found: ReadonlyArray<{ readonly version: string; readonly name: string; readonly file: FolderFile }>,
  parse: (content: string) => SectionedFile | string,
): Migration[] | FormatError {
  const history: Migration[] = []
  for (const { version, name, file } of found) {
    const parsed = parse(file.content)
    const path = `${prefix}${file.path}`
    if (typeof parsed === "string") return new FormatError({ format, file: path, reason: parsed })
    history.push({
      version,
      name,
      up: parsed.up,
      down: parsed.down,
      upPath: path,
      downPath: parsed.down !== undefined ? path : undefined,
      transaction: parsed.transaction,
    })
  }
  return history
}
