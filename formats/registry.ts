/**
 * registry: format ids as written in aim.toml, mapped to their implementation. Adding a format is
 * one file in formats/ and one line here.
 */
import type { FormatShape } from "./format.ts"
import { migrate } from "./migrate.ts"

export const formats: Readonly<Record<string, FormatShape>> = {
  migrate,
}
