/**
 * build/bundle: `npm run bundle` (and `prepack`, so the published package carries it). Bundles aim
 * into dist/js/cli.js plus chunks, the form `bunx aim` runs once installed (bin/aim.js). Running
 * from source, Bun resolves and transpiles some 300 modules on every start, about 0.2 s of CPU
 * before aim does anything; the minified bundle starts in about a quarter of that, which is most of
 * `aim diff`'s cost on a small SQLite history. Code that only some runs need (PostgreSQL, MySQL,
 * the model SDKs, the rules' parsers) stays in chunks loaded on first use. Packages that locate
 * their own wasm or native files next to their code stay external and load from node_modules.
 * Output is built in a temp folder beside the target and swapped in, so an interrupted build
 * leaves the previous bundle whole.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parseArgs } from "node:util"
import { PGLITE_RELEASES } from "../engines/postgres/backends/pglite-releases.ts"
import { buildIdDefine } from "./build-id.ts"

/** Packages that find wasm, data or native files relative to their own code. */
export const EXTERNAL = [
  // Every PostgreSQL major's PGlite release: @electric-sql/pglite and its npm aliases.
  ...PGLITE_RELEASES.map((release) => release.packageName),
  "libpg-query",
  "testcontainers",
  "@testcontainers/postgresql",
  "@testcontainers/mysql",
  "@testcontainers/mariadb",
]

const root = resolve(import.meta.dir, "..")

/** Bundle cli.ts into `outdir`; returns the entry file. Throws with Bun's message when the build fails. */
export function bundle(outdir: string): string {
  const temp = `${outdir}.tmp-${process.pid}`
  rmSync(temp, { recursive: true, force: true })
  mkdirSync(dirname(outdir), { recursive: true })
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--target=bun",
      "--format=esm",
      "--splitting",
      "--minify",
      ...buildIdDefine(root),
      ...EXTERNAL.flatMap((name) => ["--external", name]),
      resolve(root, "cli.ts"),
      "--outdir",
      temp,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  )
  if (build.exitCode !== 0) {
    rmSync(temp, { recursive: true, force: true })
    throw new Error(`bun build failed (exit ${build.exitCode}): ${build.stderr.toString().trim()}`)
  }
  if (existsSync(outdir)) rmSync(outdir, { recursive: true, force: true })
  renameSync(temp, outdir)
  return resolve(outdir, "cli.js")
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: "string" } } })
  const outdir = resolve(root, values.outdir ?? "dist/js")
  const started = performance.now()
  try {
    const entry = bundle(outdir)
    process.stdout.write(`Bundled ${entry} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  } catch (error) {
    process.stderr.write(`aim bundle: ${(error as Error).message}\n`)
    process.exit(1)
  }
}
