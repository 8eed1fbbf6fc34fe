/** Helpers the format tests share: a folder from a name->content map, and a read's two outcomes. */
import { type FolderFile, FormatError } from "../../formats/format.ts"
import type { Migration } from "../../model.ts"

export const folder = (entries: Record<string, string>): FolderFile[] =>
  Object.entries(entries).map(([path, content]) => ({ path, content }))

/** The history, or the test fails with the format's message. */
export function ok(result: Migration[] | FormatError): Migration[] {
  if (result instanceof FormatError) throw new Error(result.message)
  return result
}

/** The FormatError, or the test fails saying what was read instead. */
export function failure(result: Migration[] | FormatError): FormatError {
  if (!(result instanceof FormatError))
    throw new Error(`expected a FormatError, got ${result.length} migrations`)
  return result
}
