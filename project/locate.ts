/**
 * project/locate: find the project a command runs in, as git finds its repository: the nearest
 * folder holding aim.toml, from the start folder up to the filesystem's root. And show a project
 * path relative to the folder the user stands in, so a message names a file the user can open from
 * there (`../schema.sql:17` when run from `migrations/`). Reads only folder entries; holds nothing.
 */
import { existsSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"

/** The nearest `start` or parent folder holding a regular file `name`, or undefined. */
export function findUpward(start: string, name: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, name)
    if (existsSync(candidate) && statSync(candidate).isFile()) return dir
    if (dirname(dir) === dir) return undefined
  }
}

/**
 * `path` (relative to `root`, or absolute) as seen from `from`, with `/` separators. Without `from`,
 * or standing in `root`, it is returned unchanged.
 */
export function pathFrom(root: string, from: string | undefined, path: string): string {
  if (from === undefined || resolve(from) === resolve(root)) return path
  return relative(from, resolve(root, path)).split(sep).join("/") || "."
}
