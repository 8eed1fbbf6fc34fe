/**
 * build/build-id: a fingerprint of the code a build packs, passed to the bundler as AIM_BUILD_ID.
 * The snapshot cache keys cached schemas by the code that normalized them (project/snapshot-cache.ts); a
 * bundle or binary has no source tree to fingerprint at run time, so the build records one: the
 * hash of every TypeScript and JSON file aim's own folders hold, plus the lockfile.
 */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const SKIP = new Set(["node_modules", "dist", "test", "examples", "bench", "build"])

export function buildId(root: string): string {
  const hash = createHash("sha256")
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(path)
      } else if (/\.(ts|json)$/.test(entry.name)) {
        hash.update(`${path.slice(root.length)}\0`)
        hash.update(readFileSync(path))
      }
    }
  }
  walk(root)
  return hash.digest("hex").slice(0, 16)
}

/** The bundler flag that makes `AIM_BUILD_ID` a string literal in the output. */
export const buildIdDefine = (root: string) => ["--define", `AIM_BUILD_ID=${JSON.stringify(buildId(root))}`]
